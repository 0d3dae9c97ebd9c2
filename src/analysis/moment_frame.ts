import { gridCoordinates } from '../coordinates.js';
import type { ProbabilityMap } from '../probability_map.js';
import { dataDim, isSliceStack, thirdAt, type LikelihoodData, type Slice } from '../slice_stack.js';

/** An affine input normalisation y = (x - shift) M (see AffineNormalization). */
export interface AffineFrame {
  shift: number[];
  matrix: number[][];
}

/**
 * The affine map that sends the moment ellipse (ellipsoid) of the foreground to the
 * unit disc (ball): M = C^-1/2 / 2, since for a uniformly filled ellipse mean +- 2
 * standard deviations along each principal axis is its boundary. The maps are
 * box-blurred before thresholding so that salt-and-pepper noise does not inflate
 * the moments. Falls back to the identity when there is no foreground.
 */
export function momentFrame(data: LikelihoodData): AffineFrame {
  const m = foregroundMoments(data);
  if (!m) return identityFrame(dataDim(data));
  return frameOfMoments(m.mean, m.cov);
}

/** The frame that sends the uniformly filled ellipse (ellipsoid) of this mean and covariance to the unit disc (ball): M = C^-1/2 / 2. */
export function frameOfMoments(mean: number[], cov: number[][]): AffineFrame {
  return { shift: mean, matrix: inverseSqrt(cov).map((row) => row.map((v) => v / 2)) };
}

/**
 * momentFrame for priors whose guarantee holds per slice of the third coordinate
 * (z = time or depth): the (x, y) moment frame and z scaled on its own, with no
 * term mixing z and (x, y), so every slice z = const stays a slice. The same as
 * momentFrame for a 2-D map.
 */
export function sliceFrame(data: LikelihoodData): AffineFrame {
  const m = foregroundMoments(data);
  if (!m || dataDim(data) === 2) return m ? momentFrame(data) : identityFrame(dataDim(data));
  const xy = inverseSqrt([[m.cov[0]![0]!, m.cov[0]![1]!], [m.cov[1]![0]!, m.cov[1]![1]!]]);
  return { shift: m.mean, matrix: blockDiagonal(xy.map((row) => row.map((v) => v / 2)), thirdScale(m.cov)) };
}

/**
 * Like momentFrame, but a similarity in (x, y) (translation and one scale): the
 * foreground's mean goes to 0 and its mean-square radius to that of the unit disc.
 * Reflections and rotations about a point keep their meaning under it, which the
 * symmetry priors need (an anisotropic scale would turn a mirror image into a skewed
 * one). In 3-D, z is scaled on its own as in sliceFrame.
 */
export function similarityFrame(data: LikelihoodData): AffineFrame {
  const m = foregroundMoments(data);
  const dim = dataDim(data);
  if (!m) return identityFrame(dim);
  // For a uniform disc of radius R, each axis has variance R^2 / 4.
  const scale = 1 / (2 * Math.sqrt((m.cov[0]![0]! + m.cov[1]![1]!) / 2));
  const xy = [[scale, 0], [0, scale]];
  return { shift: m.mean, matrix: dim === 2 ? xy : blockDiagonal(xy, thirdScale(m.cov)) };
}

function identityFrame(dim: number): AffineFrame {
  return { shift: new Array<number>(dim).fill(0), matrix: Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? 1 : 0))) };
}

/** z's scale: its +-2 standard deviations (of the foreground) to [-1, 1]. */
function thirdScale(cov: number[][]): number {
  return 1 / (2 * Math.sqrt(Math.max(cov[2]![2]!, 1e-12)));
}

function blockDiagonal(xy: number[][], z: number): number[][] {
  return [[xy[0]![0]!, xy[0]![1]!, 0], [xy[1]![0]!, xy[1]![1]!, 0], [0, 0, z]];
}

