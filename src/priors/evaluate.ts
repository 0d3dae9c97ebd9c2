import * as tf from '@tensorflow/tfjs';
import { gridCoordinates } from '../coordinates.js';
import type { CertifyOptions, ImplicitPrior } from './implicit_prior.js';

/** Rows per forward pass: bounds peak memory for any image size. */
const CHUNK_ROWS = 32768;

/** F at each row of `coords` ([N, dim], row-major), evaluated in chunks. */
export function evaluateScores(prior: ImplicitPrior, coords: Float32Array, dim: number): Float32Array {
  const n = coords.length / dim;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - start);
    const chunk = tf.tidy(() => {
      const pts = tf.tensor2d(coords.subarray(start * dim, (start + rows) * dim), [rows, dim]);
      return prior.score(pts);
    });
    out.set(chunk.dataSync() as Float32Array, start);
    chunk.dispose();
  }
  return out;
}

/**
 * The prior's mask on an H x W grid (1 = foreground, i.e. F <= 0). Any size may be
 * requested: the frame is resolution independent, so a 2x grid of the same image
 * super-samples the same shape.
 */
export function evaluateMask(prior: ImplicitPrior, height: number, width: number): Uint8Array {
  const scores = evaluateScores(prior, gridCoordinates(height, width), 2);
  const mask = new Uint8Array(scores.length);
  for (let i = 0; i < mask.length; i++) mask[i] = scores[i]! <= 0 ? 1 : 0;
  return mask;
}

/** Foreground probability sigma(-F) on an H x W grid. */
export function evaluateProbability(prior: ImplicitPrior, height: number, width: number): Float32Array {
  const scores = evaluateScores(prior, gridCoordinates(height, width), 2);
  return scores.map((f) => 1 / (1 + Math.exp(f)));
}

/** Samples points of the frame (plus a margin: the guarantee is not limited to the image). */
export function sampleFramePoints(count: number, dim: number, options: CertifyOptions, rng: () => number): Float32Array {
  const h = options.height ?? 1;
  const w = options.width ?? 1;
  const half = [w / Math.max(h, w), h / Math.max(h, w)];
  const margin = 1.25;
  const pts = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) {
      const extent = d < 2 ? half[d]! : 1;
      pts[i * dim + d] = (rng() * 2 - 1) * extent * margin;
    }
  }
  return pts;
}

/**
 * `samples` random points of the frame (see sampleFramePoints) with their scores, and
 * the indices of those inside the set {F <= 0}: the raw material of the certificates.
 */
export function sampleInside(prior: ImplicitPrior, dim: number, options: CertifyOptions, rng: () => number): { points: Float32Array; inside: number[] } {
  const samples = options.samples ?? 20000;
  const points = sampleFramePoints(samples, dim, options, rng);
  const scores = evaluateScores(prior, points, dim);
  const inside: number[] = [];
  for (let i = 0; i < samples; i++) if (scores[i]! <= 0) inside.push(i);
  return { points, inside };
}
