/**
 * The polar benchmark's maps: seeded, generated likelihood maps of one object each, in
 * the class of a polar prior (star-shaped, mirror symmetric, k-fold rotation
 * symmetric), damaged the way detectors damage maps: occluding bars and discs,
 * clutter blobs (some touching the object), correlated noise, speckle, blur, varying
 * foreground / background levels. Every parameter is drawn from the map's seed, so a
 * map is the same on every run; `half` splits the set into a tuning half and a
 * held-out half (by seed parity, so both halves hold every shape family and size).
 */
import seedrandom from 'seedrandom';
import type { ProbabilityMap } from '../src/probability_map.js';
import { between, damaged, placed, TAU, type Rng } from './damaged_map.js';

export type PolarFamily = 'star' | 'mirror' | 'rotation';
export type BenchHalf = 'tuning' | 'heldout';

export interface PolarMap {
  name: string;
  family: PolarFamily;
  shape: string;
  size: number;
  /** Rotation family: the true k. */
  folds?: number;
  half: BenchHalf;
  unaries: ProbabilityMap;
  truth: Uint8Array;
}

/** A shape in its own frame: centred near 0, radius about 1. */
type Inside = (u: number, v: number) => boolean;
const polar = (r: (t: number) => number): Inside => (u, v) => Math.hypot(u, v) <= r(Math.atan2(v, u));

/** Star-shaped (about some point, not always the centroid), no symmetry asked. */
const STAR_SHAPES: Record<string, (rng: Rng) => Inside> = {
  lobed: (rng) => {
    // A random Fourier radius with 2-6 lobes: a lobed blob, its centroid possibly near a lobe's root.
    const terms = [2, 3, 4, 5, 6].map((m) => ({ m, a: between(rng, 0, 0.45 / Math.sqrt(m)), p: TAU * rng() }));
    return polar((t) => 0.8 * Math.max(0.25, 1 + terms.reduce((s, { m, a, p }) => s + a * Math.cos(m * t + p), 0)));
  },
  cross: (rng) => {
    // Two bars of unequal lengths and widths crossing off-centre.
    const [l1, l2, l3, l4] = [0, 0, 0, 0].map(() => between(rng, 0.55, 1.1));
    const [w1, w2] = [between(rng, 0.18, 0.35), between(rng, 0.18, 0.35)];
    const tilt = between(rng, -0.3, 0.3);
    return (u, v) => {
      const a = u * Math.cos(tilt) + v * Math.sin(tilt);
      const b = -u * Math.sin(tilt) + v * Math.cos(tilt);
      return (Math.abs(b) <= w1 && a >= -l1! && a <= l2!) || (Math.abs(u) <= w2 && v >= -l3! && v <= l4!);
    };
  },
  leaf: (rng) => {
    // A lens (two discs intersected) with a bulge on one side: pointed tips.
    const half = between(rng, 0.35, 0.6);
    const bend = between(rng, -0.25, 0.25);
    return (u, v) => {
      const w = v - bend * (1 - u * u);
      const rr = (1 + half * half) / (2 * half);
      return Math.hypot(u, w - (half - rr)) <= rr && Math.hypot(u, w + (half - rr)) <= rr;
    };
  },
  propeller: (rng) => {
    // 2-4 blades of unequal lengths about a hub.
    const blades = 2 + Math.floor(rng() * 3);
    const lens = Array.from({ length: blades }, () => between(rng, 0.7, 1.1));
    const width = between(rng, 0.25, 0.5);
    const offset = TAU * rng();
    return (u, v) => {
      if (Math.hypot(u, v) <= 0.3) return true;
      return lens.some((len, i) => {
        const t = offset + (TAU * i) / blades;
        const a = u * Math.cos(t) + v * Math.sin(t);
        const b = -u * Math.sin(t) + v * Math.cos(t);
        return a >= 0 && a <= len && Math.abs(b) <= width * 0.5 * (1 - 0.6 * (a / len) ** 2) + 0.05;
      });
    };
  },
  teardrop: (rng) => {
    const sharp = between(rng, 1.5, 3);
    return polar((t) => 0.45 + 0.55 * Math.abs(Math.cos(t / 2)) ** sharp + 0.1);
  },
};

