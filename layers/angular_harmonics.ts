import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';

export interface AngularHarmonicsArgs extends LayerArgs {
  /** k: the features repeat after a rotation by 2*pi/k (k = 1: no symmetry). */
  folds?: number;
  /** Harmonics m = 1..H of the base frequency k. */
  harmonics?: number;
  /** Also output r as the last column (for nets that may depend on r freely). */
  appendRadius?: boolean;
}

/**
 * (v1, v2, r) -> [cos(m k theta), sin(m k theta)] for m = 1..H, where v = (cos theta,
 * sin theta). Computed as powers of the complex number v1 + i v2 (no atan2, smooth
 * everywhere). Every feature has period 2*pi/k in theta, so whatever a net computes
 * from them is k-fold rotation symmetric about the polar centre (eq. 5); with k = 1
 * they are a smooth encoding of a direction. At the centre (v = 0) all features are 0.
 */
export class AngularHarmonics extends tf.layers.Layer {
  static className = 'AngularHarmonics';
  readonly folds: number;
  readonly harmonics: number;
  readonly appendRadius: boolean;

  constructor(args: AngularHarmonicsArgs = {}) {
    super(args);
    this.folds = args.folds ?? 1;
    this.harmonics = args.harmonics ?? 4;
    this.appendRadius = args.appendRadius ?? false;
    if (!Number.isInteger(this.folds) || this.folds < 1) throw new Error(`AngularHarmonics: folds must be a positive integer, got ${this.folds}`);
    if (!Number.isInteger(this.harmonics) || this.harmonics < 1) throw new Error(`AngularHarmonics: harmonics must be a positive integer, got ${this.harmonics}`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const polar = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const re = polar.slice([0, 0], [-1, 1]);
      const im = polar.slice([0, 1], [-1, 1]);
      // (re + i im)^j by repeated multiplication; keep the powers that are multiples of k.
      let pr: tf.Tensor = re;
      let pi: tf.Tensor = im;
      const features: tf.Tensor[] = [];
      for (let j = 1; j <= this.folds * this.harmonics; j++) {
        if (j > 1) [pr, pi] = [tf.sub(tf.mul(pr, re), tf.mul(pi, im)), tf.add(tf.mul(pr, im), tf.mul(pi, re))];
        if (j % this.folds === 0) features.push(pr, pi);
      }
      if (this.appendRadius) features.push(polar.slice([0, 2], [-1, 1]));
      // A slice coordinate (3-D polar input: (v1, v2, r, z)) passes through: the net may depend on z freely.
      if (polar.shape[1]! > 3) features.push(polar.slice([0, 3], [-1, -1]));
      return tf.concat(features, 1);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [shape[0] ?? null, 2 * this.harmonics + (this.appendRadius ? 1 : 0) + ((shape[1] as number) - 3)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), appendRadius: this.appendRadius, folds: this.folds, harmonics: this.harmonics };
  }
}
tf.serialization.registerClass(AngularHarmonics);
