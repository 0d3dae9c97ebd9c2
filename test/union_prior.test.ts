import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { convexGraph } from '../src/priors/convex_prior.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { resolvePriorConfig, type ConvexPriorConfig, type UnionPriorConfig } from '../src/priors/prior_config.js';
import { UnionPrior } from '../src/priors/union_prior.js';
import { thresholdMap } from '../src/probability_map.js';
import { twoOccludedEllipses } from '../src/synthetic.js';
import { expectPriorRoundTrip, randomizeWeights } from './helpers.js';

const union = (count: number, member = 'convex') => resolvePriorConfig({ kind: 'union', count, member: member as 'convex' }) as UnionPriorConfig;

describe('union prior', () => {
  it('keeps every member its guarantee and F = min of the members, for random parameters', () => {
    for (const member of ['convex', 'star']) {
      const prior = new UnionPrior(union(3, member), { seed: 2 });
      randomizeWeights(prior.model, 2, 0.5);
      prior.applyConstraints();
      const c = prior.certify({ samples: 4000 });
      expect(c.property).toMatch(new RegExp(`union of 3 ${member} priors`));
      expect(c.violations).toBe(0);
      prior.dispose();
    }
  });

  it('catches a score that is not the minimum of the members, so the certificate can fail', () => {
    const coords = tf.input({ shape: [2] });
    const member = resolvePriorConfig('convex') as ConvexPriorConfig;
    const outs = [0, 1].map((i) => convexGraph(coords, member, i, `m${i}_`));
    const prior = new UnionPrior(union(2), { model: tf.model({ inputs: coords, outputs: tf.layers.add().apply(outs) as tf.SymbolicTensor }) });
    prior.initializeFromData(twoOccludedEllipses({ height: 64, width: 64 }).unaries);
    expect(prior.certify({ samples: 2000 }).violations).toBeGreaterThan(1000);
    prior.dispose();
  });

  it('segments two separate objects where one convex prior cannot', async () => {
    const scene = twoOccludedEllipses({ height: 128, width: 128, seed: 1 });
    const thresholded = iou(thresholdMap(scene.unaries), scene.truth);
    const both = createPrior({ kind: 'union', count: 2, member: 'convex' }, { seed: 0 });
    const fit = await fitPrior(both, scene.unaries, { seed: 0 });
    const unionIou = iou(evaluateMask(both, 128, 128), scene.truth);
    expect(fit.certificate.passed).toBe(true);
    expect(unionIou).toBeGreaterThanOrEqual(thresholded + 0.05);
    expect(unionIou).toBeGreaterThan(0.9);
    both.dispose();
    const one = createPrior('convex', { seed: 0 });
    await fitPrior(one, scene.unaries, { seed: 0 });
    expect(unionIou).toBeGreaterThan(iou(evaluateMask(one, 128, 128), scene.truth) + 0.2);
    one.dispose();
  });

  it('validates its config and round-trips through savePrior / loadPrior', async () => {
    expect(() => resolvePriorConfig({ kind: 'union', member: 'union' as never })).toThrow(/cannot have unions as members/);
    expect(() => resolvePriorConfig({ kind: 'union', count: 0 })).toThrow(/count must be an integer/);
    const prior = createPrior({ kind: 'union', count: 2, member: 'star' }, { seed: 4 });
    randomizeWeights(prior.model, 4, 0.5);
    await expectPriorRoundTrip(prior);
    prior.dispose();
  });
});