/** C^-1/2 of a symmetric positive semi-definite matrix (eigenvalues floored at 1e-12), by Jacobi rotations. */
export function inverseSqrt(c: number[][]): number[][] {
  const n = c.length;
  const a = c.map((row) => [...row]);
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = 0.5 * Math.atan2(2 * a[p]![q]!, a[q]![q]! - a[p]![p]!);
        const cs = Math.cos(theta);
        const sn = Math.sin(theta);
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = cs * akp - sn * akq;
          a[k]![q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = cs * apk - sn * aqk;
          a[q]![k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = cs * vkp - sn * vkq;
          v[k]![q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  const d = a.map((row, i) => 1 / Math.sqrt(Math.max(row[i]!, 1e-12)));
  // V diag(d) V^T: symmetric, so the row-vector form (x - mu) M needs no transpose.
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => v[i]!.reduce((acc, vik, k) => acc + vik * d[k]! * v[j]![k]!, 0)));
}

/**
 * Frame coordinates (x, y[, z]) of every pixel whose box-blurred likelihood is >= 0.5,
 * over every slice of a stack. Blurring first keeps salt-and-pepper noise out.
 */
export function foregroundPoints(data: LikelihoodData): { dim: 2 | 3; count: number; points: Float32Array } {
  const dim = dataDim(data);
  const slices: Slice[] = isSliceStack(data) ? [...data.slices] : [{ map: data, third: 0 }];
  const coords = gridCoordinates(data.height, data.width);
  const out: number[] = [];
  for (const slice of slices) {
    const smooth = smoothedMap(slice.map);
    for (let i = 0; i < smooth.length; i++) {
      if (smooth[i]! < 0.5) continue;
      out.push(coords[2 * i]!, coords[2 * i + 1]!);
      if (dim === 3) out.push(thirdAt(slice, i));
    }
  }
  return { dim, count: out.length / dim, points: Float32Array.from(out) };
}

/**
 * Mean and covariance (frame coordinates) of the foreground pixels (see
 * foregroundPoints), or null when there are fewer than 3.
 */
export function foregroundMoments(data: LikelihoodData): { mean: number[]; cov: number[][] } | null {
  const { dim, count, points } = foregroundPoints(data);
  if (count < 3) return null;
  const mean = new Array<number>(dim).fill(0);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) mean[d]! += points[i * dim + d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= count;
  const cov = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < dim; a++) {
      const da = points[i * dim + a]! - mean[a]!;
      for (let b = a; b < dim; b++) cov[a]![b]! += da * (points[i * dim + b]! - mean[b]!);
    }
  }
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) cov[b]![a] = cov[a]![b]! /= count;
  // A pixel's own extent keeps a one-pixel-wide object from giving a singular matrix.
  const pixelVar = (2 / Math.max(data.height, data.width)) ** 2 / 12;
  cov[0]![0]! += pixelVar;
  cov[1]![1]! += pixelVar;
  return { mean, cov };
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

/** Mean over a (2r+1)^2 window, clipped at the borders; separable, with running sums: O(pixels) whatever r. */
export function boxBlur(data: Float32Array, height: number, width: number, r: number): Float32Array {
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  // Prefix sums in float64: differences of large sums keep float32 precision.
  const rowPrefix = new Float64Array(width + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rowPrefix[x + 1] = rowPrefix[x]! + data[y * width + x]!;
    for (let x = 0; x < width; x++) {
      const lo = Math.max(0, x - r);
      const hi = Math.min(width - 1, x + r);
      tmp[y * width + x] = (rowPrefix[hi + 1]! - rowPrefix[lo]!) / (hi - lo + 1);
    }
  }
  const colPrefix = new Float64Array((height + 1) * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) colPrefix[(y + 1) * width + x] = colPrefix[y * width + x]! + tmp[y * width + x]!;
  for (let y = 0; y < height; y++) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(height - 1, y + r);
    for (let x = 0; x < width; x++) out[y * width + x] = (colPrefix[(hi + 1) * width + x]! - colPrefix[lo * width + x]!) / (hi - lo + 1);
  }
  return out;
}
