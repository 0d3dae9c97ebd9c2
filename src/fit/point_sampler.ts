/** One Monte-Carlo batch of pixels: coordinates, target likelihoods and loss weights. */
export interface PointBatch {
  count: number;
  points: Float32Array;
  targets: Float32Array;
  weights: Float32Array;
}

/**
 * Draws pixels uniformly with replacement, so the batch mean of the weighted squared
 * error is an unbiased estimate of the full-grid objective of eq. 9.
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
    for (let i = 0; i < count; i++) {
      const p = Math.floor(this.rng() * this.pixels);
      points[2 * i] = this.coords[2 * p]!;
      points[2 * i + 1] = this.coords[2 * p + 1]!;
      targets[i] = this.likelihood[p]!;
      weights[i] = this.pixelWeights[p]!;
    }
    return { count, points, targets, weights };
  }
}
