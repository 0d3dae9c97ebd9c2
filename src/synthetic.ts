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

/**
 * A spatio-temporal case: a disc moving along a curved path (a bounce), one map per
 * time, each damaged like occludedEllipse (a bar across it, clutter, speckle).
 * `truthAt(t)` gives the true disc at any time, also between the frames.
 */
export function movingDisc(times: number[], options: OccludedEllipseOptions = {}): { frames: SyntheticCase[]; truthAt: (t: number) => Uint8Array } {
  const rng = seedrandom(`moving-${options.seed ?? 0}`);
  const r = 0.22 + 0.04 * rng();
  const span = Math.max(...times) - Math.min(...times) || 1;
  const t0 = Math.min(...times);
  // x sweeps across, y follows a parabola: fast, curved motion that no linear shear follows.
  const centre = (t: number) => {
    const s = (t - t0) / span;
    return { cx: -0.55 + 1.1 * s, cy: 0.45 - 1.6 * s * (1 - s) };
  };
  const insideAt = (t: number) => (x: number, y: number) => {
    const { cx, cy } = centre(t);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  const h = options.height ?? 64;
  const w = options.width ?? 64;
  const truthAt = (t: number) => {
    const coords = gridCoordinates(h, w);
    const inside = insideAt(t);
    const out = new Uint8Array(h * w);
    for (let i = 0; i < out.length; i++) out[i] = inside(coords[2 * i]!, coords[2 * i + 1]!) ? 1 : 0;
    return out;
  };
  const frames = times.map((t) => {
    const { cx, cy } = centre(t);
    return corruptedScene(insideAt(t), { cx, cy, barAngle: Math.PI / 2 + 0.5 * (rng() - 0.5) }, { ...options, height: h, width: w }, rng);
  });
  return { frames, truthAt };
}

/**
 * A depth-space case: a tilted plane (a table top) fills a quadrilateral of the image,
 * and a box stands on it, closer to the camera. The likelihood map reads the plane as
 * foreground and the box as background, with heavy speckle and noise. The true
 * object is the plane without the box: not convex in the image (the box cuts a hole
 * into it, which a convex prior in the image fills) but convex in (x, y, depth),
 * where the box lies off the plane.
 */
export function planeInDepth(options: OccludedEllipseOptions = {}): { unaries: ProbabilityMap; depth: Float32Array; truth: Uint8Array } {
  const rng = seedrandom(`plane-${options.seed ?? 0}`);
  const height = options.height ?? 128;
  const width = options.width ?? 128;
  const speckle = options.speckle ?? 0.15;
  const coords = gridCoordinates(height, width);
  const slope = [0.15 + 0.1 * rng(), 0.25 + 0.1 * rng()];
  const onPlane = (x: number, y: number) => y > -0.45 + 0.1 * x && y < 0.75 && Math.abs(x) < 0.75 - 0.25 * y;
  const box = { x0: -0.3 + 0.2 * rng(), y0: -0.2 + 0.1 * rng(), w: 0.45, h: 0.6 };
  const inBox = (x: number, y: number) => x > box.x0 && x < box.x0 + box.w && y > box.y0 && y < box.y0 + box.h;
  const n = height * width;
  const data = new Float32Array(n);
  const depth = new Float32Array(n);
  const truth = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const plane = onPlane(x, y);
    const boxed = inBox(x, y);
    // Background wall far away; the plane recedes with y; the box is 0.3 closer than the plane behind it.
    depth[i] = boxed ? 0.5 + slope[0]! * x + slope[1]! * y - 0.3 : plane ? 0.5 + slope[0]! * x + slope[1]! * y : 0.95;
    truth[i] = plane && !boxed ? 1 : 0;
    const clean = plane && !boxed ? 0.8 : 0.15;
    const noisy = clean + 0.15 * (rng() - 0.5);
    data[i] = rng() < speckle ? (clean > 0.5 ? 0.05 : 0.95) : Math.min(1, Math.max(0, noisy));
  }
  return { unaries: probabilityMap(height, width, data), depth, truth };
}

/**
 * A scribble-setting case (Appendix B of the paper), small enough for tests: an image
 * (channels: intensity, x, y) of a bright ellipse crossed by a dark bar (an occluder
 * that reads as background), with scribbles: foreground strokes on both sides of the
 * bar, background strokes around the ellipse. `labels` / `weights` are the strokes
 * (weight 1 on scribbled pixels, 0 elsewhere); `truth` is the whole ellipse.
 */
