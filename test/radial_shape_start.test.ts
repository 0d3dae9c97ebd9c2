import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { geometricBaseline, maskPerimeter } from '../bench/geometric_baseline.js';
import { polarMap } from '../bench/polar_maps.js';
import * as tf from '@tensorflow/tfjs';
import { radialGainMap, radialShape, radialShapeMask, windowExtreme } from '../src/analysis/radial_shape.js';
import { solveChain, solveRing } from '../src/analysis/ray_radius.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { polarShapeStart } from '../src/priors/polar_shape_start.js';
import { focusOnObject } from '../src/priors/polar_focus.js';
import { probabilityMap, thresholdMap, type ProbabilityMap } from '../src/probability_map.js';

/** Every assignment of radii to a chain (or ring) of `nodes` nodes: the exact optimum by brute force. */
function bruteForce(nodes: number, samples: number, gain: (n: number, j: number) => number, jump: number, ring: boolean): number {
  let best = -Infinity;
  const r = new Array<number>(nodes).fill(0);
  const visit = (n: number) => {
    if (n === nodes) {
      let s = 0;
      for (let k = 0; k < nodes; k++) s += gain(k, r[k]!);
      for (let k = 0; k + 1 < nodes; k++) s -= jump * (r[k]! - r[k + 1]!) ** 2;
      if (ring) s -= jump * (r[nodes - 1]! - r[0]!) ** 2;
      best = Math.max(best, s);
      return;
    }
    for (let j = 0; j <= samples; j++) {
      r[n] = j;
      visit(n + 1);
    }
  };
  visit(0);
  return best;
}

/** A clean map of a five-lobed star about (cx, cy): 0.9 inside, 0.1 outside. */
function lobedMap(size: number, cx: number, cy: number): { map: ProbabilityMap; truth: Uint8Array } {
  const truth = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = Math.atan2(y - cy, x - cx);
      truth[y * size + x] = Math.hypot(x - cx, y - cy) <= 0.25 * size * (1 + 0.35 * Math.cos(5 * a)) ? 1 : 0;
    }
  }
  return { map: probabilityMap(size, size, Float32Array.from(truth, (t) => (t ? 0.9 : 0.1))), truth };
}

