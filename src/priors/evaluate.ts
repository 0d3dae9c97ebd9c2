import * as tf from '@tensorflow/tfjs';
import { gridCoordinates } from '../coordinates.js';
import type { CertifyOptions, ImplicitPrior } from './implicit_prior.js';
import { InputError } from '../errors.js';
import { certifySamples } from './certificate.js';

/** Rows per forward pass: bounds peak memory for any image size. */
const CHUNK_ROWS = 32768;

/** F at each row of `coords` ([N, dim], row-major), evaluated in chunks. */
export function evaluateScores(prior: ImplicitPrior, coords: Float32Array, dim: number): Float32Array {
  return evaluateInChunks((points) => prior.score(points), coords, dim);
}

/** A function of [N, dim] points (one value each) at each row of `coords`, in chunks that bound peak memory. */
export function evaluateInChunks(fn: (points: tf.Tensor2D) => tf.Tensor, coords: Float32Array, dim: number): Float32Array {
  const n = coords.length / dim;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - start);
    const chunk = tf.tidy(() => {
      const pts = tf.tensor2d(coords.subarray(start * dim, (start + rows) * dim), [rows, dim]);
      return fn(pts);
    });
    out.set(chunk.dataSync() as Float32Array, start);
    chunk.dispose();
  }
  return out;
}

/**
 * Frame coordinates of every pixel of an H x W grid; with `third`, (x, y, z) for a
 * 3-D prior: z one number for the whole slice (a time) or one per pixel (a depth).
 */
export function sliceCoordinates(height: number, width: number, third?: number | Float32Array): { coords: Float32Array; dim: 2 | 3 } {
  const grid = gridCoordinates(height, width);
  if (third === undefined) return { coords: grid, dim: 2 };
  if (typeof third !== 'number' && third.length !== height * width) throw new InputError(`third coordinate has ${third.length} values for a ${width}x${height} grid`);
  const coords = new Float32Array(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    coords[3 * i] = grid[2 * i]!;
    coords[3 * i + 1] = grid[2 * i + 1]!;
    coords[3 * i + 2] = typeof third === 'number' ? third : third[i]!;
  }
  return { coords, dim: 3 };
}

/** F on an H x W grid (2-D prior), or on the slice at `third` of a 3-D prior (see sliceCoordinates). */
export function evaluateGridScores(prior: ImplicitPrior, height: number, width: number, third?: number | Float32Array): Float32Array {
  const dim = prior.model.inputs[0]!.shape[1];
  if ((third === undefined) !== (dim === 2)) {
    throw new InputError(dim === 2 ? 'a 2-D prior takes no third coordinate' : 'a 3-D prior needs the third coordinate (time or depth) of the slice to evaluate');
  }
  const { coords } = sliceCoordinates(height, width, third);
  return evaluateScores(prior, coords, dim as number);
}

/**
 * The prior's mask on an H x W grid (1 = foreground, i.e. F <= 0); for a 3-D prior,
 * of the slice at `third` (any time, also one never fitted). Any size may be
 * requested: the frame is resolution independent, so a 2x grid of the same image
 * super-samples the same shape. A prior's own raster rule applies (see
 * ImplicitPrior.rasterMask).
 */
export function evaluateMask(prior: ImplicitPrior, height: number, width: number, third?: number | Float32Array): Uint8Array {
  const mask = (third === undefined ? prior.gridMask?.(height, width) : null) ?? Uint8Array.from(evaluateGridScores(prior, height, width, third), (f) => (f <= 0 ? 1 : 0));
  // A per-pixel depth is no slice of the prior's space: its mask keeps every pixel.
  return prior.rasterMask && !(third instanceof Float32Array) ? prior.rasterMask(mask, height, width) : mask;
}

/** Foreground probability sigma(-F) on an H x W grid. */
export function evaluateProbability(prior: ImplicitPrior, height: number, width: number, third?: number | Float32Array): Float32Array {
  const scores = evaluateGridScores(prior, height, width, third);
  return scores.map((f) => 1 / (1 + Math.exp(f)));
}

/** Samples points of the frame (plus a margin: the guarantee is not limited to the image). */
export function sampleFramePoints(count: number, dim: number, options: CertifyOptions, rng: () => number): Float32Array {
  const h = options.height ?? 1;
  const w = options.width ?? 1;
  const half = [w / Math.max(h, w), h / Math.max(h, w)];
  const margin = 1.25;
  const [lo, hi] = options.thirdRange ?? [-1, 1];
  const pts = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) {
      // The third coordinate's range is its own (times, depths): sampled as given, with the same margin.
      pts[i * dim + d] = d < 2 ? (rng() * 2 - 1) * half[d]! * margin : (lo + hi) / 2 + (rng() - 0.5) * (hi - lo) * margin;
    }
  }
  return pts;
}

/**
 * `samples` random points of the frame (see sampleFramePoints) with their scores, and
 * the indices of those inside the set {F <= 0}: the raw material of the certificates.
 */
export function sampleInside(prior: ImplicitPrior, dim: number, options: CertifyOptions, rng: () => number): { points: Float32Array; inside: number[] } {
  const samples = certifySamples(options);
  const points = sampleFramePoints(samples, dim, options, rng);
  const scores = evaluateScores(prior, points, dim);
  const inside: number[] = [];
  for (let i = 0; i < samples; i++) if (scores[i]! <= 0) inside.push(i);
  return { points, inside };
}
