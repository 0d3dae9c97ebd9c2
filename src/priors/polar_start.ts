/**
 * Where a polar prior starts: its centre (and a mirror prior's axis), read from the
 * shape of the map's foreground rather than from its moments alone. The centroid of a
 * lobed or bent object may lie outside it or behind a lobe (no star about it), and
 * the moments say nothing of a mirror axis; a wrong start is a local minimum the fit
 * rarely leaves (an arrow's axis across its shaft: a bow-tie).
 *
 * Everything is measured on the object: the box-blurred map >= 0.5, closed over gaps
 * of a few pixels (occluding bars), its largest region and every region at least a
 * quarter as large, sampled on a grid of at most 64 cells a side.
 */
import { pixelToFrame } from '../coordinates.js';
import { objectMask } from './polar_focus.js';
import type { ProbabilityMap } from '../probability_map.js';

/** The object on a coarse grid: cell values in [0, 1] (the fraction of object pixels), and where each cell lies in frame coordinates. */
export interface ObjectGrid {
  rows: number;
  cols: number;
  values: Float32Array;
  /** Frame coordinates of cell (r, c)'s centre: x0 + c * step, y0 + r * step. */
  x0: number;
  y0: number;
  step: number;
}

const MAX_CELLS = 64;

export function objectGrid(map: ProbabilityMap): ObjectGrid {
  const { height, width } = map;
  const kept = objectMask(map);
  const factor = Math.max(1, Math.ceil(Math.max(height, width) / MAX_CELLS));
  const rows = Math.ceil(height / factor);
  const cols = Math.ceil(width / factor);
  const values = new Float32Array(rows * cols);
  const counts = new Float32Array(rows * cols);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cell = Math.floor(y / factor) * cols + Math.floor(x / factor);
      values[cell]! += kept[y * width + x]!;
      counts[cell]! += 1;
    }
  }
  for (let i = 0; i < values.length; i++) values[i]! /= counts[i]!;
  const s = 2 / Math.max(height, width);
  // A cell covers pixels [c f, (c + 1) f): its centre in pixels is c f + f / 2 - 0.5 (cells at the border may be partial: close enough).
  const [x0, y0] = pixelToFrame((factor - 1) / 2, (factor - 1) / 2, height, width);
  return { rows, cols, values, x0, y0, step: factor * s };
}

/** Bilinear value of the grid at frame point (x, y); 0 outside. */
function sample(g: ObjectGrid, x: number, y: number): number {
  const fc = (x - g.x0) / g.step;
  const fr = (y - g.y0) / g.step;
  const c = Math.floor(fc);
  const r = Math.floor(fr);
  const tc = fc - c;
  const tr = fr - r;
  const at = (rr: number, cc: number) => (rr < 0 || cc < 0 || rr >= g.rows || cc >= g.cols ? 0 : g.values[rr * g.cols + cc]!);
  return (1 - tr) * ((1 - tc) * at(r, c) + tc * at(r, c + 1)) + tr * ((1 - tc) * at(r + 1, c) + tc * at(r + 1, c + 1));
}

const cellX = (g: ObjectGrid, i: number) => g.x0 + (i % g.cols) * g.step;
const cellY = (g: ObjectGrid, i: number) => g.y0 + Math.floor(i / g.cols) * g.step;

/** Mass-weighted centroid and mean-square radius of the object grid (null when empty). */
function centroid(g: ObjectGrid): { x: number; y: number; radius: number } | null {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < g.values.length; i++) {
    m += g.values[i]!;
    sx += g.values[i]! * cellX(g, i);
    sy += g.values[i]! * cellY(g, i);
  }
  if (m === 0) return null;
  const [x, y] = [sx / m, sy / m];
  let sr = 0;
  for (let i = 0; i < g.values.length; i++) sr += g.values[i]! * ((cellX(g, i) - x) ** 2 + (cellY(g, i) - y) ** 2);
  // A uniform disc of radius R has mean-square radius R^2 / 2.
  return { x, y, radius: Math.sqrt((2 * sr) / m) };
}