describe('closed-form radial shapes (the polar priors on one map)', () => {
  it('solve chains exactly, and rings as well as brute force on small cases', () => {
    const rng = seedrandom('chains');
    for (let trial = 0; trial < 20; trial++) {
      const nodes = 2 + Math.floor(rng() * 4);
      const samples = 1 + Math.floor(rng() * 4);
      const table = Array.from({ length: nodes }, () => Array.from({ length: samples + 1 }, () => 10 * (rng() - 0.5)));
      const gain = (n: number, j: number) => table[n]![j]!;
      const jump = trial % 5 === 0 ? 0 : 3 * rng();
      expect(solveChain(nodes, samples, gain, jump).score).toBeCloseTo(bruteForce(nodes, samples, gain, jump, false), 9);
      // The ring's three-lap unrolling is a heuristic: it must reach the optimum on these small rings.
      expect(solveRing(nodes, samples, gain, jump).score).toBeCloseTo(bruteForce(nodes, samples, gain, jump, true), 6);
    }
  });

  it('close the map with window extremes equal to a loop over each window, for any radius', () => {
    const rng = seedrandom('windows');
    for (const [height, width, r] of [[7, 5, 0], [7, 5, 1], [9, 12, 3], [6, 4, 10]] as const) {
      const values = Float32Array.from({ length: height * width }, () => rng());
      for (const pick of [Math.max, Math.min]) {
        const fast = windowExtreme(values, height, width, r, pick);
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            let v = values[y * width + x]!;
            for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) {
              for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) v = pick(v, values[yy * width + xx]!);
            }
            expect(fast[y * width + x]).toBe(v);
          }
        }
      }
    }
  });

  it('recover a clean lobed star; the mirror and k-fold shapes are symmetric', () => {
    const { map, truth } = lobedMap(96, 47, 50);
    const gains = radialGainMap(map);
    const star = radialShape(gains, 96, 96, 47, 50, { kind: 'none' }, 1);
    expect(iou(radialShapeMask(star, 96, 96), truth)).toBeGreaterThan(0.95);
    const rotation = radialShape(gains, 96, 96, 47, 50, { kind: 'rotation', folds: 5 }, 1);
    expect(iou(radialShapeMask(rotation, 96, 96), truth)).toBeGreaterThan(0.95);
    const n = rotation.radius.length;
    for (let k = 0; k < n; k++) expect(rotation.radius[k]).toBe(rotation.radius[(k + n / 5) % n]);
    // A lobe points along angle 0: that line is a mirror axis.
    const mirror = radialShape(gains, 96, 96, 47, 50, { kind: 'mirror', angle: 0 }, 1);
    expect(iou(radialShapeMask(mirror, 96, 96), truth)).toBeGreaterThan(0.95);
    const m = mirror.radius.length;
    for (let k = 1; k < m; k++) expect(mirror.radius[k]).toBe(mirror.radius[m - k]);
    // The wrong centre scores lower: the start's centre search compares scores.
    expect(radialShape(gains, 96, 96, 30, 40, { kind: 'none' }, 1).score).toBeLessThan(star.score);
  });

  it('fit a held-out benchmark map with no optimiser step: the net holds the shape, the guarantee holds, better than the geometric baseline', async () => {
    for (const [kind, family, index] of [['star', 'star', 3], ['rotation', 'rotation', 5], ['mirror', 'mirror', 3]] as const) {
      const m = polarMap(family, index);
      const prior = createPrior(kind === 'rotation' ? { kind, folds: m.folds! } : kind, { seed: 0 });
      const started = performance.now();
      const fit = await fitPrior(prior, m.unaries, { seed: 0 });
      const seconds = (performance.now() - started) / 1000;
      expect(fit.steps).toBe(0);
      expect(fit.converged).toBe(true);
      expect(fit.certificate.passed).toBe(true);
      const mask = evaluateMask(prior, m.size, m.size);
      const start = kind === 'star' ? { kind } : kind === 'rotation' ? { kind, folds: m.folds! } : { kind, axes: 2 };
      const shape = polarShapeStart(focusOnObject(m.unaries) as ProbabilityMap, start, 1e-4)!;
      // The regression puts the closed-form shape into the net almost pixel for pixel.
      expect(iou(mask, radialShapeMask(shape, m.size, m.size))).toBeGreaterThan(0.96);
      expect(iou(mask, m.truth)).toBeGreaterThan(iou(geometricBaseline(m.unaries, kind, m.folds), m.truth));
      expect(iou(mask, m.truth)).toBeGreaterThan(iou(thresholdMap(m.unaries), m.truth) + 0.1);
      expect(maskPerimeter(mask, m.size, m.size) / maskPerimeter(m.truth, m.size, m.size)).toBeLessThanOrEqual(1.3);
      expect(seconds).toBeLessThan(20);
      prior.dispose();
    }
    // The start's regression and search leave no tensor behind.
    const m = polarMap('star', 5);
    const before = tf.memory().numTensors;
    const prior = createPrior('star', { seed: 0 });
    await fitPrior(prior, m.unaries, { seed: 0 });
    prior.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rotation starts also about the most visible point: a blob beside the object no longer moves the k-fold centre off it', () => {
    // Tuning map 8: three arms, a clutter disc touching one; the centre of best 3-fold overlap leans towards the disc.
    const m = polarMap('rotation', 8);
    const data = focusOnObject(m.unaries) as ProbabilityMap;
    const shape = polarShapeStart(data, { kind: 'rotation', folds: m.folds! }, 1e-4)!;
    // Measured: the start 0.790 (0.343 from the overlap's centre alone; the fits 0.785 and 0.345); thresholding 0.508.
    expect(iou(radialShapeMask(shape, m.size, m.size), m.truth)).toBeGreaterThan(iou(thresholdMap(m.unaries), m.truth) + 0.15);
  });

  it('smoothness is the jump cost: without it a spike reaches a clutter blob, with the default it does not', () => {
    // Tuning map 4: a leaf cut by a bar, a clutter blob near its tip.
    const m = polarMap('star', 4);
    const data = focusOnObject(m.unaries) as ProbabilityMap;
    const perimeter = (smoothness: number) => {
      const shape = polarShapeStart(data, { kind: 'star' }, smoothness)!;
      return maskPerimeter(radialShapeMask(shape, m.size, m.size), m.size, m.size) / maskPerimeter(m.truth, m.size, m.size);
    };
    expect(perimeter(0)).toBeGreaterThan(1.3);
    expect(perimeter(1e-4)).toBeLessThanOrEqual(1.3);
  });
});
