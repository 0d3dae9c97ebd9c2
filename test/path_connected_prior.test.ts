import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { connectedComponents } from '../src/analysis/components.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { PathConnectedPrior } from '../src/priors/path_connected_prior.js';
import { ConvexPrior } from '../src/priors/convex_prior.js';
import { resolvePriorConfig, type PathConnectedPriorConfig, type PriorConfigInput } from '../src/priors/prior_config.js';
import { probabilityMap, thresholdMap } from '../src/probability_map.js';
import { framesAt } from '../src/slice_stack.js';
import { movingDisc, occludedStar } from '../src/synthetic.js';
import { expectPriorRoundTrip, randomizeWeights, thickC } from './helpers.js';

const pc2 = resolvePriorConfig('pc') as PathConnectedPriorConfig;
const pc3 = resolvePriorConfig({ kind: 'pc', inputDim: 3 }) as PathConnectedPriorConfig;

describe('path-connected prior (G o D o T)', () => {
  it('is one connected set with an invertible flow for random parameters, 2-D and per slice in 3-D', () => {
    for (const config of [pc2, pc3]) {
      for (let seed = 1; seed <= 3; seed++) {
        const prior = new PathConnectedPrior(config, { seed });
        randomizeWeights(prior.model, seed, 0.4);
        prior.applyConstraints(); // G's convexity projection; D and T need none
        const cert = prior.certify({ seed, samples: 4000, height: 96, width: 96 });
        expect(cert.violations, `${config.inputDim}-D seed ${seed}: ${cert.property}`).toBe(0);
        prior.dispose();
      }
    }
  });

  it('catches a disconnected set, so the certificate can fail', () => {
    // Without the projection G is not convex and its set may fall apart: some seeds must fail.
    let failures = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const prior = new PathConnectedPrior({ ...pc2, blocks: 2 }, { seed });
      randomizeWeights(prior.model, seed, 2);
      if (!prior.certify({ seed, samples: 500, height: 64, width: 64 }).passed) failures++;
      prior.dispose();
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('round-trips through savePrior / loadPrior (every flow layer serialises)', async () => {
    for (const config of [pc2, pc3]) {
      const prior = new PathConnectedPrior(config, { seed: 2 });
      randomizeWeights(prior.model, 2, 0.3);
      prior.applyConstraints(); // loading projects constrained weights, so compare a projected prior
      await expectPriorRoundTrip(prior);
      prior.dispose();
    }
  });

  it('segments a non-convex occluded star as one blob, beating thresholding', async () => {
    const c = occludedStar({ height: 128, width: 128, seed: 2 });
    const prior = createPrior('pc', { seed: 0 });
    const before = tf.memory().numTensors;
    const fit = await fitPrior(prior, c.unaries, { seed: 0, maxSteps: 600 });
    expect(tf.memory().numTensors).toBe(before);
    const mask = evaluateMask(prior, 128, 128);
    const got = iou(mask, c.truth);
    const thresholded = iou(thresholdMap(c.unaries), c.truth);
    expect(got).toBeGreaterThan(thresholded + 0.05);
    expect(got).toBeGreaterThan(0.75); // measured 0.798 (thresholding 0.646)
    expect(fit.certificate.passed).toBe(true);
    expect(connectedComponents(mask, 128, 128, 8)).toHaveLength(1);
    prior.dispose();
  }, 180_000);

  it('flowDecay trades shape freedom for convexity: large decay fits like the convex prior, none follows the arms', async () => {
    const c = occludedStar({ height: 64, width: 64, seed: 2 });
    const mask = async (config: PriorConfigInput) => {
      const prior = createPrior(config, { seed: 0 });
      await fitPrior(prior, c.unaries, { seed: 0, maxSteps: 300 });
      const m = evaluateMask(prior, 64, 64);
      prior.dispose();
      return m;
    };
    // The convex net trained the same way (from the moment ellipse, by gradient steps), not the hull start.
    const convexPrior = createPrior('convex', { seed: 0 }) as ConvexPrior;
    convexPrior.initializeFromMoments(c.unaries, 0);
    await fitPrior(convexPrior, c.unaries, { seed: 0, maxSteps: 300, initialize: false });
    const convex = evaluateMask(convexPrior, 64, 64);
    convexPrior.dispose();
    // A rate of 1e-2 lets the flow bend within the 255 steps of the deform stage (the default, the paper's 1e-3, needs more).
    const free = await mask({ kind: 'pc', flowDecay: 0, flowLearningRate: 1e-2 });
    const stiff = await mask({ kind: 'pc', flowDecay: 100, flowLearningRate: 1e-2 });
    expect(iou(free, c.truth)).toBeGreaterThan(iou(stiff, c.truth) + 0.05);
    expect(iou(stiff, convex)).toBeGreaterThan(iou(free, convex) + 0.05);
  }, 180_000);

  it('predicts unseen frames of a moving object (temporal super-resolution), one blob per frame', async () => {
    const fitted = [0, 2, 4, 6];
    const { frames, truthAt } = movingDisc(fitted, { height: 64, width: 64, seed: 1 });
    const prior = createPrior({ kind: 'pc', inputDim: 3 }, { seed: 0 });
    const fit = await fitPrior(prior, framesAt(frames.map((f) => f.unaries), fitted), { seed: 0, maxSteps: 600 });
    expect(fit.certificate.passed).toBe(true);
    for (const t of [1, 3, 5]) {
      const mask = evaluateMask(prior, 64, 64, t);
      expect(connectedComponents(mask, 64, 64, 8), `t = ${t}`).toHaveLength(1);
      expect(iou(mask, truthAt(t)), `t = ${t}`).toBeGreaterThan(0.6);
    }
    for (const [k, t] of fitted.entries()) {
      expect(iou(evaluateMask(prior, 64, 64, t), truthAt(t))).toBeGreaterThan(iou(thresholdMap(frames[k]!.unaries), truthAt(t)) + 0.05);
    }
    prior.dispose();
  }, 180_000);

  it("certifies pieces the grid separates by a path through G's convex set, and finds no such path to a point outside", () => {
    const n = 64;
    const { map } = thickC(n, { inner: 0.4, outer: 0.7, gap: 0.6 });
    const prior = createPrior('pc', { seed: 0 }) as PathConnectedPrior;
    prior.initializeFromData(probabilityMap(n, n, map), 0);
    // The C opens towards +x: a point on its upper and one on its lower arm (joined only
    // around the left, the straight line crosses the hole), and a point of the hole.
    const [upper, lower, hole] = [[0, -0.55], [0, 0.55], [0.2, 0]];
    const score = (p: number[]) => tf.tidy(() => prior.score(tf.tensor2d([p])).dataSync()[0]!);
    expect(score(upper)).toBeLessThanOrEqual(0);
    expect(score(lower)).toBeLessThanOrEqual(0);
    expect(score(hole)).toBeGreaterThan(0);
    const cell = 2 / 96;
    expect(prior.joinedThroughShape(upper, lower, cell)).toBe(true);
    expect(prior.joinedThroughShape(upper, hole, cell)).toBe(false);
    prior.dispose();
  });
});
