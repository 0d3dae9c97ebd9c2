/**
 * Generated likelihood maps of one convex object each, for the convex fit's speed and
 * quality benchmark (`npm run bench -- --speed`). Seeded, so every run sees the same
 * maps. Shapes: ellipses, rounded rectangles, regular polygons (3-8 sides), random
 * convex polygons, half discs; anywhere in the frame, small to large. Two kinds of
 * damage: 'clean' (blur and mild noise, as a good detector gives) and 'cluttered'
 * (an occluding bar or disc, clutter blobs, speckle, correlated noise, blur). Maps with
 * an even index form the tuning half, odd ones the held-out half.
 */
import seedrandom from 'seedrandom';
import { boxBlur } from '../src/analysis/moment_frame.js';
import { gridCoordinates } from '../src/coordinates.js';
import { probabilityMap } from '../src/probability_map.js';
import type { SyntheticCase } from '../src/synthetic.js';

export type Damage = 'clean' | 'cluttered';

export interface ConvexMap extends SyntheticCase {
  name: string;
  size: number;
  damage: Damage;
  half: 'tuning' | 'heldout';
}

type Inside = (x: number, y: number) => boolean;

/** The intersection of half-planes n.x <= h: a convex polygon. */
function polygon(normals: Array<[number, number, number]>): Inside {
  return (x, y) => normals.every(([nx, ny, h]) => nx * x + ny * y <= h);
}

/** A random convex object about (cx, cy) of radius about r. */
function randomShape(index: number, rng: () => number, cx: number, cy: number, r: number): { label: string; inside: Inside } {
  const turn = Math.PI * rng();
  const rot = (x: number, y: number): [number, number] => {
    const u = x - cx;
    const v = y - cy;
    return [u * Math.cos(turn) + v * Math.sin(turn), -u * Math.sin(turn) + v * Math.cos(turn)];
  };
  switch (index % 5) {
    case 0: {
      const [a, b] = [r, r * (0.45 + 0.5 * rng())];
      return { label: 'ellipse', inside: (x, y) => { const [u, v] = rot(x, y); return (u / a) ** 2 + (v / b) ** 2 <= 1; } };
    }
    case 1: {
      const [a, b, c] = [r, r * (0.4 + 0.5 * rng()), r * 0.25 * rng()];
      return { label: 'rounded rectangle', inside: (x, y) => {
        const [u, v] = rot(x, y);
        const dx = Math.max(Math.abs(u) - (a - c), 0);
        const dy = Math.max(Math.abs(v) - (b - c), 0);
        return Math.abs(u) <= a && Math.abs(v) <= b && dx * dx + dy * dy <= c * c;
      } };
    }
    case 2: {
      const sides = 3 + Math.floor(6 * rng());
      const normals = Array.from({ length: sides }, (_, k): [number, number, number] => {
        const t = turn + (2 * Math.PI * k) / sides;
        return [Math.cos(t), Math.sin(t), Math.cos(t) * cx + Math.sin(t) * cy + r * Math.cos(Math.PI / sides)];
      });
      return { label: `${sides}-gon`, inside: polygon(normals) };
    }
    case 3: {
      // Tangent lines at random angles: a random convex polygon.
      const count = 5 + Math.floor(5 * rng());
      const normals = Array.from({ length: count }, (): [number, number, number] => {
        const t = 2 * Math.PI * rng();
        return [Math.cos(t), Math.sin(t), Math.cos(t) * cx + Math.sin(t) * cy + r * (0.7 + 0.3 * rng())];
      });
      return { label: 'random polygon', inside: polygon(normals) };
    }
    default:
      return { label: 'half disc', inside: (x, y) => { const [u, v] = rot(x, y); return u * u + v * v <= r * r && v >= -0.2 * r; } };
  }
}

/** Box blur of radius k twice (close to a Gaussian). */
function blur(data: Float32Array, height: number, width: number, k: number): Float32Array {
  return k < 1 ? data : boxBlur(boxBlur(data, height, width, k), height, width, k);
}

