import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FastDense, PeriodicSines } from '../layers/index.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { PeriodicPrior } from '../src/priors/periodic_prior.js';
import { resolvePriorConfig, type PeriodicPriorConfig } from '../src/priors/prior_config.js';
import { thresholdMap } from '../src/probability_map.js';
import { perforatedSheet } from '../src/synthetic.js';
import { expectPriorRoundTrip, randomizeWeights } from './helpers.js';

const config = (over: Partial<PeriodicPriorConfig> = {}) => resolvePriorConfig({ kind: 'periodic', ...over }) as PeriodicPriorConfig;
const only = (m: Uint8Array, sel: Uint8Array) => m.filter((_, i) => sel[i]);

describe('periodic prior (eq. 8 on a learnable lattice)', () => {
  it('repeats after each lattice period for random parameters', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const prior = new PeriodicPrior(config({ harmonics: 3 }));
      randomizeWeights(prior.model, seed, 1, (name) => (name.includes('basis') ? 12 : 1));
      const c = prior.certify({ seed, samples: 5000 });
      expect(c.checked).toBe(10000);
      expect(c.violations).toBe(0);
      prior.dispose();
    }
  });

  it('catches a score that does not repeat, so the certificate can fail', () => {
    const coords = tf.input({ shape: [2] });
    const sines = new PeriodicSines({ name: 'sines' }).apply(coords) as tf.SymbolicTensor;
    const drift = new FastDense({ units: 1, seed: 3 }).apply(coords) as tf.SymbolicTensor;
    const prior = new PeriodicPrior(config(), { model: tf.model({ inputs: coords, outputs: tf.layers.add().apply([sines, drift]) as tf.SymbolicTensor }) });
    const c = prior.certify({ samples: 2000 });
    expect(c.passed).toBe(false);
    expect(c.violations).toBeGreaterThan(1000);
    prior.dispose();
  });

  it('carries the hole pattern of a perforated sheet into a covered patch', async () => {
    const scene = perforatedSheet({ height: 160, width: 160, seed: 2 });
    const prior = createPrior('periodic');
    const fit = await fitPrior(prior, scene.unaries, { seed: 0 });
    const mask = evaluateMask(prior, 160, 160);
    const thresholded = thresholdMap(scene.unaries);
    expect(fit.certificate.passed).toBe(true);
    expect(iou(mask, scene.truth)).toBeGreaterThanOrEqual(iou(thresholded, scene.truth) + 0.05);
    // Under the patch the map says nothing; only the prior knows where the holes are.
    expect(iou(only(thresholded, scene.covered), only(scene.truth, scene.covered))).toBeLessThan(0.6);
    expect(iou(only(mask, scene.covered), only(scene.truth, scene.covered))).toBeGreaterThan(0.85);
    prior.dispose();
  });

  it('shrinks the amplitudes under the L1 sparsity penalty', async () => {
    const scene = perforatedSheet({ height: 96, width: 96, seed: 3 });
    const l1 = async (sparsity: number) => {
      const prior = createPrior({ kind: 'periodic', harmonics: 3, sparsity });
      await fitPrior(prior, scene.unaries, { seed: 0, maxSteps: 200, tolerance: 0 });
      const sum = tf.tidy(() => tf.sum(tf.abs((prior.model.getLayer('sines') as PeriodicSines).amplitudeWeights())).dataSync()[0]!);
      prior.dispose();
      return sum;
    };
    expect(await l1(0.02)).toBeLessThan(0.7 * (await l1(0)));
  });

  it('round-trips through savePrior / loadPrior with identical scores', async () => {
    const prior = createPrior('periodic') as PeriodicPrior;
    prior.initializeFromData(perforatedSheet({ height: 64, width: 64 }).unaries, 1);
    await expectPriorRoundTrip(prior);
    prior.dispose();
  });
});