/** Distance of every object cell (value >= 0.5) to the nearest non-object cell or the border, in frame units. */
function depths(g: ObjectGrid): Float32Array {
  const out = new Float32Array(g.values.length);
  const outside: number[] = [];
  for (let i = 0; i < g.values.length; i++) if (g.values[i]! < 0.5) outside.push(i);
  for (let i = 0; i < g.values.length; i++) {
    if (g.values[i]! < 0.5) continue;
    const r = Math.floor(i / g.cols);
    const c = i % g.cols;
    let best = Math.min(r + 1, c + 1, g.rows - r, g.cols - c) ** 2;
    for (const j of outside) best = Math.min(best, (Math.floor(j / g.cols) - r) ** 2 + ((j % g.cols) - c) ** 2);
    out[i] = Math.sqrt(best) * g.step;
  }
  return out;
}

const RAYS = 180;

/** The fraction of the object's mass seen from (x, y): within the first exit from the object along its ray. */
function visibility(g: ObjectGrid, x: number, y: number): number {
  const reach = new Float32Array(RAYS);
  const limit = (g.rows + g.cols) * g.step;
  for (let k = 0; k < RAYS; k++) {
    const t = (2 * Math.PI * k) / RAYS;
    let r = 0;
    while (r < limit && sample(g, x + r * Math.cos(t), y + r * Math.sin(t)) >= 0.5) r += g.step / 2;
    reach[k] = r;
  }
  let seen = 0;
  let total = 0;
  for (let i = 0; i < g.values.length; i++) {
    const v = g.values[i]!;
    if (v === 0) continue;
    const dx = cellX(g, i) - x;
    const dy = cellY(g, i) - y;
    const k = ((Math.round((Math.atan2(dy, dx) / (2 * Math.PI)) * RAYS) % RAYS) + RAYS) % RAYS;
    total += v;
    if (Math.hypot(dx, dy) <= reach[k]! + g.step) seen += v;
  }
  return total === 0 ? 0 : seen / total;
}

/**
 * Star / radial priors: among the centroid and the 24 deepest object cells (at least
 * half the greatest depth), the point from which most of the object is visible
 * (star-shaped about it); ties go to the deeper point. Frame coordinates; null when
 * the map has no foreground. `g`: the map's objectGrid, when the caller has it already.
 */
export function starCentre(map: ProbabilityMap, g: ObjectGrid = objectGrid(map)): [number, number] | null {
  const c = centroid(g);
  if (!c) return null;
  const depth = depths(g);
  const deepest = Math.max(...depth);
  const order = [...depth.keys()].filter((i) => depth[i]! >= 0.5 * deepest).sort((a, b) => depth[b]! - depth[a]!).slice(0, 24);
  const candidates = [{ x: c.x, y: c.y, depth: 0 }, ...order.map((i) => ({ x: cellX(g, i), y: cellY(g, i), depth: depth[i]! }))];
  let best = candidates[0]!;
  let bestScore = -1;
  for (const cand of candidates) {
    // Depth breaks near-ties: a point deep inside keeps its star under noise.
    const score = visibility(g, cand.x, cand.y) + (0.02 * cand.depth) / (deepest || 1);
    if (score > bestScore) {
      bestScore = score;
      best = cand;
    }
  }
  return [best.x, best.y];
}

