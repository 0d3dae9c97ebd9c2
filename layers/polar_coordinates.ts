import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';

/**
 * (x, y) -> (v1, v2, r): direction and distance from a learnable centre c, the input
 * of every polar prior (eqs. 3-5). v = (x - c) / r, and v = 0 at the centre itself.
 * Along every ray from c, v is exactly constant and r exactly linear, which the
 * star-shaped construction needs: the squared norm is clamped at 1e-30 only, so the
 * gradient stays finite at c while every point farther than 1e-15 is exact.
 */
export class PolarCoordinates extends tf.layers.Layer {
  static className = 'PolarCoordinates';
  private centre: tf.LayerVariable | null = null;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(): void {
    this.centre = this.addWeight('centre', [2], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** The centre c in this layer's input coordinates. */
  centreValue(): [number, number] {
    const [cx, cy] = this.centre!.read().dataSync();
    return [cx!, cy!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const d = tf.sub(x, this.centre!.read());
      const r = tf.sqrt(tf.maximum(tf.sum(tf.square(d), 1, true), 1e-30));
      return tf.concat([tf.div(d, r), r], 1);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0] ?? null, 3];
  }
}
tf.serialization.registerClass(PolarCoordinates);
