import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { invertMatrix, rowTimesMatrix } from './small_matrix.js';

/**
 * y = (x - shift) M, with `shift` and `M` fixed, not trained: a data-dependent input
 * normalisation in the spirit of Glow's ActNorm. Prior fits set it from the moments of
 * the likelihood map, so the net works in coordinates where the object is a unit disc
 * whatever its size, place and elongation; the optimiser's step size then means the
 * same for every image. An affine map of the input keeps every shape class of the
 * paper (convex sets stay convex), so the guarantee is unaffected.
 */
export class AffineNormalization extends tf.layers.Layer {
  static className = 'AffineNormalization';
  private shift: tf.LayerVariable | null = null;
  private matrix: tf.LayerVariable | null = null;

  constructor(args: LayerArgs = {}) {
    super({ ...args, trainable: false });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const dim = shape[shape.length - 1] as number;
    this.shift = this.addWeight('shift', [dim], 'float32', tf.initializers.zeros(), undefined, false);
    this.matrix = this.addWeight('matrix', [dim, dim], 'float32', tf.initializers.identity({}), undefined, false);
    this.built = true;
  }

  /** Sets the map; `matrix` is row-major [dim][dim]. */
  setTransform(shift: number[], matrix: number[][]): void {
    this.setWeights([tf.tensor1d(shift), tf.tensor2d(matrix)]);
  }

  /** The map for one point: y = (x - shift) M. */
  fromInput(x: number[]): number[] {
    const m = this.matrix!.read().arraySync() as number[][];
    const shift = this.shift!.read().arraySync() as number[];
    return rowTimesMatrix(x.map((v, i) => v - shift[i]!), m);
  }

  /** The inverse map for one point: x = y M^-1 + shift (M is 2x2 or 3x3 and invertible). */
  toInput(y: number[]): number[] {
    const m = this.matrix!.read().arraySync() as number[][];
    const shift = this.shift!.read().arraySync() as number[];
    return rowTimesMatrix(y, invertMatrix(m, 'AffineNormalization matrix')).map((v, i) => v + shift[i]!);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      // The matrix is [dim, dim] with dim <= 3: the product is tiny, no custom gradient needed.
      return tf.matMul(tf.sub(x, this.shift!.read()), this.matrix!.read() as tf.Tensor2D);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }
}
tf.serialization.registerClass(AffineNormalization);
