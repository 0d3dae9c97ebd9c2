import seedrandom from 'seedrandom';
import { gridCoordinates } from './coordinates.js';
import { probabilityMap, type ProbabilityMap } from './probability_map.js';

export interface SyntheticCase {
  /** Corrupted foreground likelihoods, as a detector would give them. */
  unaries: ProbabilityMap;
  /** The true (convex) object, 1 = foreground. */
  truth: Uint8Array;
}

export interface OccludedEllipseOptions {
  height?: number;
  width?: number;
  seed?: number;
  /** Fraction of pixels whose likelihood is replaced by a wrong, confident value. */
  speckle?: number;
}

/**
 * A convex object (a rotated ellipse) whose likelihood map is damaged the way a
 * detector's output is: a bar occludes a band across it (reads as background),
 * clutter blobs away from it read as foreground, and a fraction of pixels are
 * confidently wrong (speckle), with mild noise everywhere. Thresholding such a map
 * loses the occluded band and keeps clutter and speckle; a convex prior should
 * restore the band and drop the rest.
 */
export function occludedEllipse(options: OccludedEllipseOptions = {}): SyntheticCase {
  const rng = seedrandom(`ellipse-${options.seed ?? 0}`);
  const cx = 0.1 * (rng() - 0.5);
  const cy = 0.1 * (rng() - 0.5);
  const a = 0.6 + 0.1 * rng();
  const b = 0.38 + 0.08 * rng();
  const theta = Math.PI * (0.1 + 0.2 * rng());
  const inside = (x: number, y: number) => {
    const u = (x - cx) * Math.cos(theta) + (y - cy) * Math.sin(theta);
    const v = -(x - cx) * Math.sin(theta) + (y - cy) * Math.cos(theta);
    return (u / a) ** 2 + (v / b) ** 2 <= 1;
  };
  return corruptedScene(inside, { cx, cy, barAngle: theta + Math.PI / 2 + 0.3 * (rng() - 0.5) }, options, rng);
}

/**
 * Two convex objects (ellipses) side by side, damaged like occludedEllipse: one convex
 * prior cannot fit them, a union of two can.
 */
export function twoOccludedEllipses(options: OccludedEllipseOptions = {}): SyntheticCase {
  const rng = seedrandom(`two-${options.seed ?? 0}`);
  const ellipses = [-1, 1].map((side) => ({ cx: side * (0.45 + 0.05 * rng()), cy: 0.3 * (rng() - 0.5), a: 0.32 + 0.05 * rng(), b: 0.2 + 0.05 * rng(), t: Math.PI * rng() }));
  const inside = (x: number, y: number) => ellipses.some((e) => {
    const u = (x - e.cx) * Math.cos(e.t) + (y - e.cy) * Math.sin(e.t);
    const v = -(x - e.cx) * Math.sin(e.t) + (y - e.cy) * Math.cos(e.t);
    return (u / e.a) ** 2 + (v / e.b) ** 2 <= 1;
  });
  return corruptedScene(inside, { cx: ellipses[0]!.cx, cy: ellipses[0]!.cy, barAngle: Math.PI / 2 + 0.3 * (rng() - 0.5) }, options, rng);
}

/**
 * A star-shaped object (not convex): a five-armed starfish r(t) = r0 (1 + 0.35 cos(5 t + phase))
 * about a centre, damaged like occludedEllipse.
 */
export function occludedStar(options: OccludedEllipseOptions = {}): SyntheticCase {
  const rng = seedrandom(`star-${options.seed ?? 0}`);
  const cx = 0.1 * (rng() - 0.5);
  const cy = 0.1 * (rng() - 0.5);
  const r0 = 0.5 + 0.08 * rng();
  const phase = 2 * Math.PI * rng();
  const inside = (x: number, y: number) => {
    const dx = x - cx;
    const dy = y - cy;
    return Math.hypot(dx, dy) <= r0 * (1 + 0.35 * Math.cos(5 * Math.atan2(dy, dx) + phase));
  };
  return corruptedScene(inside, { cx, cy, barAngle: Math.PI * rng() }, options, rng);
}

