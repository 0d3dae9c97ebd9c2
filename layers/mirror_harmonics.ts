import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';

export interface MirrorHarmonicsArgs extends LayerArgs {
  /** Harmonics m = 1..H. */
  harmonics?: number;
  /** Also output r as the last column (for nets that may depend on r freely). */
  appendRadius?: boolean;
}

/**
 * (v1, v2, r) -> [cos(m (theta - alpha))] for m = 1..H, with a learnable axis angle
 * alpha. These are exactly the functions of the direction that are even about the
 * axis through the polar centre at angle alpha, so whatever a net computes from them
 * (and r) is mirror symmetric about that axis (eq. 4); a smooth form of the paper's
 * fold v1 <- |v1| after rotating by alpha. Computed as the real parts of powers of
 * the rotated direction (no atan2). At the centre (v = 0) all features are 0.
 */
export class MirrorHarmonics extends tf.layers.Layer {
  static className = 'MirrorHarmonics';
  readonly harmonics: number;
  readonly appendRadius: boolean;
  private angle: tf.LayerVariable | null = null;

  constructor(args: MirrorHarmonicsArgs = {}) {
    super(args);
    this.harmonics = args.harmonics ?? 4;
    this.appendRadius = args.appendRadius ?? false;
    if (!Number.isInteger(this.harmonics) || this.harmonics < 1) throw new Error(`MirrorHarmonics: harmonics must be a positive integer, got ${this.harmonics}`);
  }

  override build(): void {
    this.angle = this.addWeight('axis_angle', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** The axis angle alpha (radians, in this layer's input coordinates). */
  axisAngle(): number {
    return this.angle!.read().dataSync()[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const polar = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const a = this.angle!.read();
      const [ca, sa] = [tf.cos(a), tf.sin(a)];
      const v1 = polar.slice([0, 0], [-1, 1]);
      const v2 = polar.slice([0, 1], [-1, 1]);
      // v rotated by -alpha: (re, im) = (cos(theta - alpha), sin(theta - alpha)) * |v|.
      const re = tf.add(tf.mul(v1, ca), tf.mul(v2, sa));
      const im = tf.sub(tf.mul(v2, ca), tf.mul(v1, sa));
      let pr: tf.Tensor = re;
      let pi: tf.Tensor = im;
      const features: tf.Tensor[] = [re];
      for (let m = 2; m <= this.harmonics; m++) {
        [pr, pi] = [tf.sub(tf.mul(pr, re), tf.mul(pi, im)), tf.add(tf.mul(pr, im), tf.mul(pi, re))];
        features.push(pr);
      }
      if (this.appendRadius) features.push(polar.slice([0, 2], [-1, 1]));
      // A slice coordinate (3-D polar input: (v1, v2, r, z)) passes through: the net may depend on z freely.
      if (polar.shape[1]! > 3) features.push(polar.slice([0, 3], [-1, -1]));
      return tf.concat(features, 1);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [shape[0] ?? null, this.harmonics + (this.appendRadius ? 1 : 0) + ((shape[1] as number) - 3)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), appendRadius: this.appendRadius, harmonics: this.harmonics };
  }
}
tf.serialization.registerClass(MirrorHarmonics);
