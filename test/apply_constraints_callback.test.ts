import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ApplyConstraintsCallback } from '../callbacks/index.js';
import { buildConvexNet } from '../src/priors/convex_prior.js';
import { resolvePriorConfig, type ConvexPriorConfig } from '../src/priors/prior_config.js';

/** Trains a convex net with model.fit towards a concave target, which pulls its z-weights negative. */
async function trainOnConcaveTarget(callbacks: tf.Callback[]): Promise<number> {
  const model = buildConvexNet(resolvePriorConfig({ kind: 'convex', width: 16, depth: 2 }) as ConvexPriorConfig, 1);
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const xs = tf.randomUniform([512, 2], -1, 1, 'float32', 3);
  const ys = tf.sub(1, tf.mul(3, tf.sum(tf.square(xs), 1, true)));
  await model.fit(xs, ys, { epochs: 4, batchSize: 64, verbose: 0, callbacks });
  const minZ = Math.min(...model.weights.filter((w) => w.name.includes('z_kernel')).map((w) => w.read().min().dataSync()[0]!));
  xs.dispose();
  ys.dispose();
  model.dispose();
  return minZ;
}

describe('ApplyConstraintsCallback', () => {
  it('keeps the z-weights non-negative through model.fit, which alone does not', async () => {
    expect(await trainOnConcaveTarget([])).toBeLessThan(0);
    expect(await trainOnConcaveTarget([new ApplyConstraintsCallback()])).toBeGreaterThanOrEqual(0);
  });
});