export function scribbledEllipse(options: OccludedEllipseOptions = {}): { height: number; width: number; image: Float32Array; labels: Float32Array; weights: Float32Array; truth: Uint8Array } {
  const rng = seedrandom(`scribbled-${options.seed ?? 0}`);
  const height = options.height ?? 32;
  const width = options.width ?? 32;
  const coords = gridCoordinates(height, width);
  const a = 0.55 + 0.1 * rng();
  const b = 0.35 + 0.08 * rng();
  const barX = 0.1 * (rng() - 0.5);
  const n = height * width;
  const image = new Float32Array(n * 3);
  const labels = new Float32Array(n);
  const weights = new Float32Array(n);
  const truth = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const inside = (x / a) ** 2 + (y / b) ** 2 <= 1;
    const bar = Math.abs(x - barX) < 0.12;
    truth[i] = inside ? 1 : 0;
    image[3 * i] = (inside && !bar ? 0.75 : 0.3) + 0.1 * (rng() - 0.5);
    image[3 * i + 1] = x;
    image[3 * i + 2] = y;
    const fgStroke = Math.abs(y) < 0.05 && ((x > -0.7 * a && x < barX - 0.2) || (x > barX + 0.2 && x < 0.7 * a));
    const bgStroke = (Math.abs(Math.abs(y) - 0.75) < 0.05 && Math.abs(x) < 0.8) || (Math.abs(Math.abs(x) - 0.85) < 0.05 && Math.abs(y) < 0.8);
    if (fgStroke || bgStroke) {
      labels[i] = fgStroke ? 1 : 0;
      weights[i] = 1;
    }
  }
  return { height, width, image, labels, weights, truth };
}

export interface ScribbleSceneOptions extends OccludedEllipseOptions {
  /** What hides part of the object: a bar of background colour across it (default), a disc on its edge, or nothing. */
  occluder?: 'bar' | 'disc' | 'none';
  /** Blobs of the object's colour beside it (default 2). */
  distractors?: number;
  /** Of the background ring's four quarters (about the object's axes), how many are stroked (default 4: every side). */
  backgroundSides?: 1 | 2 | 3 | 4;
}

/**
 * A photo-like scribble case with ground truth, for the scribble benchmark: a convex
 * object (a rotated ellipse or rounded polygon) of one colour with texture, on a
 * background of another colour with texture and clutter of the object's colour, a
 * bar of background colour across the object (an occluder), and scribbles derived from
 * the truth: a foreground stroke along the object's long axis (inside, on both sides
 * of the bar), a background stroke around it. RGB in [0, 1], row-major. The options
 * vary the occluder, the distractors and how much of the ring is stroked (the defaults
 * are the scene described).
 */
export function scribbleScene(options: ScribbleSceneOptions = {}): { height: number; width: number; rgb: Float32Array; labels: Float32Array; weights: Float32Array; truth: Uint8Array } {
  const rng = seedrandom(`scribble-scene-${options.seed ?? 0}`);
  const height = options.height ?? 48;
  const width = options.width ?? 48;
  const coords = gridCoordinates(height, width);
  const cx = 0.2 * (rng() - 0.5);
  const cy = 0.2 * (rng() - 0.5);
  const a = 0.45 + 0.15 * rng();
  const b = 0.3 + 0.1 * rng();
  const theta = Math.PI * rng();
  const sides = rng() < 0.5 ? 0 : 5 + Math.floor(3 * rng());
  const [ct, st] = [Math.cos(theta), Math.sin(theta)];
  const local = (x: number, y: number) => [(x - cx) * ct + (y - cy) * st, -(x - cx) * st + (y - cy) * ct] as const;
  const inside = (x: number, y: number) => {
    const [u, v] = local(x, y);
    if (sides === 0) return (u / a) ** 2 + (v / b) ** 2 <= 1;
    // A regular polygon squashed to a x b: convex.
    const angle = Math.atan2(v / b, u / a);
    const sector = (2 * Math.PI) / sides;
    const r = Math.cos(Math.PI / sides) / Math.cos(((angle % sector) + sector) % sector - Math.PI / sides);
    return Math.hypot(u / a, v / b) <= r;
  };
  const hue = rng();
  const colour = (h: number) => [0.5 + 0.4 * Math.cos(2 * Math.PI * h), 0.5 + 0.4 * Math.cos(2 * Math.PI * (h - 1 / 3)), 0.5 + 0.4 * Math.cos(2 * Math.PI * (h - 2 / 3))];
  const [fgColour, bgColour] = [colour(hue), colour(hue + 0.35 + 0.3 * rng())];
  const barOffset = 0.3 * (rng() - 0.5);
  const clutter = Array.from({ length: options.distractors ?? 2 }, () => ({ x: (rng() < 0.5 ? -1 : 1) * (0.75 + 0.15 * rng()), y: 1.6 * (rng() - 0.5), r: 0.08 + 0.06 * rng() }));
  const occluder = options.occluder ?? 'bar';
  // The disc sits on the object's boundary at a random angle (drawn only for it, so default scenes stay as they were).
  const discAngle = occluder === 'disc' ? 2 * Math.PI * rng() : 0;
  const disc = { u: a * Math.cos(discAngle), v: b * Math.sin(discAngle), r: 0.22 };
  const strokedQuarters = options.backgroundSides ?? 4;
  const n = height * width;
  const rgb = new Float32Array(3 * n);
  const labels = new Float32Array(n);
  const weights = new Float32Array(n);
  const truth = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const obj = inside(x, y);
    const [u, v] = local(x, y);
    const occluded = occluder === 'bar' ? Math.abs(u - barOffset * a) < 0.07 : occluder === 'disc' && Math.hypot(u - disc.u, v - disc.v) < disc.r;
    const blob = clutter.some((c) => Math.hypot(x - c.x, y - c.y) < c.r);
    truth[i] = obj ? 1 : 0;
    const c = (obj && !occluded) || blob ? fgColour : bgColour;
    const texture = 0.12 * Math.sin(17 * x + 11 * y) + 0.1 * (rng() - 0.5);
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = Math.min(1, Math.max(0, c[k]! + texture));
    const fgStroke = obj && !occluded && Math.abs(v) < 0.05 && Math.abs(u) < 0.7 * a && (occluder !== 'bar' || Math.abs(u - barOffset * a) > 0.12);
    const ring = Math.hypot(u / (a + 0.2), v / (b + 0.2));
    // Quarter q of the ring: q = 0 faces +u, 1 faces +v, 2 faces -u, 3 faces -v.
    const quarter = Math.round(Math.atan2(v, u) / (Math.PI / 2) + 4) % 4;
    const bgStroke = !obj && Math.abs(ring - 1) < 0.06 && quarter < strokedQuarters;
    if (fgStroke || bgStroke) {
      labels[i] = fgStroke ? 1 : 0;
      weights[i] = 1;
    }
  }
  return { height, width, rgb, labels, weights, truth };
}

