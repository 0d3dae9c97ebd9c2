/**
 * The polar benchmark's geometric post-processing baseline: no learning, a fraction of
 * a second per map, and every mask in the prior's class too.
 *
 * 1. Foreground = box-blurred map >= 0.5; keep its largest 4-connected region and every
 *    region at least a quarter as large.
 * 2. About their centroid, the radius of each of 360 angular bins is the farthest kept
 *    pixel in it (empty bins interpolated from their neighbours): the radial hull.
 * 3. star / radial: that radius; mirror: averaged with its reflection about the axis
 *    (through the centroid) that disagrees least with it, searched over 180 angles;
 *    rotation with k folds: averaged over the k rotations by 2 pi / k.
 * 4. The mask is {|x - c| <= radius(angle of x - c)}: star-shaped about c, and
 *    mirror / k-fold symmetric where asked.
 */
import { connectedComponents } from '../src/analysis/components.js';
import { smoothedMap } from '../src/analysis/moment_frame.js';
import type { ProbabilityMap } from '../src/probability_map.js';

const BINS = 360;

export type BaselineKind = 'star' | 'radial' | 'mirror' | 'rotation';

export function geometricBaseline(map: ProbabilityMap, kind: BaselineKind, folds = 2): Uint8Array {
  const { height, width } = map;
  const smooth = smoothedMap(map);
  const fg = new Uint8Array(smooth.length);
  for (let i = 0; i < fg.length; i++) fg[i] = smooth[i]! >= 0.5 ? 1 : 0;
  const regions = connectedComponents(fg, height, width, 4);
  if (regions.length === 0) return new Uint8Array(fg.length);
  const kept = regions.filter((r) => r.length >= 0.25 * regions[0]!.length);
  let cx = 0;
  let cy = 0;
  let n = 0;
  for (const region of kept) {
    for (const i of region) {
      cx += i % width;
      cy += Math.floor(i / width);
      n++;
    }
  }
  cx /= n;
  cy /= n;
  const radius = new Float64Array(BINS).fill(-1);
  const bin = (dx: number, dy: number) => ((Math.floor(((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI)) * BINS) % BINS) + BINS) % BINS;
  for (const region of kept) {
    for (const i of region) {
      const dx = (i % width) - cx;
      const dy = Math.floor(i / width) - cy;
      const b = bin(dx, dy);
      radius[b] = Math.max(radius[b]!, Math.hypot(dx, dy) + 0.5);
    }
  }
  fillEmptyBins(radius);
  let shaped: Float64Array = radius;
  if (kind === 'mirror') shaped = mirrored(radius);
  if (kind === 'rotation') {
    shaped = new Float64Array(BINS);
    for (let b = 0; b < BINS; b++) {
      let s = 0;
      for (let j = 0; j < folds; j++) s += radius[(b + Math.round((j * BINS) / folds)) % BINS]!;
      shaped[b] = s / folds;
    }
  }
  const mask = new Uint8Array(fg.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - cx;
      const dy = y - cy;
      mask[y * width + x] = Math.hypot(dx, dy) <= shaped[bin(dx, dy)]! ? 1 : 0;
    }
  }
  return mask;
}

/** Empty bins (-1) take the linear interpolation of the nearest filled bins either side (circularly). */
function fillEmptyBins(radius: Float64Array): void {
  const filled = [...radius.keys()].filter((b) => radius[b]! >= 0);
  if (filled.length === 0) return radius.fill(0) as unknown as void;
  for (let b = 0; b < BINS; b++) {
    if (radius[b]! >= 0) continue;
    let lo = b;
    while (radius[(lo + BINS) % BINS]! < 0) lo--;
    let hi = b;
    while (radius[hi % BINS]! < 0) hi++;
    const t = (b - lo) / (hi - lo);
    radius[b] = (1 - t) * radius[(lo + BINS) % BINS]! + t * radius[hi % BINS]!;
  }
}

/** The radius averaged with its reflection about the best of 180 axes (the axis at bin a maps bin b to 2a - b). */
function mirrored(radius: Float64Array): Float64Array {
  let best = 0;
  let bestCost = Infinity;
  // Axis angle a (in half-bins: the reflection of bin b is (2a - 1 - b) for a between bins).
  for (let a = 0; a < BINS; a++) {
    let cost = 0;
    for (let b = 0; b < BINS; b++) cost += Math.abs(radius[b]! - radius[(((a - 1 - b) % BINS) + BINS) % BINS]!);
    if (cost < bestCost) {
      bestCost = cost;
      best = a;
    }
  }
  const out = new Float64Array(BINS);
  for (let b = 0; b < BINS; b++) out[b] = (radius[b]! + radius[(((best - 1 - b) % BINS) + BINS) % BINS]!) / 2;
  return out;
}

/**
 * Perimeter of a binary mask: the number of pixel edges between a foreground pixel and
 * a background pixel (or the image border). Over-counts slanted boundaries (a circle
 * by 4/pi), equally for a mask and its true shape, so their ratio measures spikes and
 * ragged edges.
 */
export function maskPerimeter(mask: Uint8Array, height: number, width: number): number {
  let edges = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] !== 1) continue;
      if (x === 0 || mask[y * width + x - 1] !== 1) edges++;
      if (x === width - 1 || mask[y * width + x + 1] !== 1) edges++;
      if (y === 0 || mask[(y - 1) * width + x] !== 1) edges++;
      if (y === height - 1 || mask[(y + 1) * width + x] !== 1) edges++;
    }
  }
  return edges;
}
