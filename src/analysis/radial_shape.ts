/**
 * A polar prior's shape in closed form: the star-shaped set about a given centre that
 * best fits the map under eq. 9 read on a 0/1 mask, with a cost on jumps of the radius
 * between neighbouring rays (see ray_radius.ts), optionally mirror symmetric about a
 * given axis or k-fold symmetric about the centre. The polar priors start from it
 * (see polar_shape_start.ts); the benchmark's geometric baseline takes the farthest
 * pixel per ray instead, which an attached clutter blob or a spike of noise moves.
 */
import type { ProbabilityMap } from '../probability_map.js';
import { aboveLocalLevel } from './local_level.js';
import { boxBlur, smoothingRadius } from './moment_frame.js';
import { rayGains, solveChain, solveRing } from './ray_radius.js';

export interface RadialShape {
  /** Centre in pixels (x = column, y = row). */
  cx: number;
  cy: number;
  /** Radius in pixels along rays at angles offset + 2 pi k / rays (x right, y down). */
  radius: Float64Array;
  offset: number;
  /** The chain's objective: the gain of the set less the jump costs (comparable between centres and axes of one map). */
  score: number;
}

export type Symmetry = { kind: 'none' } | { kind: 'mirror'; angle: number } | { kind: 'rotation'; folds: number };

/**
 * Jump cost per squared radius step (half pixels) between neighbouring rays, in units of
 * the gains (pixels^2 of area over the ray's angle), per unit of the polar priors'
 * `smoothness` (default 1e-4: a cost of 1): the same at every image size, since gains
 * and squared jumps both grow with the square of the size. Chosen on the polar
 * benchmark's tuning maps (npm run bench -- --polar; README, "The polar priors").
 */
export const JUMP_COST_PER_SMOOTHNESS = 1e4;
/** Rays around the centre (a multiple of the folds for k-fold shapes). */
const RAYS = 256;
/**
 * Blur of the map before it is read, at most this many pixels: speckle out, thin arms
 * kept. Measured on the polar benchmark's tuning half (closed-form shapes): star 0.780 /
 * 0.872 / 0.861 / 0.846 with no blur / 1 / 2 / 4 px (the convex hull's 4 px thins arm
 * tips below the edge level).
 */
const SMOOTHING_MAX = 1;

/** Dark gaps up to about twice this fraction of the longer side are closed before the rays read the map (occluding bars). */
const CLOSE_FRACTION = 0.03;

/**
 * The map as the rays read it: blurred, closed (a grey-level closing: the max over a
 * square window, then the min: an occluding bar across the object is bridged, the
 * object's outline kept), minus its local edge level (see aboveLocalLevel).
 */
export function radialGainMap(map: ProbabilityMap): Float32Array {
  const { height, width } = map;
  const smooth = boxBlur(map.data, height, width, Math.min(smoothingRadius(height, width), SMOOTHING_MAX));
  const r = Math.round(CLOSE_FRACTION * Math.max(height, width));
  const closed = r > 0 ? windowExtreme(windowExtreme(smooth, height, width, r, Math.max), height, width, r, Math.min) : smooth;
  return aboveLocalLevel(closed, height, width);
}

/** Max (or min) over the (2r + 1)^2 window about each pixel, clipped at the border: along rows, then along columns. */
export function windowExtreme(values: Float32Array, height: number, width: number, r: number, pick: (a: number, b: number) => number): Float32Array {
  return extremeAlong(extremeAlong(values, height, width, 1, width, r, pick), width, height, width, 1, r, pick);
}

/**
 * Along each of `lines` lines (starting lineStride apart, `length` values `stride`
 * apart), the extreme over +-r neighbours, in O(length) whatever r (van Herk /
 * Gil-Werman: running extremes within blocks of 2r + 1, forwards and backwards, and the
 * window is one block's tail joined to the next block's head). A map of 4096 px closes
 * over 120 px: a loop over the window would take minutes.
 */