/**
 * Renders `inside` and damages its likelihood map: a bar through the object's centre
 * reads as background, clutter blobs in the corners read as foreground, a fraction of
 * pixels are confidently wrong (speckle), and every pixel gets mild noise.
 */
function corruptedScene(inside: (x: number, y: number) => boolean, geometry: { cx: number; cy: number; barAngle: number }, options: OccludedEllipseOptions, rng: () => number): SyntheticCase {
  const height = options.height ?? 256;
  const width = options.width ?? 256;
  const speckle = options.speckle ?? 0.1;
  const barOffset = 0.15 * (rng() - 0.5);
  const barHalfWidth = 0.04;
  // Clutter sits in the corners, away from the object: a prior cannot (and should not) explain it.
  const blobs = [0, 1, 2].map((k) => ({ x: (k === 1 ? -1 : 1) * (0.82 + 0.08 * rng()), y: (k === 2 ? -1 : 1) * (0.82 + 0.08 * rng()), r: 0.06 + 0.04 * rng() }));
  const coords = gridCoordinates(height, width);
  const data = new Float32Array(height * width);
  const truth = new Uint8Array(height * width);
  for (let i = 0; i < data.length; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const isInside = inside(x, y);
    truth[i] = isInside ? 1 : 0;
    let p = isInside ? 0.9 : 0.05;
    const barDistance = Math.abs((x - geometry.cx) * Math.cos(geometry.barAngle) + (y - geometry.cy) * Math.sin(geometry.barAngle) - barOffset);
    if (barDistance < barHalfWidth) p = 0.08;
    for (const blob of blobs) if ((x - blob.x) ** 2 + (y - blob.y) ** 2 < blob.r ** 2) p = 0.85;
    if (rng() < speckle) p = p >= 0.5 ? 0.3 * rng() : 0.6 + 0.4 * rng();
    data[i] = Math.min(1, Math.max(0, p + 0.05 * (rng() - 0.5)));
  }
  return { unaries: probabilityMap(height, width, data), truth };
}

/**
 * A perforated sheet: a lattice of round holes (background) in metal (foreground),
 * slightly rotated, with a rectangular patch covered by something else whose
 * likelihood says nothing (0.5 +- noise) and speckle everywhere. A periodic prior
 * should carry the hole pattern into the covered patch. `truth` is the sheet
 * including under the patch; `covered` marks the patch.
 */
export function perforatedSheet(options: OccludedEllipseOptions = {}): SyntheticCase & { covered: Uint8Array } {
  const height = options.height ?? 256;
  const width = options.width ?? 256;
  const rng = seedrandom(`sheet-${options.seed ?? 0}`);
  const speckle = options.speckle ?? 0.1;
  const period = 0.22 + 0.06 * rng();
  const radius = period * (0.25 + 0.05 * rng());
  const angle = 0.4 * (rng() - 0.5);
  const [ox, oy] = [rng() * period, rng() * period];
  const [pc, ps] = [Math.cos(angle), Math.sin(angle)];
  const patch = { x0: -0.2 + 0.3 * rng(), y0: -0.2 + 0.3 * rng(), w: 0.45, h: 0.35 };
  const coords = gridCoordinates(height, width);
  const data = new Float32Array(height * width);
  const truth = new Uint8Array(height * width);
  const covered = new Uint8Array(height * width);
  const wrap = (v: number) => v - period * Math.round(v / period);
  for (let i = 0; i < data.length; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const u = wrap(pc * x + ps * y - ox);
    const v = wrap(-ps * x + pc * y - oy);
    const metal = Math.hypot(u, v) > radius;
    truth[i] = metal ? 1 : 0;
    let p = metal ? 0.9 : 0.05;
    if (x >= patch.x0 && x < patch.x0 + patch.w && y >= patch.y0 && y < patch.y0 + patch.h) {
      covered[i] = 1;
      p = 0.5;
    }
    if (rng() < speckle) p = p >= 0.5 ? 0.3 * rng() : 0.6 + 0.4 * rng();
    data[i] = Math.min(1, Math.max(0, p + 0.1 * (rng() - 0.5)));
  }
  return { unaries: probabilityMap(height, width, data), truth, covered };
}
