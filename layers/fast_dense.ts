import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { explicitTransposeMatMul } from './explicit_transpose_matmul.js';

export type FastDenseActivation = 'linear' | 'relu' | 'tanh' | 'softplus' | 'leakyRelu';
const ACTIVATIONS: readonly FastDenseActivation[] = ['linear', 'relu', 'tanh', 'softplus', 'leakyRelu'];

export interface FastDenseArgs extends LayerArgs {
  units: number;
  activation?: FastDenseActivation;
  /** Start with zero weights and bias, so the layer outputs 0 (e.g. a residual branch that starts switched off). */
  zeroInit?: boolean;
  seed?: number;
}

/**
 * A dense layer, act(x W + b), whose gradient uses explicit transposes: the plain
 * `tf.layers.dense` gradient asks wasm for transposed matMuls, ~8x slower. Used for
 * the unconstrained parts of priors (direction nets, symmetric shape nets).
 */
export class FastDense extends tf.layers.Layer {
  static className = 'FastDense';
  readonly units: number;
  readonly activation: FastDenseActivation;
  readonly zeroInit: boolean;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: FastDenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`FastDense: units must be a positive integer, got ${args.units}`);
    const activation = args.activation ?? 'linear';
    if (!ACTIVATIONS.includes(activation)) throw new Error(`FastDense: activation must be one of ${ACTIVATIONS.join(', ')}, got ${activation}`);
    this.units = args.units;
    this.activation = activation;
    this.zeroInit = args.zeroInit ?? false;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const inDim = shape[shape.length - 1] as number;
    const init = this.zeroInit ? tf.initializers.zeros() : tf.initializers.glorotUniform({ seed: this.seed });
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', init);
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
      // Inputs of rank > 2 ([B, H, W, C]: a per-pixel net) act on their last axis, as a 2-D product.
      const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[x.rank - 1]!]) as tf.Tensor2D;
      const product = tf.add(explicitTransposeMatMul(flat, this.kernel!.read() as tf.Tensor2D), this.bias!.read());
      const pre = x.rank === 2 ? product : tf.reshape(product, [...x.shape.slice(0, -1), this.units]);
      switch (this.activation) {
        case 'linear': return pre;
        case 'relu': return tf.relu(pre);
        case 'tanh': return tf.tanh(pre);
        case 'softplus': return tf.softplus(pre);
        case 'leakyRelu': return tf.leakyRelu(pre, 0.2);
      }
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activation, zeroInit: this.zeroInit, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(FastDense);
