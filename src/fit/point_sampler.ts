/** One Monte-Carlo batch of pixels: coordinates, target likelihoods and loss weights. */
export interface PointBatch {
  count: number;
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
      this.everyPixel = { count, points: this.coords, targets, weights };
    }
    return this.everyPixel;
  }

  sample(count: number): PointBatch {
    const points = new Float32Array(count * 2);
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
      points[2 * i] = this.coords[2 * p]!;
      points[2 * i + 1] = this.coords[2 * p + 1]!;
      targets[i] = this.likelihood[p]!;
      weights[i] = (this.pixelWeights[p]! * run) / meanRun;
    }
    return { count, points, targets, weights };
  }
}
