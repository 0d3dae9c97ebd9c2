import type { ProbabilityMap } from '../probability_map.js';
import { foregroundMoments } from '../analysis/moment_frame.js';
import type { PointBatch } from './point_sampler.js';
import { ConfigError } from '../errors.js';

/**
 * Eq. 9 integrated over cells instead of pixels: a midpoint quadrature whose
 * gradient has no sampling noise.
 *
 * The image is cut into cells: fine ones over a region of interest (the moment
 * ellipse of the map's foreground, widened to 3 standard deviations), coarse ones
 * (4x wider) elsewhere, where the shape's boundary will not be. A cell is split by
 * pixel weight (the foreground and background classes of the class balance) into at
 * most two parts. Within a part the weight w is constant, so with p the prior's
 * probability at the part's centroid its pixels contribute
 *   sum_x w (p - g(x))^2 = w n (p - mean(g))^2 + const:
 * one point per part carries it exactly up to p's variation, and averaging the pixels
 * removes their noise. Measured, against the exact pixel objective and a 3000-step
 * full-grid fit: one weighted mean per cell moved the boundary outward (IoU 0.94-0.97);
 * one plain mean with the cell's total weight mis-weighs cells that straddle the
 * classes when their weights differ 20x (a small object: the tomato demo lost a part);
 * split parts reach 0.99 on ellipses and the lower exact objective on the tomato.
 * Centroids beat random points inside the cells, which add noise at the boundary.
 *
 * Why not random pixels: Adam divides its step by sqrt(E[g^2]), so gradient noise
 * (speckle in the map) both slows its progress and makes the shape jitter; at equal
 * time random pixels reached IoU 0.95-0.97 where a fixed 3000-step full-grid fit
 * reaches 0.99. Cells reach 0.98-0.99 in a few hundred steps.
 */
export class CellQuadrature {
  readonly count: number;
  /** Frame coordinates of each cell's centre, its mean likelihood and its loss weight. */
  readonly batch: PointBatch;

  /**
   * @param fineCells fine cells across the longer side of the region of interest
   * @param pixelWeights loss weight of every pixel (class balance)
   * @param third a third coordinate (a slice's time, or a depth per pixel): the points
   *   become (x, y, z), z the part's mean
   */
  constructor(map: ProbabilityMap, pixelWeights: Float32Array, fineCells: number, third?: number | Float32Array) {
    const { height, width } = map;
    const roi = regionOfInterest(map);
    const fine = Math.max(1, Math.ceil(Math.max(roi.r1 - roi.r0, roi.c1 - roi.c0) / fineCells));
    const coarse = 4 * fine;
    const rects: Array<[number, number, number, number]> = [];
    for (let r = 0; r < height; r += coarse) {
      for (let c = 0; c < width; c += coarse) {
        const r1 = Math.min(height, r + coarse);
        const c1 = Math.min(width, c + coarse);
        const overlaps = r < roi.r1 && r1 > roi.r0 && c < roi.c1 && c1 > roi.c0;
        if (!overlaps) {
          rects.push([r, c, r1, c1]);
          continue;
        }
        for (let fr = r; fr < r1; fr += fine) for (let fc = c; fc < c1; fc += fine) rects.push([fr, fc, Math.min(r1, fr + fine), Math.min(c1, fc + fine)]);
      }
    }
    const px: number[] = [];
    const py: number[] = [];
    const tg: number[] = [];
    const wt: number[] = [];
    const s = 2 / Math.max(height, width);
    let totalWeight = 0;
    // Per cell, one part per distinct pixel weight (at most two: foreground and
    // background class): sums of weight, likelihood and pixel position.
    const part = () => ({ weight: NaN, n: 0, g: 0, x: 0, y: 0, z: 0 });
    const pz: number[] = [];
    const zAt = (i: number) => (third === undefined ? 0 : typeof third === 'number' ? third : third[i]!);
    for (const [r0, c0, r1, c1] of rects) {
      const parts = [part(), part()];
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const i = r * width + c;
          const w = pixelWeights[i]!;
          const k = parts[0]!.n === 0 || parts[0]!.weight === w ? 0 : 1;
          const q = parts[k]!;
          q.weight = w;
          q.n++;
          q.g += map.data[i]!;
          q.x += c + 0.5;
          q.y += r + 0.5;
          q.z += zAt(i);
        }
      }
      for (const q of parts) {
        if (q.n === 0) continue;
        // Centroid of the part's pixel centres, in frame coordinates (see coordinates.ts).
        px.push((q.x / q.n - width / 2) * s);
        py.push((q.y / q.n - height / 2) * s);
        pz.push(q.z / q.n);
        tg.push(q.g / q.n);
        wt.push(q.weight * q.n);
        totalWeight += q.weight * q.n;
      }
    }
    this.count = tg.length;
    const dim = third === undefined ? 2 : 3;
    const points = new Float32Array(dim * this.count);
    for (let k = 0; k < this.count; k++) {
      points[dim * k] = px[k]!;
      points[dim * k + 1] = py[k]!;
      if (dim === 3) points[dim * k + 2] = pz[k]!;
    }
    const targets = Float32Array.from(tg);
    const weights = Float32Array.from(wt);
    if (totalWeight <= 0) throw new ConfigError('every pixel has loss weight 0');
    // Normalised so that the batch mean equals the full-grid mean of w (p - g)^2.
    const pixels = height * width;
    for (let k = 0; k < this.count; k++) weights[k] = (weights[k]! * this.count) / pixels;
    this.batch = { count: this.count, dim, points, targets, weights };
  }
}

/** Pixel rectangle [r0, r1) x [c0, c1): the foreground's moment ellipse widened to 3 standard deviations, or the whole image. */
function regionOfInterest(map: ProbabilityMap): { r0: number; r1: number; c0: number; c1: number } {
  const { height, width } = map;
  const m = foregroundMoments(map);
  if (!m) return { r0: 0, r1: height, c0: 0, c1: width };
  const pxPerUnit = Math.max(height, width) / 2;
  const cx = m.mean[0]! * pxPerUnit + width / 2;
  const cy = m.mean[1]! * pxPerUnit + height / 2;
  const hx = 3 * Math.sqrt(m.cov[0]![0]!) * pxPerUnit;
  const hy = 3 * Math.sqrt(m.cov[1]![1]!) * pxPerUnit;
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, Math.round(v)));
  const roi = { r0: clamp(cy - hy, height), r1: clamp(cy + hy, height), c0: clamp(cx - hx, width), c1: clamp(cx + hx, width) };
  return roi.r1 > roi.r0 && roi.c1 > roi.c0 ? roi : { r0: 0, r1: height, c0: 0, c1: width };
}
