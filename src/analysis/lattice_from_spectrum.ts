import FFT from 'fft.js';
import type { ProbabilityMap } from '../probability_map.js';

/** Samples per side of the grid the spectrum is taken on (a power of two, for the FFT). */
const GRID = 64;

/**
 * The two strongest non-collinear frequency vectors of the map (radians per frame
 * unit): the starting lattice of a periodic prior. Gradient descent cannot find a
 * frequency from far away (the loss oscillates in it), so the fit starts from the
 * peaks of the map's 2-D spectrum, here taken on a 64x64 resampling of the image.
 * Frequencies below 2 cycles per image are skipped (illumination, not texture).
 * With a single direction of periodicity (stripes) the second vector is the
 * perpendicular at 1 cycle per image.
 */
export function latticeFromSpectrum(map: ProbabilityMap): [[number, number], [number, number]] {
  const { height, width } = map;
  // Area-average onto GRID x GRID cells spanning the image (anisotropic when not square).
  const sum = new Float64Array(GRID * GRID);
  const cnt = new Float64Array(GRID * GRID);
  for (let r = 0; r < height; r++) {
    const gr = Math.min(GRID - 1, Math.floor(((r + 0.5) * GRID) / height));
    for (let c = 0; c < width; c++) {
      const k = gr * GRID + Math.min(GRID - 1, Math.floor(((c + 0.5) * GRID) / width));
      sum[k] = sum[k]! + map.data[r * width + c]!;
      cnt[k] = cnt[k]! + 1;
    }
  }
  const grid = sum.map((v, i) => (cnt[i]! > 0 ? v / cnt[i]! : 0));
  const mean = grid.reduce((a, v) => a + v, 0) / grid.length;
  const power = spectrum2d(grid.map((v) => v - mean));
  // Peaks over half the plane (a real signal's spectrum is symmetric), |k| >= 2.
  const peaks: Array<{ kx: number; ky: number; p: number }> = [];
  for (let ky = -GRID / 2 + 1; ky < GRID / 2; ky++) {
    for (let kx = 0; kx < GRID / 2; kx++) {
      if (kx === 0 && ky <= 0) continue;
      if (Math.hypot(kx, ky) < 2) continue;
      peaks.push({ kx, ky, p: power[((ky + GRID) % GRID) * GRID + kx]! });
    }
  }
  peaks.sort((a, b) => b.p - a.p);
  const first = peaks[0]!;
  // The strongest peak that is not (nearly) parallel to the first, i.e. not one of its harmonics.
  const second = peaks.find((q) => Math.abs(q.kx * first.ky - q.ky * first.kx) > 0.25 * Math.hypot(q.kx, q.ky) * Math.hypot(first.kx, first.ky) && q.p > 0.05 * first.p);
  // Cycles per image -> radians per frame unit: the image spans 2 * width / max(h, w) frame units across.
  const frameW = (2 * width) / Math.max(height, width);
  const frameH = (2 * height) / Math.max(height, width);
  const toFrame = (kx: number, ky: number): [number, number] => [(2 * Math.PI * kx) / frameW, (2 * Math.PI * ky) / frameH];
  const a = toFrame(first.kx, first.ky);
  if (second) return [a, toFrame(second.kx, second.ky)];
  const norm = Math.hypot(...a);
  return [a, [(-a[1] / norm) * ((2 * Math.PI) / Math.max(frameW, frameH)), (a[0] / norm) * ((2 * Math.PI) / Math.max(frameW, frameH))]];
}

/** |DFT|^2 of a GRID x GRID real image, row-major, by row and column FFTs. */
function spectrum2d(image: Float64Array): Float64Array {
  const fft = new FFT(GRID);
  const re = new Float64Array(GRID * GRID);
  const im = new Float64Array(GRID * GRID);
  const out = fft.createComplexArray() as number[];
  const line = fft.createComplexArray() as number[];
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      line[2 * c] = image[r * GRID + c]!;
      line[2 * c + 1] = 0;
    }
    fft.transform(out, line);
    for (let c = 0; c < GRID; c++) {
      re[r * GRID + c] = out[2 * c]!;
      im[r * GRID + c] = out[2 * c + 1]!;
    }
  }
  const power = new Float64Array(GRID * GRID);
  for (let c = 0; c < GRID; c++) {
    for (let r = 0; r < GRID; r++) {
      line[2 * r] = re[r * GRID + c]!;
      line[2 * r + 1] = im[r * GRID + c]!;
    }
    fft.transform(out, line);
    for (let r = 0; r < GRID; r++) power[r * GRID + c] = out[2 * r]! ** 2 + out[2 * r + 1]! ** 2;
  }
  return power;
}
