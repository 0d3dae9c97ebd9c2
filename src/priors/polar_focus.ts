/**
 * The one object a polar prior describes, and the map it is fitted to. A star, radial,
 * mirror or rotation prior is one object about one centre: foreground elsewhere in the
 * map (clutter, other objects) is no part of it, but eq. 9 would still pull the shape
 * towards it: arms reaching out to every clutter blob. So the fit sees the map with
 * the foreground far from the object read as background.
 */
import { connectedComponents } from '../analysis/components.js';
import { boxBlur, smoothedMap } from '../analysis/moment_frame.js';
import { probabilityMap, type ProbabilityMap } from '../probability_map.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';

/** Gaps narrower than this fraction of the longer side are closed (occluding bars). */
const CLOSE_FRACTION = 0.04;
/** Regions at least this fraction of the largest one belong to the object (pieces cut apart by an occluder). */
const KEEP_FRACTION = 0.25;

/**
 * The object, 1 = object pixel: the box-blurred map >= 0.5, closed over gaps of
 * CLOSE_FRACTION of the longer side, its largest 4-connected region and every region
 * at least KEEP_FRACTION as large.
 */
export function objectMask(map: ProbabilityMap): Uint8Array {
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
  for (const region of regions) {
    if (region.length < KEEP_FRACTION * regions[0]!.length) break;
    for (const i of region) kept[i] = 1;
  }
  return kept;
}

function closeRadius(map: ProbabilityMap): number {
  return Math.max(1, Math.round(CLOSE_FRACTION * Math.max(map.height, map.width)));
}

/**
 * The map a polar prior is fitted to: unchanged within twice the closing radius of
 * the object (objectMask), 0 (background) farther out. A map without foreground, and
 * a stack of slices (3-D data), are returned as they are.
 */
export function focusOnObject(data: LikelihoodData): LikelihoodData {
  if (isSliceStack(data)) return data;
  const kept = objectMask(data);
  if (!kept.includes(1)) return data;
  const near = boxBlur(Float32Array.from(kept), data.height, data.width, 2 * closeRadius(data));
  const focused = data.data.map((v, i) => (near[i]! > 0 ? v : 0));
  return probabilityMap(data.height, data.width, focused);
}