/** Mirror symmetric about the u axis (then rotated at random). */
const MIRROR_SHAPES: Record<string, (rng: Rng) => Inside> = {
  arrow: (rng) => {
    const shaft = between(rng, 0.12, 0.22);
    const headLen = between(rng, 0.5, 0.8);
    const headWidth = between(rng, 0.45, 0.7);
    return (u, v) => {
      if (u >= -1 && u <= 1 - headLen && Math.abs(v) <= shaft) return true;
      return u > 1 - headLen && u <= 1 && Math.abs(v) <= headWidth * (1 - u) / headLen;
    };
  },
  heart: (rng) => {
    const squash = between(rng, 0.85, 1.15);
    // The classic heart curve (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0, its axis along u.
    return (u, v) => {
      const x = (v / 0.85) * squash;
      const y = -u / 0.85 + 0.1;
      return (x * x + y * y - 1) ** 3 - x * x * y * y * y <= 0;
    };
  },
  butterfly: (rng) => {
    const upper = between(rng, 0.8, 1.05);
    const lower = between(rng, 0.5, 0.75);
    const spread = between(rng, 0.4, 0.7);
    return (u, v) => {
      // Two wings each side of a body along u.
      if (Math.abs(v) <= 0.08 && Math.abs(u) <= 0.75) return true;
      const t = Math.atan2(Math.abs(v), u);
      const r = Math.hypot(u, v);
      const wing = t < Math.PI / 2 ? upper * Math.sin(2 * t) ** spread : lower * Math.abs(Math.sin(2 * t)) ** spread;
      return r <= wing + 0.05;
    };
  },
  blob: (rng) => {
    const terms = [1, 2, 3, 4].map((m) => ({ m, a: between(rng, -0.3, 0.3) / Math.sqrt(m) }));
    return polar((t) => 0.85 * Math.max(0.3, 1 + terms.reduce((s, { m, a }) => s + a * Math.cos(m * t), 0)));
  },
  tcross: (rng) => {
    const bar = between(rng, 0.15, 0.25);
    const arm = between(rng, 0.6, 0.95);
    return (u, v) => (Math.abs(v) <= bar && u >= -0.9 && u <= 0.9) || (u >= 0.45 && u <= 0.45 + 2 * bar && Math.abs(v) <= arm);
  },
  vase: (rng) => {
    const neck = between(rng, 0.2, 0.35);
    return (u, v) => Math.abs(u) <= 0.95 && Math.abs(v) <= neck + (0.6 - neck) * Math.sin(Math.PI * (u + 0.95) / 1.9) ** 2 * (u < 0.4 ? 1 : 0.6);
  },
};

/** k-fold rotation symmetric about 0. */
const ROTATION_SHAPES: Record<string, (rng: Rng, k: number) => Inside> = {
  gear: (rng, k) => {
    const depth = between(rng, 0.15, 0.3);
    const duty = between(rng, 0.35, 0.6);
    return polar((t) => {
      const phase = ((((t * k) / TAU) % 1) + 1) % 1;
      return 1 - depth + (phase < duty ? depth : 0);
    });
  },
  flower: (rng, k) => {
    const a = between(rng, 0.2, 0.45);
    return polar((t) => 0.8 * (1 + a * Math.cos(k * t)));
  },
  blades: (rng, k) => {
    const sharp = between(rng, 2, 6);
    const hub = between(rng, 0.25, 0.45);
    return polar((t) => hub + (1 - hub) * Math.abs(Math.cos((k * t) / 2)) ** sharp);
  },
  polygram: (rng, k) => {
    const inner = between(rng, 0.4, 0.65);
    return polar((t) => {
      const s = ((((t * k) / TAU) % 1) + 1) % 1;
      const tri = Math.abs(2 * s - 1);
      return inner + (1 - inner) * tri;
    });
  },
  arms: (rng, k) => {
    const width = between(rng, 0.15, 0.3);
    return (u, v) => {
      if (Math.hypot(u, v) <= width * 1.6) return true;
      for (let i = 0; i < k; i++) {
        const t = (TAU * i) / k;
        const a = u * Math.cos(t) + v * Math.sin(t);
        const b = -u * Math.sin(t) + v * Math.cos(t);
        if (a >= 0 && a <= 1 && Math.abs(b) <= width) return true;
      }
      return false;
    };
  },
};

/** One map: `index` picks the shape and the size (see below) and seeds everything else. */
export function polarMap(family: PolarFamily, index: number): PolarMap {
  const rng = seedrandom(`polar-${family}-${index}`);
  const table = family === 'star' ? STAR_SHAPES : family === 'mirror' ? MIRROR_SHAPES : null;
  const names = Object.keys(table ?? ROTATION_SHAPES);
  // Maps 2j (tuning) and 2j + 1 (held-out) share a shape family, not its parameters;
  // the first 2n maps are 128 px, the next 2n 256 px, and so on.
  const shape = names[Math.floor(index / 2) % names.length]!;
  const size = Math.floor(index / (2 * names.length)) % 2 === 0 ? 128 : 256;
  const folds = family === 'rotation' ? 3 + Math.floor(rng() * 6) : undefined;
  const local = table ? table[shape]!(rng) : ROTATION_SHAPES[shape]!(rng, folds!);
  // Placement: scale, rotation (mirror: the axis direction), offset.
  const { inside, at } = placed(local, rng, [0.42, 0.62], 0.2);
  const { unaries, truth } = damaged(inside, at, size, rng);
  const half: BenchHalf = index % 2 === 0 ? 'tuning' : 'heldout';
  return { name: `${family}-${index}-${shape}${folds ? `-k${folds}` : ''}-${size}px`, family, shape, size, ...(folds ? { folds } : {}), half, unaries, truth };
}

/** `count` maps of each family, indices 0..count-1 (even: tuning half, odd: held-out). */
export function polarMaps(families: PolarFamily[], count: number): PolarMap[] {
  return families.flatMap((family) => Array.from({ length: count }, (_, i) => polarMap(family, i)));
}
