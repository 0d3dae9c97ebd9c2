/**
 * The map's own decision level. A detector's map need not put its foreground / background
 * boundary at 0.5: with the object at 0.6 and the background at 0.1, the object's
 * edge lies at 0.35, and wherever noise or haze dims the object to 0.45 eq. 9 reads
 * it as background (the object half gone, below thresholding). The polar priors fit a
 * map remapped so that the midpoint of its object and background levels becomes 0.5.
 */
import { probabilityMap, type ProbabilityMap } from '../probability_map.js';

/** The midpoint is kept within these bounds: a map without contrast keeps its levels. */
const MID_RANGE = [0.25, 0.75] as const;

/** The median of `values` where `where` is 1 (NaN when nowhere). */
function median(values: Float32Array, where: (i: number) => boolean): number {
  const picked: number[] = [];
  for (let i = 0; i < values.length; i++) if (where(i)) picked.push(values[i]!);
  if (picked.length === 0) return NaN;
  picked.sort((a, b) => a - b);
  return picked[Math.floor(picked.length / 2)]!;
}

/**
 * The map remapped piecewise linearly, 0 -> 0, mid -> 0.5, 1 -> 1, where mid is halfway
 * between the median of the map on the object (`object` = 1) and its median on the rest
 * (clamped to MID_RANGE). Monotone: what ranks as more object-like stays so.
 */
export function calibrateLevels(map: ProbabilityMap, object: Uint8Array): ProbabilityMap {
  const fg = median(map.data, (i) => object[i] === 1);
  const bg = median(map.data, (i) => object[i] !== 1);
  if (Number.isNaN(fg) || Number.isNaN(bg) || fg <= bg) return map;
  const mid = Math.min(MID_RANGE[1], Math.max(MID_RANGE[0], (fg + bg) / 2));
  const data = map.data.map((p) => (p < mid ? (0.5 * p) / mid : 0.5 + (0.5 * (p - mid)) / (1 - mid)));
  return probabilityMap(map.height, map.width, data);
}
