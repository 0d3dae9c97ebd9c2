/**
 * The polar priors' closed-form start on one map: the best radial shape (see
 * analysis/radial_shape.ts) over a search of centres (and, for mirror, axes), which
 * the prior's net is then fitted to by a short regression (PolarPrior.startFromShape).
 * The search starts where polar_start.ts reads the object (star: the most visible
 * point; rotation: the centre of best k-fold overlap and the most visible point;
 * mirror: the ranked axes) and moves the centre over a grid about each start, keeping
 * the shape with the highest objective: where a shape is star-shaped from matters as
 * much as its radius. A mirror shape is searched about each of the map's
 * best candidate axes (one closed-form search each, where a gradient fit per axis
 * would cost a fit each).
 */
import { frameToPixel } from '../coordinates.js';
import type { ProbabilityMap } from '../probability_map.js';
import { JUMP_COST_PER_SMOOTHNESS, radialGainMap, radialShape, type RadialShape, type Symmetry } from '../analysis/radial_shape.js';
import { mirrorAxes, objectGrid, rotationCentre, starCentre } from './polar_start.js';

export type PolarStartKind = { kind: 'star' } | { kind: 'mirror'; axes: number } | { kind: 'rotation'; folds: number };

/** Grid of centre offsets tried about each start: (2 GRID + 1)^2 centres, GRID_REACH of the object's radius each way. */
const GRID = 3;
const GRID_REACH = 0.3;

/** The best radial shape of `map` for the kind (pixels) at the prior's `smoothness`; null when the map shows no object. */
export function polarShapeStart(map: ProbabilityMap, start: PolarStartKind, smoothness: number): RadialShape | null {
  const { height, width } = map;
  const jump = smoothness * JUMP_COST_PER_SMOOTHNESS;
  const gains = radialGainMap(map);
  let area = 0;
  for (const g of gains) if (g > 0) area++;
  if (area < 4) return null;
  const reach = GRID_REACH * Math.sqrt(area / Math.PI);
  // A start's frame point (x, y) becomes pixel (cx, cy) = (column, row).
  const search = ([fx, fy]: [number, number], symmetry: Symmetry, along: [number, number] = [1, 0]): RadialShape => {
    const [cy, cx] = frameToPixel(fx, fy, height, width);
    // Mirror: the centre moves along the axis and across it (the axis moves with it).
    const [ax, ay] = along;
    let best: RadialShape | null = null;
    for (let i = -GRID; i <= GRID; i++) {
      for (let j = -GRID; j <= GRID; j++) {
        const x = cx + (reach * (i * ax - j * ay)) / GRID;
        const y = cy + (reach * (i * ay + j * ax)) / GRID;
        if (x < 0 || y < 0 || x > width - 1 || y > height - 1) continue;
        const shape = radialShape(gains, height, width, x, y, symmetry, jump);
        if (!best || shape.score > best.score) best = shape;
      }
    }
    return best ?? radialShape(gains, height, width, cx, cy, symmetry, jump);
  };
  if (start.kind === 'star') {
    const c = starCentre(map);
    return c ? search(c, { kind: 'none' }) : null;
  }
  if (start.kind === 'rotation') {
    // About the centre of best k-fold overlap and about the most visible point (as star): a clutter disc
    // touching one arm pulls the overlap's centre off the object's; the closed-form objective decides.
    const symmetry: Symmetry = { kind: 'rotation', folds: start.folds };
    const grid = objectGrid(map);
    const shapes = [rotationCentre(map, start.folds, grid), starCentre(map, grid)].flatMap((c) => (c ? [search(c, symmetry)] : []));
    return shapes.reduce<RadialShape | null>((best, s) => (!best || s.score > best.score ? s : best), null);
  }
  // Mirror: the map's `axes` best candidate axes, each with its own centre search; the highest objective wins.
  let best: RadialShape | null = null;
  for (const axis of mirrorAxes(map, start.axes)) {
    const shape = search(axis.centre, { kind: 'mirror', angle: axis.angle }, [Math.cos(axis.angle), Math.sin(axis.angle)]);
    if (!best || shape.score > best.score) best = shape;
  }
  return best;
}
