import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { explicitTransposeMatMul } from './explicit_transpose_matmul.js';

/** Activations allowed inside an input-convex net: convex and non-decreasing (or the identity, for the output). */
export type ConvexActivation = 'relu' | 'softplus' | 'linear';
const CONVEX_ACTIVATIONS: readonly ConvexActivation[] = ['relu', 'softplus', 'linear'];

export interface InputConvexDenseArgs extends LayerArgs {
  units: number;
  activation?: ConvexActivation;
  /** Scale of the non-negative uniform initialisation of the z-weights, relative to 1/fanIn. */
  zInitScale?: number;
  /** Seed of the weight initialisers (for reproducible fits). */
  seed?: number;
}

/**
 * One layer of an input-convex neural network (Amos et al. 2017, eq. 1 of the paper):
 *
 *   z_{i+1} = act(z_i Wz + x Wx + b),   Wz >= 0,   act convex and non-decreasing.
 *
 * Called on `x` alone it is the first layer (no z path); called on `[z, x]` it adds the
 * input skip. Non-negativity of Wz is a tfjs `NonNeg` constraint: a projection that the
 * training loop applies after every optimiser step (see `applyWeightConstraints`).
 */
export class InputConvexDense extends tf.layers.Layer {
  static className = 'InputConvexDense';
  readonly units: number;
  readonly activation: ConvexActivation;
  readonly zInitScale: number;
  readonly seed: number | undefined;
  private zKernel: tf.LayerVariable | null = null;
  private xKernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: InputConvexDenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new Error(`InputConvexDense: units must be a positive integer, got ${args.units}`);
    }
    const activation = args.activation ?? 'relu';
    if (!CONVEX_ACTIVATIONS.includes(activation)) {
      throw new Error(`InputConvexDense: activation must be one of ${CONVEX_ACTIVATIONS.join(', ')} (convex and non-decreasing), got ${activation}`);
    }
    this.units = args.units;
    this.activation = activation;
    this.zInitScale = args.zInitScale ?? 1;
    this.seed = args.seed;
  }

  private static split(shape: tf.Shape | tf.Shape[]): { z: tf.Shape | null; x: tf.Shape } {
    if (Array.isArray(shape[0])) {
      const shapes = shape as tf.Shape[];
      if (shapes.length !== 2) throw new Error(`InputConvexDense expects x or [z, x], got ${shapes.length} inputs`);
      return { z: shapes[0]!, x: shapes[1]! };
    }
    return { z: null, x: shape as tf.Shape };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { z, x } = InputConvexDense.split(inputShape);
    const xDim = x[x.length - 1] as number;
    this.xKernel = this.addWeight('x_kernel', [xDim, this.units], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    if (z) {
      const zDim = z[z.length - 1] as number;
      // Non-negative start with mean activation roughly preserved from layer to layer. The
      // lower bound is a tiny positive number, not 0: tfjs's RandomUniform reads
      // `args.minval || -0.05`, so a minval of 0 would silently become -0.05 and the
      // net would not be convex before its first projection.
      const maxval = (2 * this.zInitScale) / zDim;
      const init = tf.initializers.randomUniform({ minval: 1e-9, maxval, seed: this.seed === undefined ? undefined : this.seed + 1 });
      this.zKernel = this.addWeight('z_kernel', [zDim, this.units], 'float32', init, undefined, true, tf.constraints.nonNeg());
    }
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[list.length - 1] as tf.Tensor2D;
      let pre = explicitTransposeMatMul(x, this.xKernel!.read() as tf.Tensor2D);
      if (this.zKernel) {
        pre = tf.add(pre, explicitTransposeMatMul(list[0] as tf.Tensor2D, this.zKernel.read() as tf.Tensor2D));
      }
      pre = tf.add(pre, this.bias!.read());
      switch (this.activation) {
        case 'relu': return tf.relu(pre);
        case 'softplus': return tf.softplus(pre);
        case 'linear': return pre;
      }
    });
  }

  /** Whether the z-weights are non-negative, as convexity needs (the NonNeg projection makes them so; weights set by hand may not be). */
  hasNonNegativeZWeights(): boolean {
    if (!this.zKernel) return true;
    return tf.tidy(() => tf.min(this.zKernel!.read()).dataSync()[0]!) >= 0;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const { x } = InputConvexDense.split(inputShape);
    return [...x.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activation, zInitScale: this.zInitScale, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(InputConvexDense);