/** Smooth noise: coarse random grid, bilinearly upsampled, in [-1, 1]. */
function correlatedNoise(height: number, width: number, cells: number, rng: () => number): Float32Array {
  const grid = Array.from({ length: (cells + 1) * (cells + 1) }, () => 2 * rng() - 1);
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = (x / width) * cells;
      const gy = (y / height) * cells;
      const [ix, iy] = [Math.floor(gx), Math.floor(gy)];
      const [fx, fy] = [gx - ix, gy - iy];
      const at = (i: number, j: number) => grid[j * (cells + 1) + i]!;
      out[y * width + x] = (1 - fy) * ((1 - fx) * at(ix, iy) + fx * at(ix + 1, iy)) + fy * ((1 - fx) * at(ix, iy + 1) + fx * at(ix + 1, iy + 1));
    }
  }
  return out;
}

/** One map: object `index`'s shape, at `size` px, with the given damage. */
export function convexMap(index: number, size: number, damage: Damage): ConvexMap {
  const rng = seedrandom(`convex-bench-${index}-${size}-${damage}`);
  const r = 0.25 + 0.4 * rng();
  const cx = (0.9 - r) * (2 * rng() - 1);
  const cy = (0.9 - r) * (2 * rng() - 1);
  const { label, inside } = randomShape(index, rng, cx, cy, r);
  const coords = gridCoordinates(size, size);
  const n = size * size;
  const truth = new Uint8Array(n);
  const raw = new Float32Array(n);
  const cluttered = damage === 'cluttered';
  // Occluder: a bar through the object, or a disc on its edge (reads as background).
  const barAngle = Math.PI * rng();
  const barOffset = 0.3 * r * (2 * rng() - 1);
  const barHalf = 0.03 + 0.04 * rng();
  const discOccluder = rng() < 0.4;
  const disc = { x: cx + r * Math.cos(barAngle), y: cy + r * Math.sin(barAngle), r: 0.15 + 0.15 * rng() };
  const blobs = Array.from({ length: 2 + Math.floor(3 * rng()) }, () => ({ x: 2 * rng() - 1, y: 2 * rng() - 1, r: 0.04 + 0.08 * rng() }))
    .filter((b) => Math.hypot(b.x - cx, b.y - cy) > r + b.r + 0.05);
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const isInside = inside(x, y);
    truth[i] = isInside ? 1 : 0;
    let p = isInside ? 0.9 : 0.08;
    if (cluttered) {
      const occluded = discOccluder ? Math.hypot(x - disc.x, y - disc.y) < disc.r : Math.abs((x - cx) * Math.cos(barAngle) + (y - cy) * Math.sin(barAngle) - barOffset) < barHalf;
      if (occluded) p = 0.1;
      for (const b of blobs) if (Math.hypot(x - b.x, y - b.y) < b.r) p = 0.85;
    }
    raw[i] = p;
  }
  const blurred = blur(raw, size, size, Math.max(1, Math.round(size / (cluttered ? 100 : 160))));
  const noise = correlatedNoise(size, size, 8, rng);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let p = blurred[i]! + (cluttered ? 0.2 : 0.06) * noise[i]! + (cluttered ? 0.1 : 0.04) * (rng() - 0.5);
    if (cluttered && rng() < 0.12) p = p >= 0.5 ? 0.3 * rng() : 0.6 + 0.4 * rng();
    data[i] = Math.min(1, Math.max(0, p));
  }
  return { name: `${label} ${size}px ${damage} #${index}`, size, damage, half: index % 2 === 0 ? 'tuning' : 'heldout', unaries: probabilityMap(size, size, data), truth };
}

/** The benchmark set: `perSize` objects at each size, clean and cluttered. */
export function convexMaps(sizes: readonly number[], perSize: number): ConvexMap[] {
  return sizes.flatMap((size) => Array.from({ length: perSize }, (_, i) => [convexMap(i, size, 'clean'), convexMap(i, size, 'cluttered')]).flat());
}