function extremeAlong(values: Float32Array, lines: number, length: number, stride: number, lineStride: number, r: number, pick: (a: number, b: number) => number): Float32Array {
  const out = new Float32Array(values.length);
  const w = 2 * r + 1;
  const m = length + 2 * r;
  // The line padded by r neutral values either side (beyond the border nothing counts).
  const neutral = pick(-Infinity, Infinity) === Infinity ? -Infinity : Infinity;
  const padded = new Float64Array(m);
  const head = new Float64Array(m);
  const tail = new Float64Array(m);
  for (let l = 0; l < lines; l++) {
    const base = l * lineStride;
    padded.fill(neutral);
    for (let k = 0; k < length; k++) padded[r + k] = values[base + k * stride]!;
    for (let j = 0; j < m; j++) head[j] = j % w === 0 ? padded[j]! : pick(head[j - 1]!, padded[j]!);
    for (let j = m - 1; j >= 0; j--) tail[j] = j === m - 1 || (j + 1) % w === 0 ? padded[j]! : pick(tail[j + 1]!, padded[j]!);
    for (let k = 0; k < length; k++) out[base + k * stride] = pick(tail[k]!, head[k + 2 * r]!);
  }
  return out;
}

/**
 * The best radial shape about (cx, cy) (pixels) under `symmetry` on `gainMap`
 * (radialGainMap of the map), with cost `jump` per squared radius step between
 * neighbouring rays. Mirror: the axis through the centre at `angle` (radians, x
 * right, y down).
 */
export function radialShape(gainMap: Float32Array, height: number, width: number, cx: number, cy: number, symmetry: Symmetry, jump: number): RadialShape {
  const folds = symmetry.kind === 'rotation' ? symmetry.folds : symmetry.kind === 'mirror' ? 2 : 1;
  const rays = folds * Math.ceil(RAYS / folds);
  const offset = symmetry.kind === 'mirror' ? symmetry.angle : 0;
  const g = rayGains(gainMap, height, width, cx, cy, rays, offset);
  const R = g.samples + 1;
  const at = (ray: number, j: number) => g.cumulative[ray * R + j]!;
  const radius = new Float64Array(rays);
  let score: number;
  if (symmetry.kind === 'mirror') {
    // Ray 0 lies on the axis; ray k mirrors ray rays - k. Nodes 0..rays/2 form an open chain.
    const half = rays / 2;
    const s = solveChain(half + 1, g.samples, (n, j) => at(n, j) + (n === 0 || n === half ? at(n, j) : at(rays - n, j)), jump);
    for (let n = 0; n <= half; n++) radius[n] = radius[(rays - n) % rays] = s.radius[n]! * g.step;
    score = s.score;
  } else {
    const period = rays / folds;
    const s = solveRing(period, g.samples, (n, j) => {
      let sum = 0;
      for (let f = 0; f < folds; f++) sum += at(n + f * period, j);
      return sum;
    }, jump);
    for (let k = 0; k < rays; k++) radius[k] = s.radius[k % period]! * g.step;
    score = s.score;
  }
  return { cx, cy, radius, offset, score };
}

/** The shape's mask on the pixel grid (for measuring it): pixel centres within the radius of their angle, linearly interpolated between rays. */
export function radialShapeMask(shape: RadialShape, height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - shape.cx;
      const dy = y - shape.cy;
      mask[y * width + x] = Math.hypot(dx, dy) <= radiusAt(shape, Math.atan2(dy, dx)) ? 1 : 0;
    }
  }
  return mask;
}

/** The radius at any angle: linear between the two nearest rays. */
export function radiusAt(shape: RadialShape, angle: number): number {
  const n = shape.radius.length;
  const u = ((((angle - shape.offset) / (2 * Math.PI)) * n) % n + n) % n;
  const k = Math.floor(u);
  const t = u - k;
  return (1 - t) * shape.radius[k % n]! + t * shape.radius[(k + 1) % n]!;
}
