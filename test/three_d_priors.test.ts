import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask, evaluateScores, sampleFramePoints } from '../src/priors/evaluate.js';
import type { PriorConfigInput } from '../src/priors/prior_config.js';
import { thresholdMap } from '../src/probability_map.js';
import { liftedByDepth } from '../src/slice_stack.js';
import { planeInDepth } from '../src/synthetic.js';
import { expectPriorRoundTrip, randomizeWeights } from './helpers.js';

const kinds: PriorConfigInput[] = [
  { kind: 'convex', inputDim: 3 },
  { kind: 'star', inputDim: 3 },
  { kind: 'radial', inputDim: 3 },
  { kind: 'mirror', inputDim: 3 },
  { kind: 'rotation', inputDim: 3, folds: 5 },
  { kind: 'periodic', inputDim: 3 },
  { kind: 'union', count: 2, member: { kind: 'star', inputDim: 3 } },
];

describe('3-D priors on (x, y, z): time or depth', () => {
  for (const config of kinds) {
    const name = typeof config === 'string' ? config : config.kind === 'union' ? 'union of 3-D stars' : config.kind;
    it(`${name}: keeps its guarantee (per slice) for random parameters and round-trips`, async () => {
      // Some random nets have an empty set in range (nothing to check): at least two seeds must check something.
      let nonEmpty = 0;
      for (let seed = 1; seed <= 6 && nonEmpty < 2; seed++) {
        const prior = createPrior(config, { seed });
        // Periodic: frequencies of a few periods per frame, as fits have them.
        randomizeWeights(prior.model, seed, 0.6, (n) => (n.includes('basis') ? 6 : 0.6));
        prior.applyConstraints();
        if (prior.config.kind === 'convex') {
          // A random input-convex net is mostly positive: shift it down to its median, so that half the samples are inside.
          prior.model.getLayer('saturation').setWeights([tf.scalar(Math.log(1e6)).reshape([1])]);
          const scores = evaluateScores(prior, sampleFramePoints(2000, 3, { thirdRange: [0, 5] }, seedrandom(String(seed))), 3);
          const median = [...scores].sort((a, b) => a - b)[1000]!;
          const out = prior.model.getLayer('icnn_out');
          const [wx, wz, bias] = out.getWeights();
          out.setWeights([wx!, wz!, tf.sub(bias!, median)]);
        }
        const cert = prior.certify({ seed, samples: 4000, thirdRange: [0, 5] });
        expect(cert.violations, cert.property).toBe(0);
        if (cert.checked > 0) nonEmpty++;
        if (seed === 1) await expectPriorRoundTrip(prior);
        prior.dispose();
      }
      expect(nonEmpty).toBe(2);
    });
  }

  it('segments a plane in a depth image: convex in (x, y, depth) where the image-plane convex prior cannot', async () => {
    const c = planeInDepth({ height: 96, width: 96, seed: 1 });
    const flat = createPrior('convex', { seed: 0 });
    await fitPrior(flat, c.unaries, { seed: 0 });
    const flatIou = iou(evaluateMask(flat, 96, 96), c.truth);
    flat.dispose();
    const deep = createPrior({ kind: 'convex', inputDim: 3 }, { seed: 0 });
    const fit = await fitPrior(deep, liftedByDepth(c.unaries, c.depth), { seed: 0 });
    const deepIou = iou(evaluateMask(deep, 96, 96, c.depth), c.truth);
    deep.dispose();
    const thresholded = iou(thresholdMap(c.unaries), c.truth);
    expect(fit.certificate.passed).toBe(true);
    expect(deepIou).toBeGreaterThan(thresholded + 0.05);
    expect(deepIou).toBeGreaterThan(flatIou + 0.05);
  }, 120_000);
});