/** A scene for a net with three output channels: background (0) and two object classes (1, 2). */
export interface TwoClassScene {
  height: number;
  width: number;
  /** [H, W, 4] row-major: class 1's colour, class 2's colour (each with noise), x, y. */
  image: Float32Array;
  /** [H, W, 3] one-hot weak labels of what is visible: the occluder reads as background. */
  labels: Float32Array;
  /** [H, W] label weights: 0 on the occluded parts of the objects (an annotator's "ignore" region), 1 elsewhere. */
  weights: Float32Array;
  /** The whole objects: class 1 (convex), class 2 (star-shaped about its centre, not convex). */
  truth: [Uint8Array, Uint8Array];
}

export interface TwoClassSceneOptions extends OccludedEllipseOptions {
  /** Fraction of labelled pixels whose label is replaced by a random class (an annotator's mistakes); default 0. */
  labelNoise?: number;
}

/**
 * Two object classes and background: a rotated ellipse (class 1, convex) on the left and
 * a five-armed star (class 2, star-shaped, not convex) on the right, each crossed by a
 * background-coloured vertical bar (an occluder) whose pixels the labels call
 * background (with `weights`, unlabelled instead): a net that learns the labels misses
 * the bars, priors of the right kind fill them.
 */
export function twoClassScene(options: TwoClassSceneOptions = {}): TwoClassScene {
  const rng = seedrandom(`two-class-${options.seed ?? 0}`);
  // Its own stream: the same seed gives the same scene with and without label noise.
  const noise = seedrandom(`two-class-labels-${options.seed ?? 0}`);
  const labelNoise = options.labelNoise ?? 0;
  const height = options.height ?? 32;
  const width = options.width ?? 32;
  const coords = gridCoordinates(height, width);
  const [ex, ey, ea, eb, et] = [-0.45 + 0.1 * (rng() - 0.5), 0.1 * (rng() - 0.5), 0.3 + 0.05 * rng(), 0.2 + 0.04 * rng(), Math.PI * rng()];
  const [sx, sy, sr, sp] = [0.45 + 0.1 * (rng() - 0.5), 0.1 * (rng() - 0.5), 0.3 + 0.04 * rng(), 2 * Math.PI * rng()];
  const inEllipse = (x: number, y: number) => {
    const [u, v] = [(x - ex) * Math.cos(et) + (y - ey) * Math.sin(et), -(x - ex) * Math.sin(et) + (y - ey) * Math.cos(et)];
    return (u / ea) ** 2 + (v / eb) ** 2 <= 1;
  };
  const inStar = (x: number, y: number) => Math.hypot(x - sx, y - sy) <= sr * (1 + 0.4 * Math.cos(5 * Math.atan2(y - sy, x - sx) + sp));
  const bar = (x: number, centre: number) => Math.abs(x - centre) < 0.07;
  const n = height * width;
  const image = new Float32Array(4 * n);
  const labels = new Float32Array(3 * n);
  const weights = new Float32Array(n);
  const truth: [Uint8Array, Uint8Array] = [new Uint8Array(n), new Uint8Array(n)];
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const one = inEllipse(x, y);
    const two = !one && inStar(x, y);
    truth[0][i] = one ? 1 : 0;
    truth[1][i] = two ? 1 : 0;
    const hidden = (one && bar(x, ex)) || (two && bar(x, sx));
    const cls = hidden ? 0 : one ? 1 : two ? 2 : 0;
    image[4 * i] = (cls === 1 ? 0.8 : 0.2) + 0.1 * (rng() - 0.5);
    image[4 * i + 1] = (cls === 2 ? 0.8 : 0.2) + 0.1 * (rng() - 0.5);
    image[4 * i + 2] = x;
    image[4 * i + 3] = y;
    labels[3 * i + (!hidden && noise() < labelNoise ? Math.floor(noise() * 3) : cls)] = 1;
    weights[i] = hidden ? 0 : 1;
  }
  return { height, width, image, labels, weights, truth };
}
