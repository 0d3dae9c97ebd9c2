/** One Monte-Carlo batch of pixels: coordinates, target likelihoods and loss weights. */
export interface PointBatch {
  count: number;
  /** Coordinates per point (2, or 3 for (x, y, z)). */
  dim: number;
  points: Float32Array;
  targets: Float32Array;
  weights: Float32Array;
}

/**
 * Draws one pixel from each of `count` equal runs of the raster (stratified
 * sampling): every part of the image is visited every step, which gives a much less
 * noisy estimate of the full-grid objective of eq. 9 than independent uniform draws
 * of the same cost. Runs differ in length by at most one pixel; each sample is
 * weighted by its run's length relative to the mean, so the batch mean stays an
 * exactly unbiased estimate of the full-grid mean.
 */
export class PointSampler {
  private readonly pixels: number;
  private everyPixel: PointBatch | null = null;

  /** `pixelWeights[i]` is the loss weight of pixel i (see classWeights in fit_prior.ts). */
  constructor(
    private readonly coords: Float32Array,
    private readonly dim: number,
    private readonly likelihood: Float32Array,
    private readonly pixelWeights: Float32Array,
    private readonly rng: () => number,
  ) {
    this.pixels = likelihood.length;
  }

  /** Every pixel once, in order: the exact objective (cached, it never changes). */
  all(): PointBatch {
    if (!this.everyPixel) {
      const count = this.pixels;
      const targets = Float32Array.from(this.likelihood);
      const weights = this.pixelWeights;
      this.everyPixel = { count, dim: this.dim, points: this.coords, targets, weights };
    }
    return this.everyPixel;
  }

  sample(count: number): PointBatch {
    const dim = this.dim;
    const points = new Float32Array(count * dim);
    const targets = new Float32Array(count);
    const weights = new Float32Array(count);
    const meanRun = this.pixels / count;
    for (let i = 0; i < count; i++) {
      const start = Math.floor((i * this.pixels) / count);
      const end = Math.floor(((i + 1) * this.pixels) / count);
      const run = end - start;
      if (run === 0) {
        // More samples than pixels: this stratum is empty and contributes nothing.
        weights[i] = 0;
        continue;
      }
      const p = start + Math.floor(this.rng() * run);
      for (let d = 0; d < dim; d++) points[dim * i + d] = this.coords[dim * p + d]!;
      targets[i] = this.likelihood[p]!;
      weights[i] = (this.pixelWeights[p]! * run) / meanRun;
    }
    return { count, dim, points, targets, weights };
  }
}

/**
 * Batches of equally many pixels each (the slices of a stack) as one batch whose
 * weighted mean is the mean over every pixel: each batch's mean is its own pixels'
 * mean, so its weights are rescaled by (total count) / (batches x its count).
 */
export function concatBatches(batches: PointBatch[]): PointBatch {
  if (batches.length === 1) return batches[0]!;
  const dim = batches[0]!.dim;
  const count = batches.reduce((a, b) => a + b.count, 0);
  const points = new Float32Array(count * dim);
  const targets = new Float32Array(count);
  const weights = new Float32Array(count);
  let at = 0;
  for (const b of batches) {
    points.set(b.points, at * dim);
    targets.set(b.targets, at);
    const scale = count / (batches.length * b.count);
    for (let i = 0; i < b.count; i++) weights[at + i] = b.weights[i]! * scale;
    at += b.count;
  }
  return { count, dim, points, targets, weights };
}
