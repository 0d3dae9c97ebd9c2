import type { ObjectRegion } from './object_region.js';

/**
 * A harmonic map of a simply connected region onto the unit disc: the region's
 * boundary, traced in order and parametrised by arc length, is laid onto the circle,
 * and each coordinate is extended inside by Laplace's equation. By the
 * Rado-Kneser-Choquet theorem such a map is a diffeomorphism of the region onto the
 * disc, a convex set, so it "unbends" a C, a U or a spiral arm: the path-connected
 * prior's flow starts from it (see PathConnectedPrior.initializeFromData) instead of
 * from the identity, which a gradient fit hardly leaves.
 *
 * Returns (u, v) per cell, NaN outside the region; null when the region has fewer
 * than `minArea` cells (no shape to unbend).
 */
export function harmonicDisc(region: ObjectRegion, minArea = 12): Float32Array | null {
  const { mask, height, width } = region;
  if (region.area < minArea) return null;
  const contour = traceContour(mask, height, width);
  if (contour.length < 4) return null;
  const uv = new Float32Array(height * width * 2).fill(NaN);
  const fixed = new Uint8Array(height * width);
  // Arc length along the traced contour (diagonal steps count sqrt 2); a cell met twice (a one-cell neck) keeps its first angle.
  let total = 0;
  const at = [0];
  for (let k = 1; k <= contour.length; k++) {
    const a = contour[k - 1]!;
    const b = contour[k % contour.length]!;
    total += Math.hypot(Math.floor(a / width) - Math.floor(b / width), (a % width) - (b % width));
    at.push(total);
  }
  contour.forEach((cell, k) => {
    if (fixed[cell]) return;
    const t = (2 * Math.PI * at[k]!) / total;
    fixed[cell] = 1;
    uv[2 * cell] = Math.cos(t);
    uv[2 * cell + 1] = Math.sin(t);
  });
  const interior: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1 && !fixed[i]) interior.push(i);
  for (const i of interior) {
    uv[2 * i] = 0;
    uv[2 * i + 1] = 0;
  }
  solveLaplace(uv, interior, mask, width);
  return uv;
}

/**
 * Gauss-Seidel with over-relaxation on the interior cells (4-neighbour Laplacian;
 * every neighbour of an interior cell is in the region, since the contour encloses
 * it). A few hundred sweeps over a few thousand cells: milliseconds.
 */
function solveLaplace(uv: Float32Array, interior: number[], mask: Uint8Array, width: number): void {
  const omega = 1.9;
  for (let sweep = 0; sweep < 2000; sweep++) {
    let change = 0;
    for (const i of interior) {
      for (let d = 0; d < 2; d++) {
        let sum = 0;
        let n = 0;
        for (const j of [i - 1, i + 1, i - width, i + width]) {
          if (mask[j] === 1) {
            sum += uv[2 * j + d]!;
            n++;
          }
        }
        const next = sum / n;
        const old = uv[2 * i + d]!;
        const value = old + omega * (next - old);
        change = Math.max(change, Math.abs(value - old));
        uv[2 * i + d] = value;
      }
    }
    if (change < 1e-5) break;
  }
}

/** Clockwise from west, in (row, col) steps: the Moore neighbourhood. */
const MOORE: ReadonlyArray<readonly [number, number]> = [[0, -1], [-1, -1], [-1, 0], [-1, 1], [0, 1], [1, 1], [1, 0], [1, -1]];

/**
 * The outer boundary of the region's cells in order (Moore-neighbour tracing with
 * the stop rule that it repeats its first step): starts at the first cell in raster
 * order and walks with the outside on one hand.
 */
export function traceContour(mask: Uint8Array, height: number, width: number): number[] {
  const inside = (r: number, c: number) => r >= 0 && r < height && c >= 0 && c < width && mask[r * width + c] === 1;
  const start = mask.indexOf(1);
  if (start < 0) return [];
  const contour = [start];
  let r = Math.floor(start / width);
  let c = start - r * width;
  // The cell west of the first cell in raster order is outside: the walk's first backtrack.
  let back = 0;
  for (let guard = 0; guard < 8 * mask.length; guard++) {
    let moved = false;
    for (let k = 1; k <= 8; k++) {
      const d = (back + k) % 8;
      const nr = r + MOORE[d]![0];
      const nc = c + MOORE[d]![1];
      if (!inside(nr, nc)) continue;
      // The last outside cell checked, seen from the new cell, is the next backtrack.
      const pr = r + MOORE[(d + 7) % 8]![0] - nr;
      const pc = c + MOORE[(d + 7) % 8]![1] - nc;
      back = MOORE.findIndex(([a, b]) => a === pr && b === pc);
      r = nr;
      c = nc;
      moved = true;
      break;
    }
    if (!moved) return contour;
    const cell = r * width + c;
    // Done when the walk repeats its first step (start, then the second cell): a start cell that is a one-cell neck is passed twice before that.
    if (contour.length > 2 && cell === contour[1] && contour[contour.length - 1] === start) return contour.slice(0, -1);
    contour.push(cell);
  }
  return contour;
}
