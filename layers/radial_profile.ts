import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { explicitTransposeMatMul } from './explicit_transpose_matmul.js';

export interface RadialProfileArgs extends LayerArgs {
  /** true: G(v, 0) = -scale for every v (star-shaped); false: a free offset c(v) (radially convex). */
  starShaped: boolean;
  /** Knots of the piecewise-linear profile. */
  knots?: number;
  /** Fixed factor on the whole profile: the slope at the boundary when the prior starts as a disc. */
  scale?: number;
}

/**
 * The partially input-convex head of the star-shaped and radially convex priors:
 *
 *   G(v, r) = scale * ( base(v) + w(v) r + sum_k a_k(v) relu(r - b_k) ),
 *   a_k(v) = softplus(.) >= 0,  b_k = softplus(beta_k) >= 0,
 *
 * with base, w, a_k affine in the direction features h(v) (first input) and r taken
 * from the polar coordinates (second input, last column). For every direction v,
 * G(v, .) is convex in r (a line plus non-negative hinges). Star-shaped (Prop. 2.1):
 * base = -1, and every hinge vanishes at r = 0 because b_k >= 0, so G(v, 0) = -scale < 0
 * and by convexity the whole segment from the centre to any point of {G <= 0} lies in
 * it. Radially convex: base(v) is free, and each ray meets {G <= 0} in one interval.
 * Holds for every value of the parameters; no projection needed.
 */
export class RadialProfile extends tf.layers.Layer {
  static className = 'RadialProfile';
  readonly starShaped: boolean;
  readonly knots: number;
  readonly scale: number;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;
  private knotLogits: tf.LayerVariable | null = null;

  constructor(args: RadialProfileArgs) {
    super(args);
    this.starShaped = args.starShaped;
    this.knots = args.knots ?? 8;
    this.scale = args.scale ?? 10;
    if (!Number.isInteger(this.knots) || this.knots < 1) throw new Error(`RadialProfile: knots must be a positive integer, got ${this.knots}`);
    if (!(this.scale > 0)) throw new Error(`RadialProfile: scale must be positive, got ${this.scale}`);
  }

  /** Outputs of the affine map of h: [w, (base), a_1..a_K]. */
  private get outputs(): number {
    return 1 + (this.starShaped ? 0 : 1) + this.knots;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error('RadialProfile expects [directionFeatures, polarCoordinates]');
    const hDim = shapes[0][shapes[0].length - 1] as number;
    // Starts as the unit disc: w = 1, base = -1, hinges nearly off (softplus(-4) ~ 0.018).
    const biasInit = [1, ...(this.starShaped ? [] : [-1]), ...new Array(this.knots).fill(-4)];
    this.kernel = this.addWeight('kernel', [hDim, this.outputs], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.outputs], 'float32', tf.initializers.zeros());
    // Knots spread over r in (0, 2.5]: the object is about a unit disc in normalised coordinates.
    const knotInit = Array.from({ length: this.knots }, (_, k) => Math.log(Math.expm1((2.5 * (k + 1)) / this.knots)));
    this.knotLogits = this.addWeight('knots', [this.knots], 'float32', tf.initializers.zeros());
    tf.tidy(() => {
      this.bias!.write(tf.tensor1d(biasInit));
      this.knotLogits!.write(tf.tensor1d(knotInit));
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [h, polar] = inputs as tf.Tensor2D[];
      const coeff = tf.add(explicitTransposeMatMul(h!, this.kernel!.read() as tf.Tensor2D), this.bias!.read());
      const r = polar!.slice([0, 2], [-1, 1]);
      const w = coeff.slice([0, 0], [-1, 1]);
      let first = 1;
      let g: tf.Tensor = tf.mul(w, r);
      if (this.starShaped) {
        g = tf.sub(g, 1);
      } else {
        g = tf.add(g, coeff.slice([0, 1], [-1, 1]));
        first = 2;
      }
      const a = tf.softplus(coeff.slice([0, first], [-1, this.knots]));
      const hinges = tf.relu(tf.sub(r, tf.softplus(this.knotLogits!.read())));
      g = tf.add(g, tf.sum(tf.mul(a, hinges), 1, true));
      return tf.mul(g, this.scale);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape[])[0]![0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), starShaped: this.starShaped, knots: this.knots, scale: this.scale };
  }
}
tf.serialization.registerClass(RadialProfile);