/** Normalised overlap of the object with its image under `T`: sum m(x) m(Tx) / sum m(x)^2. */
function selfOverlap(g: ObjectGrid, T: (x: number, y: number) => [number, number]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < g.values.length; i++) {
    const v = g.values[i]!;
    if (v === 0) continue;
    const [tx, ty] = T(cellX(g, i), cellY(g, i));
    num += v * sample(g, tx, ty);
    den += v * v;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Rotation priors with k folds: the centre about which the object overlaps its k - 1
 * rotations by 2 pi j / k the most, searched on a grid about the centroid and the
 * deepest point (a quarter of the object's radius each way), then refined. The phase
 * needs no start: the prior's features cos / sin(m k theta) hold every phase. `g`: as for
 * starCentre.
 */
export function rotationCentre(map: ProbabilityMap, folds: number, g: ObjectGrid = objectGrid(map)): [number, number] | null {
  const c = centroid(g);
  if (!c) return null;
  const score = (x: number, y: number) => {
    let s = 0;
    for (let j = 1; j < folds; j++) {
      const [cs, sn] = [Math.cos((2 * Math.PI * j) / folds), Math.sin((2 * Math.PI * j) / folds)];
      s += selfOverlap(g, (px, py) => [x + cs * (px - x) - sn * (py - y), y + sn * (px - x) + cs * (py - y)]);
    }
    return s;
  };
  const depth = depths(g);
  const deep = depth.indexOf(Math.max(...depth));
  let best = { x: c.x, y: c.y, s: score(c.x, c.y) };
  const d = { x: cellX(g, deep), y: cellY(g, deep) };
  const sd = score(d.x, d.y);
  if (sd > best.s) best = { ...d, s: sd };
  for (const step of [c.radius / 16, c.radius / 64]) {
    const centre = { ...best };
    for (let i = -4; i <= 4; i++) {
      for (let j = -4; j <= 4; j++) {
        const x = centre.x + i * step;
        const y = centre.y + j * step;
        const s = score(x, y);
        if (s > best.s) best = { x, y, s };
      }
    }
  }
  return [best.x, best.y];
}

export interface MirrorAxis {
  /** A point of the axis (the deepest point of the object projected onto it), frame coordinates. */
  centre: [number, number];
  /** The axis direction (radians, frame coordinates: x right, y down). */
  angle: number;
  /** Overlap of the object with its reflection (1: symmetric). */
  score: number;
}

/**
 * Mirror priors: axes ranked by how well the object overlaps its reflection. Every
 * direction (2 degree steps) and offset (within 0.4 of the object's radius of the
 * centroid) is tried; the best of each direction, local maxima over the direction,
 * at least 20 degrees apart, best first, `count` of them.
 */
export function mirrorAxes(map: ProbabilityMap, count: number): MirrorAxis[] {
  const g = objectGrid(map);
  const c = centroid(g);
  if (!c) return [];
  const perDirection: Array<{ angle: number; offset: number; score: number }> = [];
  const directions = 90;
  for (let a = 0; a < directions; a++) {
    const angle = (Math.PI * a) / directions;
    const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
    // Reflection in the line through p0 with direction u: x -> 2 (p0 + ((x - p0).u) u) - x.
    let best = { angle, offset: 0, score: -1 };
    for (let k = -10; k <= 10; k++) {
      const offset = (0.4 * c.radius * k) / 10;
      const [px, py] = [c.x - uy * offset, c.y + ux * offset];
      const s = selfOverlap(g, (x, y) => {
        const t = (x - px) * ux + (y - py) * uy;
        return [2 * (px + t * ux) - x, 2 * (py + t * uy) - y];
      });
      if (s > best.score) best = { angle, offset, score: s };
    }
    perDirection.push(best);
  }
  const peaks = perDirection.filter((p, a) => p.score >= perDirection[(a + 1) % directions]!.score && p.score >= perDirection[(a + directions - 1) % directions]!.score);
  peaks.sort((p, q) => q.score - p.score);
  const chosen: typeof peaks = [];
  for (const p of peaks) {
    const apart = chosen.every((q) => {
      const d = Math.abs(p.angle - q.angle) % Math.PI;
      return Math.min(d, Math.PI - d) >= (20 * Math.PI) / 180;
    });
    if (apart) chosen.push(p);
    if (chosen.length === count) break;
  }
  const depth = depths(g);
  const deep = depth.indexOf(Math.max(...depth));
  const [dx, dy] = [cellX(g, deep), cellY(g, deep)];
  return chosen.map((p) => {
    const [ux, uy] = [Math.cos(p.angle), Math.sin(p.angle)];
    const [px, py] = [c.x - uy * p.offset, c.y + ux * p.offset];
    const t = (dx - px) * ux + (dy - py) * uy;
    return { centre: [px + t * ux, py + t * uy], angle: p.angle, score: p.score };
  });
}
