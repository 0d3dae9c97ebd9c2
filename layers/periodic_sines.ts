import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { explicitTransposeMatMul } from './explicit_transpose_matmul.js';

export interface PeriodicSinesArgs extends LayerArgs {
  /** Harmonics: integer pairs (n1, n2) with |n1|, |n2| <= H. */
  harmonics?: number;
}

/**
 * F(x) = offset + sum_n amp_n sin(w_n . x + phase_n) (eq. 8), with every frequency on
 * a learnable lattice: w_n = n1 a + n2 b for fixed integer pairs n and learnable
 * vectors a, b (the rows of `basis`). Then F(x + p) = F(x) for every p with a . p and
 * b . p in 2 pi Z: the score is periodic for every value of the parameters, with the
 * periods P = 2 pi [a; b]^-1 (its columns). For 3-D input (x, y, z) the sum is taken
 * at (x, y) - z v with a learnable velocity v: every slice is periodic on the same
 * lattice, and the pattern moves with z. Only one of each pair +-n is used: the
 * other adds nothing a phase cannot.
 */
export class PeriodicSines extends tf.layers.Layer {
  static className = 'PeriodicSines';
  readonly harmonics: number;
  /** Integer pairs n, as a [2, N] matrix. */
  readonly pairs: number[][];
  private basis: tf.LayerVariable | null = null;
  private amplitudes: tf.LayerVariable | null = null;
  private phases: tf.LayerVariable | null = null;
  private offset: tf.LayerVariable | null = null;
  private velocity: tf.LayerVariable | null = null;

  constructor(args: PeriodicSinesArgs = {}) {
    super(args);
    this.harmonics = args.harmonics ?? 2;
    if (!Number.isInteger(this.harmonics) || this.harmonics < 1) throw new Error(`PeriodicSines: harmonics must be a positive integer, got ${this.harmonics}`);
    const n1s: number[] = [];
    const n2s: number[] = [];
    for (let n1 = 0; n1 <= this.harmonics; n1++) {
      for (let n2 = -this.harmonics; n2 <= this.harmonics; n2++) {
        if (n1 === 0 && n2 <= 0) continue; // (0, 0) is the offset; (0, -k) duplicates (0, k)
        n1s.push(n1);
        n2s.push(n2);
      }
    }
    this.pairs = [n1s, n2s];
  }

  get terms(): number {
    return this.pairs[0]!.length;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const dim = shape[shape.length - 1] as number;
    if (dim !== 2 && dim !== 3) throw new Error(`PeriodicSines: input must have 2 or 3 coordinates, got ${dim}`);
    // 3-D (x, y, z): the pattern of slice z is the pattern of slice 0 moved by z * velocity.
    if (dim === 3) this.velocity = this.addWeight('velocity', [2], 'float32', tf.initializers.zeros());
    this.basis = this.addWeight('basis', [2, 2], 'float32', tf.initializers.identity({ gain: 2 * Math.PI }));
    this.amplitudes = this.addWeight('amplitudes', [this.terms], 'float32', tf.initializers.zeros());
    this.phases = this.addWeight('phases', [this.terms], 'float32', tf.initializers.zeros());
    this.offset = this.addWeight('offset', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** The lattice basis rows a and b (frequency vectors, radians per frame unit). */
  basisValue(): number[][] {
    return this.basis!.read().arraySync() as number[][];
  }

  /** The amplitudes, for the L1 sparsity penalty. */
  amplitudeWeights(): tf.Tensor {
    return this.amplitudes!.read();
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const input = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const x = this.velocity ? tf.sub(tf.slice(input, [0, 0], [-1, 2]), tf.mul(tf.slice(input, [0, 2], [-1, 1]), this.velocity.read())) as tf.Tensor2D : input;
      // Frequencies [2, N] = basis^T [2, 2] x pairs [2, N] (2x2: a transposed matMul costs nothing here).
      const freq = tf.matMul(this.basis!.read() as tf.Tensor2D, tf.tensor2d(this.pairs), true, false);
      const arg = tf.add(explicitTransposeMatMul(x, freq as tf.Tensor2D), this.phases!.read());
      return tf.add(tf.sum(tf.mul(tf.sin(arg), this.amplitudes!.read()), 1, true), this.offset!.read());
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), harmonics: this.harmonics };
  }
}
tf.serialization.registerClass(PeriodicSines);
