import { InputError } from '../errors.js';
import { frameToPixel } from '../coordinates.js';

/**
 * An augmented view's affine map, as a 2x3 matrix [[a, b, tx], [c, d, ty]]:
 *
 *   x' = a x + b y + tx,   y' = c x + d y + ty
 *
 * from the original image's frame coordinates (x, y) to the augmented view's (x', y').
 * Both are the library's normalised frame (src/coordinates.ts): pixel (row, col) of an
 * H x W image sits at x = (col + 0.5 - W/2) * s, y = (row + 0.5 - H/2) * s with
 * s = 2 / max(H, W), so x grows to the right, y downwards, the image centre is (0, 0)
 * and its longer side spans [-1, 1]; each image uses its own size. A horizontal flip is
 * [[-1, 0, 0], [0, 1, 0]], a 2x zoom on the centre [[2, 0, 0], [0, 2, 0]].
 */
export type ViewTransform = readonly [readonly [number, number, number], readonly [number, number, number]];

/** The identity: the view is the original image. */
export const IDENTITY_TRANSFORM: ViewTransform = [[1, 0, 0], [0, 1, 0]];

/** Below this |det| a map squeezes the image to (nearly) a line: its inverse is meaningless. */
const MIN_DETERMINANT = 1e-6;

/**
 * The transform of sample `id` checked: a 2x3 array of finite numbers whose linear part
 * is invertible. The error names the sample and the value, since a bad matrix would
 * otherwise surface as NaN priors many steps later.
 */
export function checkTransform(id: string, value: unknown): ViewTransform {
  const shown = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  const rows = value as unknown[];
  if (!Array.isArray(rows) || rows.length !== 2 || !rows.every((r) => Array.isArray(r) && r.length === 3)) {
    throw new InputError(`sample ${JSON.stringify(id)}: transform must be a 2x3 matrix [[a, b, tx], [c, d, ty]], got ${shown}`);
  }
  const m = rows as number[][];
  if (!m.flat().every((v) => typeof v === 'number' && Number.isFinite(v))) throw new InputError(`sample ${JSON.stringify(id)}: transform has a value that is not a finite number: ${shown}`);
  const det = m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
  if (!(Math.abs(det) >= MIN_DETERMINANT)) throw new InputError(`sample ${JSON.stringify(id)}: transform ${shown} is singular (determinant ${det}): it has no inverse`);
  return m as unknown as ViewTransform;
}

/** The inverse map (view -> original), for a checked transform. */
export function invertTransform(m: ViewTransform): ViewTransform {
  const [[a, b, tx], [c, d, ty]] = m;
  const det = a * d - b * c;
  const [ia, ib, ic, id] = [d / det, -b / det, -c / det, a / det];
  return [[ia, ib, -(ia * tx + ib * ty)], [ic, id, -(ic * tx + id * ty)]];
}

/** m applied to every (x, y) pair of `coords` (interleaved, as gridCoordinates gives them). */
export function applyTransform(m: ViewTransform, coords: Float32Array): Float32Array {
  const [[a, b, tx], [c, d, ty]] = m;
  const out = new Float32Array(coords.length);
  for (let k = 0; k < coords.length; k += 2) {
    const x = coords[k]!;
    const y = coords[k + 1]!;
    out[k] = a * x + b * y + tx;
    out[k + 1] = c * x + d * y + ty;
  }
  return out;
}

/** Compose: first `first`, then `second` (second o first). */
export function composeTransforms(second: ViewTransform, first: ViewTransform): ViewTransform {
  const [[a2, b2, t2], [c2, d2, u2]] = second;
  const [[a1, b1, t1], [c1, d1, u1]] = first;
  return [
    [a2 * a1 + b2 * c1, a2 * b1 + b2 * d1, a2 * t1 + b2 * u1 + t2],
    [c2 * a1 + d2 * c1, c2 * b1 + d2 * d1, c2 * t1 + d2 * u1 + u2],
  ];
}

/**
 * A view's H x W map (row-major) resampled onto an H x W grid of the original image's
 * frame, by the nearest view pixel of each grid point's image under `m`; points the view
 * does not show get 0. Used to start a new prior from the net's output on an augmented view.
 */
export function resampleToOriginal(map: Float32Array, height: number, width: number, m: ViewTransform): Float32Array {
  const [[a, b, tx], [c, d, ty]] = m;
  const s = 2 / Math.max(height, width);
  const out = new Float32Array(height * width);
  for (let r = 0, i = 0; r < height; r++) {
    const y = (r + 0.5 - height / 2) * s;
    for (let col = 0; col < width; col++, i++) {
      const x = (col + 0.5 - width / 2) * s;
      const [vr, vc] = frameToPixel(a * x + b * y + tx, c * x + d * y + ty, height, width).map(Math.round) as [number, number];
      if (vr >= 0 && vr < height && vc >= 0 && vc < width) out[i] = map[vr * width + vc]!;
    }
  }
  return out;
}
