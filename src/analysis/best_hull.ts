import type { ProbabilityMap } from '../probability_map.js';
import { connectedComponents } from './components.js';
import { convexHull, regionHull, RowSums, type Polygon } from './convex_hull.js';
import { aboveLocalLevel } from './local_level.js';
import { boxBlur, smoothingRadius } from './moment_frame.js';

/**
 * The hull reads the map blurred by the fit's smoothing radius, but at most this many
 * pixels: enough to silence speckle, and large maps keep their corners (a radius of 16
 * at 1024 px cut a triangle's corners by 1% of its area).
 */
const HULL_SMOOTHING_MAX = 4;

/** At most this many foreground regions (largest first) are candidates; smaller ones are specks. */
const MAX_REGIONS = 12;

/**
 * Hulls of the map's objects, chosen by eq. 9 read on a 0/1 mask: covering a pixel
 * of blurred likelihood g changes the squared error by (1 - g)^2 - g^2 = 1 - 2g, so a
 * mask gains 2g - 1 at each pixel it covers, foreground pixels weighted by the square
 * root of the fit's class balance (with the full balance a small object's foreground
 * is so dear that a hull bridges to every clutter blob; without any, a bar that cuts
 * a thin part off the object is not bridged). The candidates are the regions above the
 * local edge level (aboveLocalLevel), largest first.
 */
function candidates(map: ProbabilityMap): { groups: Array<{ hull: Polygon; score: number }>; score: (hull: Polygon) => number } | null {
  const { height, width } = map;
  const smooth = boxBlur(map.data, height, width, Math.min(smoothingRadius(height, width), HULL_SMOOTHING_MAX));
  let fgCount = 0;
  for (const g of smooth) if (g >= 0.5) fgCount++;
  if (fgCount === 0) return null;
  const n = smooth.length;
  const foregroundWeight = Math.sqrt(Math.max(1, (n - fgCount) / fgCount));
  const sums = new RowSums(smooth.map((g) => (g >= 0.5 ? foregroundWeight : 1) * (2 * g - 1)), height, width);
  const local = aboveLocalLevel(smooth, height, width);
  const mask = Uint8Array.from(local, (v) => (v >= 0 ? 1 : 0));
  const groups = connectedComponents(mask, height, width, 8).slice(0, MAX_REGIONS).map((pixels) => {
    const hull = regionHull(pixels, local, 0, height, width);
    return { hull, score: sums.sumInside(hull) };
  });
  return { groups, score: (hull) => sums.sumInside(hull) };
}

/**
 * The one object of a map as a convex hull (see candidates for the score), greedily:
 * the best candidate's hull, then the candidate whose addition gains most, while any
 * gains. So an occluding bar that cuts the object in two is bridged (both halves
 * gain), and a clutter blob far from the object is left out (the background between
 * them costs more than the blob brings). Null when the map has no foreground.
 */
export function bestHull(map: ProbabilityMap): Polygon | null {
  const found = candidates(map);
  if (!found || found.groups.length === 0) return null;
  const { groups, score } = found;
  let at = 0;
  groups.forEach((g, i) => {
    if (g.score > groups[at]!.score) at = i;
  });
  let { hull, score: best } = groups[at]!;
  const unused = new Set(groups.keys());
  unused.delete(at);
  for (;;) {
    let pick = -1;
    let pickHull = hull;
    for (const i of unused) {
      const joined = convexHull([...hull, ...groups[i]!.hull]);
      const s = score(joined);
      if (s > best) {
        best = s;
        pick = i;
        pickHull = joined;
      }
    }
    if (pick < 0) return hull;
    hull = pickHull;
    unused.delete(pick);
  }
}
