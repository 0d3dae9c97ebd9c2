import type { ProbabilityMap } from '../probability_map.js';
import { connectedComponents } from './components.js';
import { smoothedMap } from './moment_frame.js';

/**
 * The object of a likelihood map as one simply connected region on a coarse grid:
 * the blurred map above its Otsu level (within [0.4, 0.6]: detectors' maps put the
 * object at 0.6-0.95 and the background anywhere up to 0.3, and a level below 0.4
 * lets a bright band of noise or glare join the object) at cells of `stride` x
 * `stride` pixels, closed (dilated, then eroded) so that thin occluding bars no
 * longer cut the object in pieces, its largest
 * 4-connected component, with every hole filled. This is the region the
 * path-connected prior's start unbends (see harmonicDisc), so it must be what a
 * path-connected set can be: one piece without holes.
 */
export interface ObjectRegion {
  /** 1 inside the region, row-major over height x width cells. */
  mask: Uint8Array;
  height: number;
  width: number;
  /** Pixels per cell side. */
  stride: number;
  /** Frame coordinates (see src/coordinates.ts) of each cell's centre, [cells, 2]. */
  centres: Float32Array;
  /** Cells in the region. */
  area: number;
}

/** Cells across the longer side: enough for the shape, cheap for the solves that follow. */
export const REGION_CELLS = 96;

export function objectRegion(map: ProbabilityMap, cellsAcross = REGION_CELLS): ObjectRegion {
  const stride = Math.max(1, Math.ceil(Math.max(map.height, map.width) / cellsAcross));
  const height = Math.ceil(map.height / stride);
  const width = Math.ceil(map.width / stride);
  const smooth = smoothedMap(map);
  const level = otsuLevel(smooth);
  const mask = new Uint8Array(height * width);
  const centres = new Float32Array(height * width * 2);
  const scale = 2 / Math.max(map.height, map.width);
  for (let r = 0; r < height; r++) {
    const r0 = r * stride;
    const r1 = Math.min(map.height, r0 + stride);
    for (let c = 0; c < width; c++) {
      const c0 = c * stride;
      const c1 = Math.min(map.width, c0 + stride);
      let sum = 0;
      for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) sum += smooth[y * map.width + x]!;
      const k = r * width + c;
      mask[k] = sum / ((r1 - r0) * (c1 - c0)) >= level ? 1 : 0;
      centres[2 * k] = ((c0 + c1) / 2 - map.width / 2) * scale;
      centres[2 * k + 1] = ((r0 + r1) / 2 - map.height / 2) * scale;
    }
  }
  // Occluding bars are a few percent of the image wide: a closing of that radius bridges them.
  const radius = Math.max(1, Math.round(0.03 * Math.max(height, width)));
  const closed = erode(dilate(mask, height, width, radius), height, width, radius);
  const region = bridgedComponents(closed, height, width, Math.max(2, Math.round(BRIDGE_GAP * Math.max(height, width))));
  fillHoles(region, height, width);
  let area = 0;
  for (const v of region) area += v;
  return { mask: region, height, width, stride, centres, area };
}

/** The region on the map's pixels: each cell's value at each of its stride x stride pixels (the last row and column of cells cover what is left). */
export function regionPixelMask(region: ObjectRegion, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const row = Math.min(region.height - 1, Math.floor(y / region.stride)) * region.width;
    for (let x = 0; x < width; x++) out[y * width + x] = region.mask[row + Math.min(region.width - 1, Math.floor(x / region.stride))]!;
  }
  return out;
}

/** The level that best separates the values into two classes (Otsu: the largest between-class variance), clamped to [0.4, 0.6]. */
function otsuLevel(values: Float32Array): number {
  const bins = 64;
  const hist = new Float64Array(bins);
  for (const v of values) hist[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]!++;
  let total = 0;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) { total += hist[b]!; sumAll += b * hist[b]!; }
  let best = 0.5;
  let bestVar = -1;
  let w0 = 0;
  let sum0 = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b]!;
    sum0 += b * hist[b]!;
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (sum0 / w0 - (sumAll - sum0) / w1) ** 2;
    if (between > bestVar) { bestVar = between; best = (b + 1) / bins; }
  }
  return Math.min(0.6, Math.max(0.4, best));
}

/**
 * Gaps up to this fraction of the longer side are bridged: occluding bars (two
 * crossing bars leave gaps of about a tenth), not the space between two objects.
 */
