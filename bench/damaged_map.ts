/**
 * The damage every generated benchmark map gets (the polar and the path-connected
 * benchmarks share it): the object rendered at a foreground level, then occluders,
 * clutter, correlated noise, speckle and blur, all drawn from the map's own seed.
 */
import { gridCoordinates } from '../src/coordinates.js';
import { boxBlur } from '../src/analysis/moment_frame.js';
import { probabilityMap, type ProbabilityMap } from '../src/probability_map.js';

export type Rng = () => number;
export const TAU = 2 * Math.PI;
export const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

/**
 * A shape given in its own frame (centred near 0, extent about 1) placed in the image's:
 * a random scale in `scales`, rotation, and offset of at most `offset` per axis (drawn
 * in that order from `rng`).
 */
export function placed(local: (u: number, v: number) => boolean, rng: Rng, scales: [number, number], offset: number): { inside: (x: number, y: number) => boolean; at: { cx: number; cy: number; scale: number } } {
  const scale = between(rng, scales[0], scales[1]);
  const angle = TAU * rng();
  const cx = between(rng, -offset, offset);
  const cy = between(rng, -offset, offset);
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const inside = (x: number, y: number) => {
    const dx = (x - cx) / scale;
    const dy = (y - cy) / scale;
    return local(ca * dx + sa * dy, -sa * dx + ca * dy);
  };
  return { inside, at: { cx, cy, scale } };
}

/**
 * Renders the object and damages its map. Levels: foreground 0.6-0.95, background
 * 0.02-0.25. 1-2 occluding bars through the object's region read as background; half
 * the maps also get an occluding disc on the boundary. 2-5 clutter blobs outside the
 * object's disc (some touching it). A smooth noise field (a few random plane waves)
 * of amplitude 0.05-0.25, speckle 0-12%, and a box blur of 0-2 px (x2 at 256 px).
 */
export function damaged(inside: (x: number, y: number) => boolean, at: { cx: number; cy: number; scale: number }, size: number, rng: Rng): { unaries: ProbabilityMap; truth: Uint8Array } {
  const fg = between(rng, 0.6, 0.95);
  const bg = between(rng, 0.02, 0.25);
  const bars = Array.from({ length: 1 + Math.floor(rng() * 2) }, () => ({
    angle: TAU * rng(), offset: between(rng, -0.6, 0.6) * at.scale, half: between(rng, 0.02, 0.05), level: between(rng, 0.02, 0.2),
  }));
  const disc = rng() < 0.5 ? { t: TAU * rng(), r: between(rng, 0.12, 0.25) * at.scale / 0.5, level: between(rng, 0.05, 0.2) } : null;
  const blobs = Array.from({ length: 2 + Math.floor(rng() * 4) }, () => {
    const t = TAU * rng();
    const d = at.scale * between(rng, 1.05, 2.2);
    return { x: at.cx + d * Math.cos(t), y: at.cy + d * Math.sin(t), r: between(rng, 0.04, 0.12), level: between(rng, 0.6, 0.95) };
  });
  const waves = Array.from({ length: 4 }, () => ({ kx: between(rng, -8, 8), ky: between(rng, -8, 8), p: TAU * rng() }));
  const noise = between(rng, 0.05, 0.25);
  const speckle = between(rng, 0, 0.12);
  const blur = Math.floor(rng() * 3) * (size / 128);
  const coords = gridCoordinates(size, size);
  const raw = new Float32Array(size * size);
  const truth = new Uint8Array(size * size);
  for (let i = 0; i < raw.length; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const isIn = inside(x, y);
    truth[i] = isIn ? 1 : 0;
    let p = isIn ? fg : bg;
    for (const b of bars) {
      if (Math.abs((x - at.cx) * Math.cos(b.angle) + (y - at.cy) * Math.sin(b.angle) - b.offset) < b.half) p = b.level;
    }
    if (disc) {
      const dx = x - at.cx - at.scale * 0.9 * Math.cos(disc.t);
      const dy = y - at.cy - at.scale * 0.9 * Math.sin(disc.t);
      if (dx * dx + dy * dy < disc.r * disc.r * 0.25) p = disc.level;
    }
    for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) p = b.level;
    p += noise * waves.reduce((s, w) => s + Math.sin(w.kx * x + w.ky * y + w.p), 0) / 2;
    if (rng() < speckle) p = rng();
    raw[i] = Math.min(1, Math.max(0, p + 0.05 * (rng() - 0.5)));
  }
  const data = blur > 0 ? boxBlur(raw, size, size, blur) : raw;
  return { unaries: probabilityMap(size, size, data), truth };
}
