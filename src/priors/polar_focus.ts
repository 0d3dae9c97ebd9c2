/**
 * The one object a polar prior describes, and the map it is fitted to. A star, radial,
 * mirror or rotation prior is one object about one centre: foreground elsewhere in the
 * map (clutter, other objects) is no part of it, but eq. 9 would still pull the shape
 * towards it: arms reaching out to every clutter blob (and mirror / rotation sets,
 * which need not be connected, copies of it about the centre). So the fit sees the map
 * with the foreground far from the object, and the other foreground regions near it,
 * read as background, its levels calibrated on the object (polar_levels.ts).
 */
import { connectedComponents } from '../analysis/components.js';
import { boxBlur, smoothedMap } from '../analysis/moment_frame.js';
import { probabilityMap, type ProbabilityMap } from '../probability_map.js';
import { calibrateLevels } from './polar_levels.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';

/** Gaps narrower than this fraction of the longer side are closed (occluding bars). */
const CLOSE_FRACTION = 0.04;
/**
 * Which other regions join the largest one. An object cut apart by occluders or hidden
 * noise falls into pieces a bar's width apart; clutter lies anywhere, and after the cuts
 * a clutter blob may be as large as the object's largest piece. So a region joins when it
 * is near (a gap of at most NEAR_FRACTION of the longer side to the object so far: wider
 * than the occluding bars) and not a speck (MIN_FRACTION of the largest), or when it is
 * large wherever it lies (FAR_FRACTION: the object's other half beyond a wide gap).
 */
const NEAR_FRACTION = 0.06;
const MIN_FRACTION = 0.05;
const FAR_FRACTION = 0.5;

/** The object (1 = object pixel) and the map's other foreground (clutter, other objects) that is no part of it. */
export interface ObjectRegions {
  object: Uint8Array;
  /** Foreground regions that did not join the object (1 = such a pixel). */
  other: Uint8Array;
}

/**
 * The object: the box-blurred map >= 0.5, closed over gaps of CLOSE_FRACTION of the
 * longer side, its largest 4-connected region and the regions that join it (near and
 * not specks, or large: see NEAR_FRACTION).
 */
export function objectRegions(map: ProbabilityMap): ObjectRegions {
  const { height, width } = map;
  const smooth = smoothedMap(map);
  const fg = new Float32Array(smooth.length);
  for (let i = 0; i < fg.length; i++) fg[i] = smooth[i]! >= 0.5 ? 1 : 0;
  // Closing by a blur: a gap of width w < radius is over half covered by its sides.
  const closed = boxBlur(fg, height, width, closeRadius(map));
  const mask = new Uint8Array(fg.length);
  for (let i = 0; i < mask.length; i++) mask[i] = fg[i]! > 0 || closed[i]! >= 0.5 ? 1 : 0;
  const regions = connectedComponents(mask, height, width, 4);
  const kept = new Uint8Array(mask.length);
  if (regions.length === 0) return { object: kept, other: mask };
  const largest = regions[0]!.length;
  const near = Math.max(1, Math.round(NEAR_FRACTION * Math.max(height, width)));
  let pending = regions.slice(1).filter((r) => r.length >= MIN_FRACTION * largest);
  for (const i of regions[0]!) kept[i] = 1;
  // Join regions until none is left that is near the object grown so far (or large).
  for (let joined = true; joined && pending.length > 0;) {
    joined = false;
    const distance = chessboardDistance(kept, height, width, near);
    const rest: Int32Array[] = [];
    for (const region of pending) {
      if (region.length >= FAR_FRACTION * largest || region.some((i) => distance[i]! <= near)) {
        for (const i of region) kept[i] = 1;
        joined = true;
      } else {
        rest.push(region);
      }
    }
    pending = rest;
  }
  const other = Uint8Array.from(mask, (m, i) => (m === 1 && kept[i] === 0 ? 1 : 0));
  return { object: kept, other };
}

/** The object alone (see objectRegions). */
export function objectMask(map: ProbabilityMap): Uint8Array {
  return objectRegions(map).object;
}

/** Chessboard distance (in pixels) of every pixel to the nearest set pixel of `mask`, up to `limit` (farther: limit + 1); a breadth-first search. */
function chessboardDistance(mask: Uint8Array, height: number, width: number, limit: number): Uint16Array {
  const distance = new Uint16Array(mask.length).fill(limit + 1);
  let front: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 1) {
      distance[i] = 0;
      front.push(i);
    }
  }
  for (let d = 1; d <= limit && front.length > 0; d++) {
    const next: number[] = [];
    for (const i of front) {
      const r = Math.floor(i / width);
      const c = i - r * width;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
          const j = rr * width + cc;
          if (distance[j]! > d) {
            distance[j] = d;
            next.push(j);
          }
        }
      }
    }
    front = next;
  }
  return distance;
}

/** See focusOnObject: the object found on the calibrated map may be at most this many times the first. */
const MAX_GROWTH = 2;

const count = (mask: Uint8Array) => mask.reduce((n, v) => n + v, 0);

function closeRadius(map: ProbabilityMap): number {
  return Math.max(1, Math.round(CLOSE_FRACTION * Math.max(map.height, map.width)));
}

/**
 * The map a polar prior is fitted to: its levels calibrated on the object (see
 * calibrateLevels: the object and background levels' midpoint becomes 0.5), then
 * unchanged within twice the closing radius of the object (objectRegions of the
 * calibrated map), 0 (background) farther out and on other foreground regions. A map without foreground, and a stack
 * of slices (3-D data), are returned as they are.
 */
export function focusOnObject(data: LikelihoodData): LikelihoodData {
  if (isSliceStack(data)) return data;
  const first = objectRegions(data);
  if (!first.object.includes(1)) return data;
  const map = calibrateLevels(data, first.object);
  // The remapped map may show dimmed parts of the object; if the object it shows is more
  // than MAX_GROWTH times as large, the remapping is reading background as object.
  const again = map === data ? first : objectRegions(map);
  const { object, other } = count(again.object) <= MAX_GROWTH * count(first.object) ? again : first;
  if (!object.includes(1)) return data;
  const near = boxBlur(Float32Array.from(object), map.height, map.width, 2 * closeRadius(map));
  // Other foreground near the object (a clutter blob next to it) is background too, or
  // mirror and rotation priors, whose sets need not be connected, copy it about the centre.
  const focused = map.data.map((v, i) => (near[i]! > 0 && other[i] === 0 ? v : 0));
  return probabilityMap(map.height, map.width, focused);
}
