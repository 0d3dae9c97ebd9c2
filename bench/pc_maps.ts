/**
 * The path-connected benchmark's maps: seeded, generated likelihood maps of one
 * genuinely non-convex, path-connected object each (a thick C, a U, an S, a banana, a
 * spiral arm, a hand with fingers, a four-legged animal), damaged like the polar
 * benchmark's maps (occluding bars and discs, clutter, correlated noise, speckle,
 * blur; see damaged_map.ts). Maps 2j (tuning half) and 2j + 1 (held-out half) share a
 * shape family, not its parameters; sizes alternate between 128 and 256 px.
 */
import seedrandom from 'seedrandom';
import type { ProbabilityMap } from '../src/probability_map.js';
import { between, damaged, placed, TAU, type Rng } from './damaged_map.js';
import type { BenchHalf } from './polar_maps.js';

export interface PcMap {
  name: string;
  shape: string;
  size: number;
  half: BenchHalf;
  unaries: ProbabilityMap;
  truth: Uint8Array;
}

/** A shape in its own frame: centred near 0, extent about 1. */
type Inside = (u: number, v: number) => boolean;

/** Distance from (u, v) to the segment a-b. */
function segmentDistance(u: number, v: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(u - ax - t * dx, v - ay - t * dy);
}

/** Points along a circle's arc from angle a0 to a1. */
function arc(cx: number, cy: number, r: number, a0: number, a1: number, n: number): Array<readonly [number, number]> {
  return Array.from({ length: n }, (_, i) => {
    const a = a0 + ((a1 - a0) * i) / (n - 1);
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)] as const;
  });
}

/** The points within width(i) of the polyline's i-th segment. */
function thickPath(path: Array<readonly [number, number]>, width: (i: number) => number): Inside {
  return (u, v) => {
    for (let i = 1; i < path.length; i++) {
      if (segmentDistance(u, v, path[i - 1]![0], path[i - 1]![1], path[i]![0], path[i]![1]) <= width(i)) return true;
    }
    return false;
  };
}

/** Angle of (u, v) measured from `start`, in [0, 2 pi). */
const angleFrom = (u: number, v: number, start: number) => (((Math.atan2(v, u) - start) % TAU) + TAU) % TAU;

