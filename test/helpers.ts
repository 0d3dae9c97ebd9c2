import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ImplicitPrior } from '../src/priors/implicit_prior.js';
import { evaluateScores } from '../src/priors/evaluate.js';
import { loadPrior, savePrior } from '../src/priors/persistence.js';

/**
 * Draws every trainable weight of `model` from N(0, scale) (seeded), bypassing weight
 * constraints: guarantees must hold for all parameter values, not only fitted ones.
 * `scaleOf` may give some weights another scale (e.g. lattice frequencies).
 */
export function randomizeWeights(model: tf.LayersModel, seed: number, scale: number, scaleOf: (name: string) => number = () => scale): void {
  model.trainableWeights.forEach((w, i) => {
    const v = tf.randomNormal(w.shape as number[], 0, scaleOf(w.name), 'float32', seed * 101 + i);
    (w.read() as tf.Variable).assign(v);
    v.dispose();
  });
}

/** savePrior + loadPrior through file:// restore the config and give identical scores. */
export async function expectPriorRoundTrip(prior: ImplicitPrior): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), `shapeprior-${prior.config.kind}-`));
  await savePrior(prior, `file://${dir}`);
  const loaded = await loadPrior(`file://${dir}`);
  expect(loaded.config).toEqual(prior.config);
  const dim = prior.model.inputs[0]!.shape[1] as number;
  const probe = Float32Array.from({ length: 600 }, (_, i) => 1.2 * Math.sin(i * 12.9898));
  expect(Array.from(evaluateScores(loaded, probe, dim))).toEqual(Array.from(evaluateScores(prior, probe, dim)));
  loaded.dispose();
}
