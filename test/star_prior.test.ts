import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AffineNormalization, FastDense, PolarCoordinates } from '../layers/index.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask, evaluateScores } from '../src/priors/evaluate.js';
import { resolvePriorConfig, type RadialPriorConfig, type StarPriorConfig } from '../src/priors/prior_config.js';
import { buildStarNet, StarPrior } from '../src/priors/star_prior.js';
import { thresholdMap } from '../src/probability_map.js';
import { occludedStar } from '../src/synthetic.js';
import { maskPerimeter } from '../bench/geometric_baseline.js';
import { polarMap } from '../bench/polar_maps.js';
import { expectPriorRoundTrip, randomizeWeights } from './helpers.js';

const starConfig = resolvePriorConfig('star') as StarPriorConfig;
const radialConfig = resolvePriorConfig('radial') as RadialPriorConfig;

describe('star-shaped and radially convex priors', () => {
  it('are star-shaped / radially convex for random parameters', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const star = new StarPrior(starConfig, { seed });
      randomizeWeights(star.model, seed, 0.7);
      const s = star.certify({ seed, samples: 8000 });
      expect(s.checked).toBeGreaterThan(0);
      expect(s.violations).toBe(0);
      const radial = new StarPrior(radialConfig, { seed });
      randomizeWeights(radial.model, seed, 0.7);
      const r = radial.certify({ seed });
      expect(r.checked).toBeGreaterThan(100);
      expect(r.violations).toBe(0);
      star.dispose();
      radial.dispose();
    }
  });

  it('catches sets that are not star-shaped, so the star certificate can fail', () => {
    // A radially convex net need not contain its centre: checked as a star, some seeds must fail.
    let failures = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const prior = new StarPrior(starConfig, { model: buildStarNet(radialConfig, seed) });
      randomizeWeights(prior.model, seed, 1.5);
      if (!prior.certify({ seed, samples: 8000 }).passed) failures++;
      prior.dispose();
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('catches rays that cross the set twice, so the radial certificate can fail', () => {
    // An unconstrained net of (v, r) makes rings: some rays enter, leave and re-enter.
    let failures = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const coords = tf.input({ shape: [2] });
      const frame = new AffineNormalization({ name: 'frame' }).apply(coords) as tf.SymbolicTensor;
      const polar = new PolarCoordinates({ name: 'polar' }).apply(frame) as tf.SymbolicTensor;
      const h = new FastDense({ units: 16, activation: 'tanh', seed }).apply(polar) as tf.SymbolicTensor;
      const out = new FastDense({ units: 1, seed: seed + 50 }).apply(h) as tf.SymbolicTensor;
      const prior = new StarPrior(radialConfig, { model: tf.model({ inputs: coords, outputs: out }) });
      randomizeWeights(prior.model, seed, 3);
      if (!prior.certify({ seed }).passed) failures++;
      prior.dispose();
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('starts as a disc: G(v, 0) < 0 at the centre and G > 0 far away, for the star prior', () => {
    const prior = createPrior('star', { seed: 3 }) as StarPrior;
    const [cx, cy] = prior.centre();
    const scores = evaluateScores(prior, Float32Array.from([cx, cy, 5, 5]), 2);
    expect(scores[0]).toBeLessThan(0);
    expect(scores[1]).toBeGreaterThan(0);
    prior.dispose();
  });

  it('restores an occluded, speckled starfish far better than thresholding or a convex prior', async () => {
    const scene = occludedStar({ height: 160, width: 160, seed: 1 });
    const thresholded = iou(thresholdMap(scene.unaries), scene.truth);
    const results: Record<string, number> = {};
    for (const kind of ['star', 'radial', 'convex'] as const) {
      const prior = createPrior(kind, { seed: 0 });
      const fit = await fitPrior(prior, scene.unaries, { seed: 0 });
      results[kind] = iou(evaluateMask(prior, 160, 160), scene.truth);
      expect(fit.certificate.passed).toBe(true);
      prior.dispose();
    }
    expect(thresholded).toBeLessThan(0.75);
    expect(results['star']!).toBeGreaterThanOrEqual(thresholded + 0.05);
    expect(results['star']!).toBeGreaterThan(0.9);
    expect(results['radial']!).toBeGreaterThanOrEqual(thresholded + 0.05);
    // A starfish is not convex: the right prior must beat the wrong one.
    expect(results['star']!).toBeGreaterThan(results['convex']! + 0.1);
  });

  it('on a held-out benchmark map (lobed blob, occluders, clutter): beats thresholding, no spikes', async () => {
    const map = polarMap('star', 1);
    const prior = createPrior('star', { seed: 0 });
    const fit = await fitPrior(prior, map.unaries, { seed: 0 });
    const mask = evaluateMask(prior, map.size, map.size);
    expect(fit.certificate.passed).toBe(true);
    expect(iou(mask, map.truth)).toBeGreaterThanOrEqual(iou(thresholdMap(map.unaries), map.truth) + 0.1);
    // Spikes along rays (towards clutter or empty background) would multiply the perimeter.
    expect(maskPerimeter(mask, map.size, map.size) / maskPerimeter(map.truth, map.size, map.size)).toBeLessThanOrEqual(1.3);
    prior.dispose();
  });

  it('round-trips through savePrior / loadPrior with identical scores', async () => {
    for (const kind of ['star', 'radial'] as const) {
      const prior = createPrior(kind, { seed: 6 });
      randomizeWeights(prior.model, 6, 0.5);
      await expectPriorRoundTrip(prior);
      prior.dispose();
    }
  });
});
