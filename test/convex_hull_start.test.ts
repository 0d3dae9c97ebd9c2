import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { bestHull } from '../src/analysis/best_hull.js';
import { convexHull, rasterizePolygon, type Polygon } from '../src/analysis/convex_hull.js';
import { boxBlur } from '../src/analysis/moment_frame.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { iou } from '../src/metrics.js';
import { ConvexPrior } from '../src/priors/convex_prior.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { probabilityMap } from '../src/probability_map.js';
import { convexMap } from '../bench/convex_maps.js';

/** A map of value `inside` on the polygon, `outside` elsewhere, box-blurred (a detector's soft edge). */
function polygonMap(polys: Polygon[], size: number, inside = 0.9, outside = 0.08) {
  const masks = polys.map((p) => rasterizePolygon(p, size, size));
  const raw = Float32Array.from({ length: size * size }, (_, i) => (masks.some((m) => m[i]) ? inside : outside));
  return probabilityMap(size, size, boxBlur(raw, size, size, 2));
}

const box = (x0: number, y0: number, x1: number, y1: number): Polygon => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];

describe('the convex prior\'s hull start (the fit in closed form)', () => {
  it('boxBlur with running sums equals the window mean', () => {
    const rng = seedrandom('blur');
    const [h, w] = [23, 31];
    const data = Float32Array.from({ length: h * w }, () => rng());
    for (const r of [1, 4, 40]) {
      const fast = boxBlur(data, h, w, r);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let sum = 0;
          let n = 0;
          for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++, n++) sum += data[yy * w + xx]!;
          expect(fast[y * w + x]).toBeCloseTo(sum / n, 5);
        }
      }
    }
  });

  it('bestHull bridges a bar that cuts the object and leaves a far clutter blob out', () => {
    const size = 128;
    // An object of two halves (a bar of background between them) and a blob far away.
    const halves = [box(-0.5, -0.4, 0.5, -0.05), box(-0.5, 0.05, 0.5, 0.4)];
    const blob = box(0.75, 0.75, 0.85, 0.85);
    const map = polygonMap([...halves, blob], size);
    const hull = bestHull(map)!;
    const truth = rasterizePolygon(box(-0.5, -0.4, 0.5, 0.4), size, size);
    expect(iou(rasterizePolygon(hull, size, size), truth)).toBeGreaterThan(0.97);
    const blobMask = rasterizePolygon(blob, size, size);
    const hullMask = rasterizePolygon(hull, size, size);
    expect(blobMask.some((v, i) => v === 1 && hullMask[i] === 1)).toBe(false);
    expect(bestHull(probabilityMap(8, 8, new Float32Array(64).fill(0.1)))).toBeNull();
  });

  it('sets the net to a polygon: its mask is the polygon\'s raster, and the set is convex', () => {
    const rng = seedrandom('polygons');
    const size = 128;
    for (let k = 0; k < 4; k++) {
      // A random convex polygon (triangles included), anywhere in the frame.
      const [cx, cy, r] = [0.4 * (rng() - 0.5), 0.4 * (rng() - 0.5), 0.35 + 0.3 * rng()];
      const corners = 3 + k * 3;
      const poly = convexHull(Array.from({ length: corners }, (_, j): [number, number] => {
        const t = (2 * Math.PI * (j + 0.6 * rng())) / corners;
        const s = r * (0.6 + 0.4 * rng());
        return [cx + s * Math.cos(t), cy + 0.7 * s * Math.sin(t)];
      }));
      const map = polygonMap([poly], size);
      const prior = createPrior('convex', { seed: k }) as ConvexPrior;
      prior.initializeFromData(map, k);
      expect(prior.fittedByStart).toBe(true);
      const start = evaluateMask(prior, size, size);
      expect(iou(start, rasterizePolygon(bestHull(map)!, size, size)), `polygon ${k}`).toBeGreaterThan(0.99);
      // The blur rounds the polygon's corners, which the hull then cuts.
      expect(iou(start, rasterizePolygon(poly, size, size)), `polygon ${k}`).toBeGreaterThan(0.93);
      expect(prior.certify({ height: size, width: size }).passed).toBe(true);
      prior.dispose();
    }
  });

  it('fits cluttered maps in 0 steps at least as well as 300-600 Adam steps from the moment ellipse', async () => {
    // Held-out maps of the speed benchmark (odd index), 128 px.
    for (const index of [1, 5]) {
      const map = convexMap(index, 128, 'cluttered');
      const fast = createPrior('convex', { seed: 0 });
      const stats = await fitPrior(fast, map.unaries, { seed: 0 });
      expect(stats.steps).toBe(0);
      expect(stats.converged).toBe(true);
      expect(stats.certificate.passed).toBe(true);
      const slow = createPrior('convex', { seed: 0 }) as ConvexPrior;
      slow.initializeFromMoments(map.unaries, 0);
      const slowStats = await fitPrior(slow, map.unaries, { seed: 0, initialize: false });
      expect(slowStats.steps).toBeGreaterThan(100);
      const fastIou = iou(evaluateMask(fast, 128, 128), map.truth);
      const slowIou = iou(evaluateMask(slow, 128, 128), map.truth);
      expect(fastIou, map.name).toBeGreaterThan(slowIou - 0.01);
      expect(fastIou, map.name).toBeGreaterThan(0.85);
      fast.dispose();
      slow.dispose();
    }
  }, 120_000);
});
