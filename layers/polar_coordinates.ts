import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';

/**
 * (x, y) -> (v1, v2, r): direction and distance from a learnable centre c, the input
 * of every polar prior (eqs. 3-5). v = (x - c) / r, and v = 0 at the centre itself.
 * For 3-D input (x, y, z) the polar coordinates are taken within each slice z = const
 * about a centre c(z) = c + z d that moves with z (d learnable too), and z is passed
 * on: (v1, v2, r, z). Every per-slice guarantee of the polar priors then holds in
 * every slice.
 * Along every ray from c, v is exactly constant and r exactly linear, which the
 * star-shaped construction needs: the squared norm is clamped at 1e-30 only, so the
 * gradient stays finite at c while every point farther than 1e-15 is exact.
 */
export class PolarCoordinates extends tf.layers.Layer {
  static className = 'PolarCoordinates';
  private centre: tf.LayerVariable | null = null;
  private drift: tf.LayerVariable | null = null;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const dim = shape[shape.length - 1] as number;
    if (dim !== 2 && dim !== 3) throw new Error(`PolarCoordinates: input must have 2 or 3 coordinates, got ${dim}`);
    this.centre = this.addWeight('centre', [2], 'float32', tf.initializers.zeros());
    if (dim === 3) this.drift = this.addWeight('drift', [2], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** The centre c (in 3-D: c(z) of the slice at z) in this layer's input coordinates. */
  centreValue(z = 0): [number, number] {
    const [cx, cy] = this.centre!.read().dataSync();
    const [dx, dy] = this.drift ? this.drift.read().dataSync() : [0, 0];
    return [cx! + z * dx!, cy! + z * dy!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      if (!this.drift) {
        const d = tf.sub(x, this.centre!.read());
        const r = tf.sqrt(tf.maximum(tf.sum(tf.square(d), 1, true), 1e-30));
        return tf.concat([tf.div(d, r), r], 1);
      }
      const z = tf.slice(x, [0, 2], [-1, 1]);
      const centre = tf.add(this.centre!.read(), tf.mul(z, this.drift.read()));
      const d = tf.sub(tf.slice(x, [0, 0], [-1, 2]), centre);
      const r = tf.sqrt(tf.maximum(tf.sum(tf.square(d), 1, true), 1e-30));
      return tf.concat([tf.div(d, r), r, z], 1);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [shape[0] ?? null, (shape[shape.length - 1] as number) + 1];
  }
}
tf.serialization.registerClass(PolarCoordinates);
