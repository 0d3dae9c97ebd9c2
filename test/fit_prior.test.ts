import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { ConvexPrior } from '../src/priors/convex_prior.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import type { ImplicitPrior } from '../src/priors/implicit_prior.js';
import { thresholdMap } from '../src/probability_map.js';
import { occludedEllipse } from '../src/synthetic.js';

const SIZE = 160;

describe('fitPrior with the convex prior (eq. 9)', () => {
  it('restores an occluded ellipse from corrupted unaries far better than thresholding', async () => {
    for (const seed of [0, 1]) {
      const scene = occludedEllipse({ height: SIZE, width: SIZE, seed });
      const prior = createPrior('convex', { seed });
      const stats = await fitPrior(prior, scene.unaries, { seed });
      const mask = evaluateMask(prior, SIZE, SIZE);
      const fitted = iou(mask, scene.truth);
      const thresholded = iou(thresholdMap(scene.unaries), scene.truth);
      expect(thresholded).toBeLessThan(0.8);
      expect(fitted).toBeGreaterThanOrEqual(0.9);
      // The hull start is the fit: converged, no step cap reached.
      expect(stats.converged).toBe(true);
      expect(stats.steps).toBeLessThan(1000);
      expect(Number.isFinite(stats.finalLoss)).toBe(true);
      const { certificate } = stats;
      expect(stats.prior).toBe(prior);
      expect(certificate.passed).toBe(true);
      expect(certificate.checked).toBeGreaterThan(1000);
      prior.dispose();
    }
  });

  it('is deterministic for a given seed', async () => {
    const scene = occludedEllipse({ height: 64, width: 64, seed: 2 });
    const masks = [];
    for (let run = 0; run < 2; run++) {
      const prior = createPrior('convex', { seed: 9 });
      await fitPrior(prior, scene.unaries, { seed: 9, maxSteps: 40, tolerance: 0 });
      masks.push(evaluateMask(prior, 64, 64));
      prior.dispose();
    }
    expect(Buffer.from(masks[0]!).equals(Buffer.from(masks[1]!))).toBe(true);
  });

  it('leaks no tensor across 50 fit steps', async () => {
    const scene = occludedEllipse({ height: 64, width: 64, seed: 4 });
    const prior = createPrior('convex', { seed: 4 }) as ConvexPrior;
    // The moment start, so that the fits take optimiser steps (a hull start is the fit itself).
    prior.initializeFromMoments(scene.unaries, 4);
    await fitPrior(prior, scene.unaries, { maxSteps: 5, tolerance: 0, initialize: false });
    const before = tf.memory().numTensors;
    const stats = await fitPrior(prior, scene.unaries, { maxSteps: 50, tolerance: 0, initialize: false });
    expect(stats.steps).toBe(50);
    evaluateMask(prior, 64, 64);
    prior.certify();
    expect(tf.memory().numTensors).toBe(before);
    prior.dispose();
  });

  it('super-samples: a mask at twice the resolution is the same shape', async () => {
    const scene = occludedEllipse({ height: 80, width: 80, seed: 5 });
    const prior = createPrior('convex', { seed: 5 });
    await fitPrior(prior, scene.unaries, { maxSteps: 150 });
    const coarse = evaluateMask(prior, 80, 80);
    const fine = evaluateMask(prior, 160, 160);
    // Majority of each 2x2 block of the fine mask, compared with the coarse mask.
    const pooled = coarse.map((_, i) => {
      const r = Math.floor(i / 80);
      const c = i % 80;
      const sum = fine[2 * r * 160 + 2 * c]! + fine[2 * r * 160 + 2 * c + 1]! + fine[(2 * r + 1) * 160 + 2 * c]! + fine[(2 * r + 1) * 160 + 2 * c + 1]!;
      return sum >= 2 ? 1 : 0;
    });
    expect(iou(pooled, coarse)).toBeGreaterThan(0.97);
    const area = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);
    expect(area(fine) / area(coarse)).toBeCloseTo(4, 0);
    prior.dispose();
  });

  it("retries a fit that ends far from the data, unless its start was fitted to the map's own outline", async () => {
    const scene = occludedEllipse({ height: 48, width: 48, seed: 1 });
    // A prior whose set stays empty (score +10 everywhere): its agreement with the map is 0, below the retry's 0.5.
    const emptyPrior = (startedFromShape: boolean): ImplicitPrior => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: 10 }) })] });
      return {
        kind: 'convex', config: { kind: 'convex' }, model, startedFromShape,
        score: (points: tf.Tensor2D) => model.apply(points) as tf.Tensor2D,
        initializeFromData: () => model.setWeights([tf.zeros([2, 1]), tf.fill([1], 10)]),
        applyConstraints: () => {},
        certify: () => ({ property: 'none', checked: 1, violations: 0, passed: true }),
        dispose: () => model.dispose(),
      } as unknown as ImplicitPrior;
    };
    for (const startedFromShape of [false, true]) {
      const prior = emptyPrior(startedFromShape);
      const fit = await fitPrior(prior, scene.unaries, { maxSteps: 3, tolerance: 0 });
      expect(fit.retried).toBe(!startedFromShape);
      prior.dispose();
    }
  });

  it('rejects invalid options by name', async () => {
    const scene = occludedEllipse({ height: 16, width: 16 });
    const prior = createPrior('convex');
    await expect(fitPrior(prior, scene.unaries, { pointsPerStep: 0 })).rejects.toThrow(/pointsPerStep/);
    await expect(fitPrior(prior, scene.unaries, { learningRate: -1 })).rejects.toThrow(/learningRate/);
    await expect(fitPrior(prior, scene.unaries, { foregroundWeight: 0, backgroundWeight: 0 })).rejects.toThrow(/foregroundWeight/);
    prior.dispose();
  });
});

describe('ConvexPrior.certify', () => {
  it('reports violations when the set is not convex (the certificate can fail)', () => {
    const prior = createPrior('convex', { seed: 1 }) as ConvexPrior;
    prior.initializeFromData!(occludedEllipse({ height: 48, width: 48 }).unaries);
    // Negating the output turns the cone into a concave function: {F <= 0} becomes the
    // outside of an ellipse, which is not convex.
    // Assigned to the variables directly: setWeights would apply the NonNeg constraint.
    for (const w of prior.model.getLayer('icnn_out').weights) {
      const v = w.read() as tf.Variable;
      v.assign(tf.neg(v));
    }
    const certificate = prior.certify({ seed: 3 });
    expect(certificate.passed).toBe(false);
    expect(certificate.violations).toBeGreaterThan(100);
    prior.dispose();
  });
});
