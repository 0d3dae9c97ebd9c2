import { gridCoordinates } from '../coordinates.js';
import type { ProbabilityMap } from '../probability_map.js';

/** An affine input normalisation y = (x - shift) M (see AffineNormalization). */
export interface AffineFrame {
  shift: number[];
  matrix: number[][];
}

/**
 * The affine map that sends the moment ellipse of the map's foreground to the unit
 * disc: for a uniformly filled ellipse, mean +- 2 standard deviations along each
 * principal axis is its boundary. The map is box-blurred before thresholding so that
 * salt-and-pepper noise does not inflate the moments. Falls back to the identity
 * when the map has no foreground.
 */
export function momentFrame(map: ProbabilityMap): AffineFrame {
  const m = foregroundMoments(map);
  if (!m) return { shift: [0, 0], matrix: [[1, 0], [0, 1]] };
  const { mean, cov } = m;
  const [sxx, sxy, syy] = [cov[0]![0]!, cov[0]![1]!, cov[1]![1]!];
  const half = (sxx + syy) / 2;
  const root = Math.sqrt(Math.max(0, ((sxx - syy) / 2) ** 2 + sxy * sxy));
  const l1 = half + root;
  const l2 = Math.max(half - root, 1e-12);
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const d1 = 1 / (2 * Math.sqrt(l1));
  const d2 = 1 / (2 * Math.sqrt(l2));
  // M = R diag(d1, d2) R^T: symmetric, so the row-vector form (x - mu) M needs no transpose.
  const off = c * s * (d1 - d2);
  return { shift: mean, matrix: [[c * c * d1 + s * s * d2, off], [off, s * s * d1 + c * c * d2]] };
}

/**
 * Like momentFrame, but a similarity (translation and one scale): the foreground's
 * mean goes to 0 and its mean-square radius to that of the unit disc. Reflections and
 * rotations about a point keep their meaning under it, which the symmetry priors need
 * (an anisotropic scale would turn a mirror image into a skewed one).
 */
export function similarityFrame(map: ProbabilityMap): AffineFrame {
  const m = foregroundMoments(map);
  if (!m) return { shift: [0, 0], matrix: [[1, 0], [0, 1]] };
  // For a uniform disc of radius R, each axis has variance R^2 / 4.
  const scale = 1 / (2 * Math.sqrt((m.cov[0]![0]! + m.cov[1]![1]!) / 2));
  return { shift: m.mean, matrix: [[scale, 0], [0, scale]] };
}

/**
 * Mean and covariance (frame coordinates) of the pixels whose box-blurred likelihood
 * is >= 0.5, or null when there are fewer than 3. Blurring first keeps
 * salt-and-pepper noise from inflating them.
 */
export function foregroundMoments(map: ProbabilityMap): { mean: number[]; cov: number[][] } | null {
  const { height, width } = map;
  const smooth = smoothedMap(map);
  const coords = gridCoordinates(height, width);
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < smooth.length; i++) {
    if (smooth[i]! < 0.5) continue;
    n++;
    mx += coords[2 * i]!;
    my += coords[2 * i + 1]!;
  }
  if (n < 3) return null;
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < smooth.length; i++) {
    if (smooth[i]! < 0.5) continue;
    const dx = coords[2 * i]! - mx;
    const dy = coords[2 * i + 1]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  // A pixel's own extent keeps a one-pixel-wide object from giving a singular matrix.
  const pixelVar = (2 / Math.max(height, width)) ** 2 / 12;
  return { mean: [mx, my], cov: [[sxx / n + pixelVar, sxy / n], [sxy / n, syy / n + pixelVar]] };
}

const smoothed = new WeakMap<ProbabilityMap, Float32Array>();

/**
 * The map box-blurred at smoothingRadius: the speckle-free view that the class
 * weights, the moments and the foreground regions all read. Computed once per map
 * object (maps are not modified after they are made; new data means a new map).
 */
export function smoothedMap(map: ProbabilityMap): Float32Array {
  let smooth = smoothed.get(map);
  if (!smooth) {
    smooth = boxBlur(map.data, map.height, map.width, smoothingRadius(map.height, map.width));
    smoothed.set(map, smooth);
  }
  return smooth;
}

/** Box-blur radius that removes pixel-level speckle but keeps object-level structure. */
export function smoothingRadius(height: number, width: number): number {
  return Math.max(1, Math.round(Math.min(height, width) / 64));
}

/** Mean over a (2r+1)^2 window, clipped at the borders; separable, O(pixels). */
export function boxBlur(data: Float32Array, height: number, width: number, r: number): Float32Array {
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      const lo = Math.max(0, x - r);
      const hi = Math.min(width - 1, x + r);
      for (let k = lo; k <= hi; k++) sum += data[y * width + k]!;
      tmp[y * width + x] = sum / (hi - lo + 1);
    }
  }
  for (let y = 0; y < height; y++) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(height - 1, y + r);
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = lo; k <= hi; k++) sum += tmp[k * width + x]!;
      out[y * width + x] = sum / (hi - lo + 1);
    }
  }
  return out;
}
