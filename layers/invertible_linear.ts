import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { constantLogDet, FlowLayer, type FlowResult } from './flow_layer.js';
import { invertMatrix, luDecompose, rowTimesMatrix } from './small_matrix.js';

export interface InvertibleLinearArgs extends LayerArgs {
  /**
   * Keep the last coordinate a function of itself alone (t' = a t + b): every slice
   * t = const maps onto a slice, so per-slice guarantees (a connected mask per frame)
   * survive. The other coordinates may still depend on t (motion).
   */
  preserveLast?: boolean;
}

/**
 * y = x W + b with W = L U, L unit lower triangular and U upper triangular with
 * diagonal exp(logDiag): det W = exp(sum logDiag) > 0 for every parameter value, so
 * the map is always invertible (Glow's LU-parameterised 1x1 convolution, without the
 * permutation: orientation-reversing maps are not needed for shapes). The paper's T.
 */
export class InvertibleLinear extends FlowLayer {
  static className = 'InvertibleLinear';
  readonly preserveLast: boolean;
  private dim = 0;
  private lower: tf.LayerVariable | null = null;
  private upper: tf.LayerVariable | null = null;
  private logDiag: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  /** Which entries of the `lower` / `upper` weights are used (masks, not constraints: the others have no effect whatever their value). */
  private lowerMask: number[][] = [];
  private upperMask: number[][] = [];

  constructor(args: InvertibleLinearArgs = {}) {
    super(args);
    this.preserveLast = args.preserveLast ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const d = shape[shape.length - 1] as number;
    this.dim = d;
    this.lower = this.addWeight('lower', [d, d], 'float32', tf.initializers.zeros());
    this.upper = this.addWeight('upper', [d, d], 'float32', tf.initializers.zeros());
    this.logDiag = this.addWeight('log_diag', [d], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [d], 'float32', tf.initializers.zeros());
    const strictly = (keep: (i: number, j: number) => boolean) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (keep(i, j) ? 1 : 0)));
    this.lowerMask = strictly((i, j) => i > j);
    this.upperMask = strictly((i, j) => j > i && !(this.preserveLast && j === d - 1));
    this.built = true;
  }

  /** W = (I + strict lower) (strict upper + diag exp(logDiag)). */
  private weightMatrix(): tf.Tensor2D {
    return tf.tidy(() => {
      const l = tf.add(tf.eye(this.dim), tf.mul(this.lower!.read(), tf.tensor2d(this.lowerMask)));
      const u = tf.add(tf.mul(this.upper!.read(), tf.tensor2d(this.upperMask)), tf.mul(tf.eye(this.dim), tf.exp(this.logDiag!.read())));
      return tf.matMul(l as tf.Tensor2D, u as tf.Tensor2D);
    });
  }

  /** W and b as numbers. */
  matrixValue(): { matrix: number[][]; bias: number[] } {
    const w = this.weightMatrix();
    const matrix = w.arraySync();
    w.dispose();
    return { matrix, bias: this.bias!.read().arraySync() as number[] };
  }

  /**
   * Sets the map to y = (x - shift) M (an affine frame). M must have an LU
   * decomposition with a positive diagonal (true for moment frames, which are
   * symmetric positive definite), and with preserveLast its last column must be
   * zero above the diagonal.
   */
  setAffine(shift: number[], matrix: number[][]): void {
    const d = this.dim;
    if (matrix.length !== d) throw new Error(`InvertibleLinear: expected a ${d}x${d} matrix, got ${matrix.length} rows`);
    if (this.preserveLast && matrix.slice(0, d - 1).some((row) => Math.abs(row[d - 1]!) > 1e-12)) {
      throw new Error('InvertibleLinear: with preserveLast the last coordinate may depend on itself only');
    }
    const { lower, upper } = luDecompose(matrix, 'InvertibleLinear matrix');
    const bias = rowTimesMatrix(shift, matrix).map((v) => -v);
    tf.tidy(() => {
      (this.lower!.read() as tf.Variable).assign(tf.tensor2d(lower));
      (this.upper!.read() as tf.Variable).assign(tf.tensor2d(upper));
      (this.logDiag!.read() as tf.Variable).assign(tf.tensor1d(upper.map((row, i) => Math.log(row[i]!))));
      (this.bias!.read() as tf.Variable).assign(tf.tensor1d(bias));
    });
  }

  protected forwardPass(x: tf.Tensor2D): FlowResult {
    // A d x d right factor (d <= 3): tiny, no custom gradient needed.
    return { output: tf.add(tf.matMul(x, this.weightMatrix()), this.bias!.read()), logDet: constantLogDet(x.shape[0], tf.sum(this.logDiag!.read())) };
  }

  /** Inverted in numbers (d <= 3): the certificate and the flow's start use it, never a gradient. */
  protected backwardPass(y: tf.Tensor2D): FlowResult {
    const { matrix, bias } = this.matrixValue();
    const inv = invertMatrix(matrix, 'InvertibleLinear matrix');
    return { output: tf.matMul(tf.sub(y, tf.tensor1d(bias)), tf.tensor2d(inv)), logDet: constantLogDet(y.shape[0], tf.neg(tf.sum(this.logDiag!.read()))) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), preserveLast: this.preserveLast };
  }
}
tf.serialization.registerClass(InvertibleLinear);