const BRIDGE_GAP = 0.11;
/** Components smaller than this fraction of the largest are not joined (speckle, small clutter). */
const BRIDGE_MIN_SHARE = 0.15;

/**
 * The largest component, joined by straight 3-cell-wide bridges to every component
 * of at least BRIDGE_MIN_SHARE of its size within `gap` cells: a bar wider than the
 * closing still cuts a C in pieces, and the prior's start must see the whole C.
 * Breadth-first search from the growing region through outside cells finds the
 * nearest such component and the path to it; repeated until none is in reach.
 */
function bridgedComponents(mask: Uint8Array, height: number, width: number, gap: number): Uint8Array {
  const components = connectedComponents(mask, height, width, 4);
  const region = new Uint8Array(mask.length);
  if (components.length === 0) return region;
  const label = new Int32Array(mask.length).fill(-1);
  components.forEach((comp, k) => {
    if (comp.length >= BRIDGE_MIN_SHARE * components[0]!.length) for (const i of comp) label[i] = k;
  });
  for (const i of components[0]!) region[i] = 1;
  for (;;) {
    const parent = new Int32Array(mask.length).fill(-2);
    let frontier: number[] = [];
    for (let i = 0; i < mask.length; i++) if (region[i] === 1) { parent[i] = -1; frontier.push(i); }
    let reached = -1;
    for (let d = 1; d <= gap && reached < 0 && frontier.length > 0; d++) {
      const next: number[] = [];
      for (const i of frontier) {
        const r = Math.floor(i / width);
        const c = i - r * width;
        for (const j of [c > 0 ? i - 1 : -1, c < width - 1 ? i + 1 : -1, r > 0 ? i - width : -1, r < height - 1 ? i + width : -1]) {
          if (j < 0 || parent[j] !== -2) continue;
          parent[j] = i;
          if (label[j]! >= 0) { reached = j; break; }
          next.push(j);
        }
        if (reached >= 0) break;
      }
      frontier = next;
    }
    if (reached < 0) return region;
    for (const i of components[label[reached]!]!) region[i] = 1;
    for (const k of components[label[reached]!]!) label[k] = -1;
    // The path back to the region, three cells wide.
    const path: number[] = [];
    for (let i = parent[reached]!; i >= 0 && region[i] !== 1; i = parent[i]!) path.push(i);
    for (const i of path) {
      const r = Math.floor(i / width);
      const c = i - r * width;
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr >= 0 && rr < height && cc >= 0 && cc < width) region[rr * width + cc] = 1;
      }
    }
  }
}

/** Max over a disc of `radius` cells (a square's corners left out). */
function dilate(mask: Uint8Array, height: number, width: number, radius: number): Uint8Array {
  return morph(mask, height, width, radius, 1);
}

/** Min over a disc of `radius` cells; cells beyond the border count as inside, so the border does not eat the object. */
function erode(mask: Uint8Array, height: number, width: number, radius: number): Uint8Array {
  return morph(mask, height, width, radius, 0);
}

function morph(mask: Uint8Array, height: number, width: number, radius: number, hit: 0 | 1): Uint8Array {
  const out = new Uint8Array(mask.length).fill(1 - hit);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      search: for (let dr = -radius; dr <= radius; dr++) {
        for (let dc = -radius; dc <= radius; dc++) {
          if (dr * dr + dc * dc > radius * radius) continue;
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
          if (mask[rr * width + cc] === hit) {
            out[r * width + c] = hit;
            break search;
          }
        }
      }
    }
  }
  return out;
}

/** Sets every cell not 4-connected to the grid's border through outside cells. */
function fillHoles(mask: Uint8Array, height: number, width: number): void {
  const outside = new Uint8Array(mask.length);
  const stack: number[] = [];
  const push = (i: number) => {
    if (mask[i] === 0 && outside[i] === 0) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let c = 0; c < width; c++) { push(c); push((height - 1) * width + c); }
  for (let r = 0; r < height; r++) { push(r * width); push(r * width + width - 1); }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const r = Math.floor(i / width);
    const c = i - r * width;
    if (c > 0) push(i - 1);
    if (c < width - 1) push(i + 1);
    if (r > 0) push(i - width);
    if (r < height - 1) push(i + width);
  }
  for (let i = 0; i < mask.length; i++) if (outside[i] === 0) mask[i] = 1;
}
