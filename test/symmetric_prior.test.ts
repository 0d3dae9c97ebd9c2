import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AffineNormalization, AngularHarmonics, FastDense, MirrorHarmonics, PolarCoordinates } from '../layers/index.js';
import { fitBestFolds } from '../src/fit/fit_folds.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { resolvePriorConfig, type MirrorPriorConfig, type RotationPriorConfig } from '../src/priors/prior_config.js';
import { SymmetricPrior } from '../src/priors/symmetric_prior.js';
import { thresholdMap } from '../src/probability_map.js';
import { occludedStar } from '../src/synthetic.js';
import { maskPerimeter } from '../bench/geometric_baseline.js';
import { polarMap } from '../bench/polar_maps.js';
import { fitWithSettings } from '../src/fit/fit_with_settings.js';
import { expectPriorRoundTrip, randomizeWeights } from './helpers.js';

const mirror = resolvePriorConfig('mirror') as MirrorPriorConfig;
const rotation = (folds: number) => resolvePriorConfig({ kind: 'rotation', folds }) as RotationPriorConfig;

/**
 * Has the layers a mirror certificate reads (a centre, an axis) but also sees the
 * plain direction through k = 1 harmonics, so its score is not symmetric.
 */
function asymmetricNet(): tf.LayersModel {
  const coords = tf.input({ shape: [2] });
  const x = new AffineNormalization({ name: 'frame' }).apply(coords) as tf.SymbolicTensor;
  const polar = new PolarCoordinates({ name: 'polar' }).apply(x) as tf.SymbolicTensor;
  const even = new MirrorHarmonics({ name: 'symmetry', appendRadius: true }).apply(polar) as tf.SymbolicTensor;
  const any = new AngularHarmonics({ folds: 1 }).apply(polar) as tf.SymbolicTensor;
  const h = new FastDense({ units: 16, activation: 'tanh', seed: 1 }).apply(tf.layers.concatenate().apply([even, any]) as tf.SymbolicTensor) as tf.SymbolicTensor;
  return tf.model({ inputs: coords, outputs: new FastDense({ units: 1, seed: 2 }).apply(h) as tf.SymbolicTensor });
}

describe('mirror and rotation symmetric priors', () => {
  it('have symmetric scores for random parameters (centre, axis angle, net)', () => {
    for (let seed = 1; seed <= 3; seed++) {
      for (const config of [mirror, rotation(2), rotation(5)]) {
        const prior = new SymmetricPrior(config, { seed });
        randomizeWeights(prior.model, seed, 0.8);
        const c = prior.certify({ seed, samples: 5000 });
        expect(c.checked).toBe(5000);
        expect(c.violations).toBe(0);
        prior.dispose();
      }
    }
  });

  it('catch a score that is not symmetric, so the certificate can fail', () => {
    for (const config of [mirror, rotation(3)]) {
      const prior = new SymmetricPrior(config, { model: asymmetricNet() });
      randomizeWeights(prior.model, 2, 0.8);
      const c = prior.certify({ samples: 5000 });
      expect(c.passed).toBe(false);
      expect(c.violations).toBeGreaterThan(500);
      prior.dispose();
    }
  });

  it('recover an occluded starfish (5 mirror axes, 5-fold) far better than thresholding', async () => {
    const scene = occludedStar({ height: 128, width: 128, seed: 0 });
    const thresholded = iou(thresholdMap(scene.unaries), scene.truth);
    for (const config of [mirror, rotation(5)]) {
      const prior = createPrior(config, { seed: 0 });
      const fit = await fitPrior(prior, scene.unaries, { seed: 0 });
      expect(fit.certificate.passed).toBe(true);
      expect(iou(evaluateMask(prior, 128, 128), scene.truth)).toBeGreaterThanOrEqual(thresholded + 0.05);
      prior.dispose();
    }
  });

  it('find k = 5 for the starfish with --folds auto', async () => {
    const scene = occludedStar({ height: 96, width: 96, seed: 1 });
    const best = await fitBestFolds(scene.unaries, {}, { seed: 0, candidates: [3, 4, 5, 6] });
    expect(best.prior.config.kind === 'rotation' && best.prior.config.folds).toBe(5);
    expect(Object.keys(best.lossByFolds).map(Number)).toEqual([3, 4, 5, 6]);
    expect(best.lossByFolds[5]!).toBeLessThan(Math.min(best.lossByFolds[3]!, best.lossByFolds[4]!, best.lossByFolds[6]!));
    best.prior.dispose();
  });

  it('find the axis of a held-out benchmark arrow (along the shaft, not across it): beat thresholding, no spikes', async () => {
    const map = polarMap('mirror', 1);
    const fit = await fitWithSettings({ prior: 'mirror', steps: 1000, sampling: 'cells', seed: 0 }, map.unaries, 2);
    const mask = evaluateMask(fit.prior, map.size, map.size);
    expect(fit.certificate.passed).toBe(true);
    expect(iou(mask, map.truth)).toBeGreaterThanOrEqual(iou(thresholdMap(map.unaries), map.truth) + 0.1);
    expect(maskPerimeter(mask, map.size, map.size) / maskPerimeter(map.truth, map.size, map.size)).toBeLessThanOrEqual(1.3);
    fit.prior.dispose();
  });

  it('round-trip through savePrior / loadPrior with identical scores', async () => {
    for (const config of [mirror, rotation(4)]) {
      const prior = createPrior(config, { seed: 3 });
      randomizeWeights(prior.model, 3, 0.5);
      await expectPriorRoundTrip(prior);
      prior.dispose();
    }
  });
});