const PC_SHAPES: Record<string, (rng: Rng) => Inside> = {
  c: (rng) => {
    // An annulus with a gap: the hole and the gap are what a convex mask fills.
    const outer = 1;
    const inner = between(rng, 0.45, 0.62);
    const gap = between(rng, 0.9, 1.7);
    return (u, v) => {
      const r = Math.hypot(u, v);
      return r <= outer && r >= inner && angleFrom(u, v, gap / 2) <= TAU - gap;
    };
  },
  u: (rng) => {
    // A box with a box cut out of its top: two arms and a bottom bar.
    const arm = between(rng, 0.24, 0.34);
    const height = between(rng, 1.3, 1.8);
    return (u, v) => Math.abs(u) <= 0.9 && v >= -0.9 && v <= -0.9 + height && !(Math.abs(u) < 0.9 - 2 * arm && v > -0.9 + 2 * arm);
  },
  s: (rng) => {
    // Two arcs of opposite bend joined at the centre.
    const thick = between(rng, 0.16, 0.22);
    // Each arc spans 1.5 pi less a random part, so its end never meets its own start.
    const top = arc(0, 0.45, 0.45, between(rng, 0, 0.6), 1.5 * Math.PI, 40);
    const bottom = arc(0, -0.45, 0.45, Math.PI / 2, -Math.PI + between(rng, 0, 0.6), 40);
    return thickPath([...top, ...bottom], () => thick);
  },
  banana: (rng) => {
    // A crescent: an arc band that tapers towards both tips.
    const radius = between(rng, 0.9, 1.3);
    const span = between(rng, 1.6, 2.4);
    const thick = between(rng, 0.28, 0.4);
    return (u, v) => {
      const x = u;
      const y = v + radius - 0.3;
      const t = Math.atan2(x, y);
      if (Math.abs(t) > span / 2) return false;
      const taper = Math.sqrt(Math.max(0, 1 - (t / (span / 2)) ** 2));
      return Math.abs(Math.hypot(x, y) - radius) <= thick * (0.25 + 0.75 * taper);
    };
  },
  spiral: (rng) => {
    // An Archimedean arm over 1.3-1.7 pi, widening outwards; its coils do not touch.
    const turn = between(rng, 1.3, 1.7) * Math.PI;
    const thick = between(rng, 0.13, 0.18);
    const path = Array.from({ length: 80 }, (_, i) => {
      const a = (turn * i) / 79;
      const r = 0.25 + (0.75 * a) / turn;
      return [r * Math.cos(a), r * Math.sin(a)] as const;
    });
    return thickPath(path, (i) => thick * (0.7 + (0.6 * i) / path.length));
  },
  hand: (rng) => {
    // A palm and 4-5 fingers of unequal lengths, spread like an open hand.
    const fingers = 4 + Math.floor(rng() * 2);
    const spread = between(rng, 0.25, 0.4);
    const width = between(rng, 0.09, 0.13);
    const lens = Array.from({ length: fingers }, () => between(rng, 0.45, 0.75));
    return (u, v) => {
      if ((u / 0.5) ** 2 + ((v + 0.35) / 0.45) ** 2 <= 1) return true;
      return lens.some((len, i) => {
        const a = Math.PI / 2 + spread * (i - (fingers - 1) / 2);
        const bx = 0.35 * Math.cos(a);
        const by = -0.35 + 0.35 * Math.sin(a);
        return segmentDistance(u, v, bx, by, bx + (len + 0.35) * Math.cos(a), by + (len + 0.35) * Math.sin(a)) <= width;
      });
    };
  },
  animal: (rng) => {
    // A four-legged silhouette: body, four legs, neck and head, a tail.
    const leg = between(rng, 0.45, 0.65);
    const legWidth = between(rng, 0.08, 0.12);
    const neck = between(rng, 0.3, 0.5);
    return (u, v) => {
      if ((u / 0.75) ** 2 + (v / 0.3) ** 2 <= 1) return true;
      for (const x of [-0.55, -0.35, 0.35, 0.55]) if (segmentDistance(u, v, x, 0, x + 0.05, -0.2 - leg) <= legWidth) return true;
      if (segmentDistance(u, v, 0.6, 0.1, 0.75 + 0.2 * neck, 0.2 + neck) <= 0.1) return true;
      if (Math.hypot(u - 0.85 - 0.2 * neck, v - 0.25 - neck) <= 0.17) return true;
      return segmentDistance(u, v, -0.7, 0.1, -1, 0.35) <= 0.05;
    };
  },
};

export const PC_SHAPE_NAMES = Object.keys(PC_SHAPES);

/** One map: `index` picks the shape (pairs of indices share it) and the size, and seeds everything else. */
export function pcMap(index: number): PcMap {
  const rng = seedrandom(`pc-${index}`);
  const shape = PC_SHAPE_NAMES[Math.floor(index / 2) % PC_SHAPE_NAMES.length]!;
  const size = Math.floor(index / 2) % 2 === 0 ? 128 : 256;
  const local = PC_SHAPES[shape]!(rng);
  const { inside, at } = placed(local, rng, [0.5, 0.68], 0.15);
  const { unaries, truth } = damaged(inside, at, size, rng);
  const half: BenchHalf = index % 2 === 0 ? 'tuning' : 'heldout';
  return { name: `pc-${index}-${shape}-${size}px`, shape, size, half, unaries, truth };
}

/** Maps 0..count-1 (even: tuning half, odd: held-out). */
export function pcMaps(count: number): PcMap[] {
  return Array.from({ length: count }, (_, i) => pcMap(i));
}
