import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from './layer_args.js';
import { constantLogDet, FlowLayer, type FlowResult } from './flow_layer.js';

/**
 * Glow's ActNorm: y = (x - bias) exp(logScale), per coordinate, trainable. Invertible
 * for every parameter value, log-det sum(logScale). `initializeFrom` is Glow's
 * data-dependent initialisation: the given points come out with zero mean and unit
 * variance per coordinate.
 */
export class ActNorm extends FlowLayer {
  static className = 'ActNorm';
  private bias: tf.LayerVariable | null = null;
  private logScale: tf.LayerVariable | null = null;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const dim = shape[shape.length - 1] as number;
    this.bias = this.addWeight('bias', [dim], 'float32', tf.initializers.zeros());
    this.logScale = this.addWeight('log_scale', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** Data-dependent initialisation on `x` ([N, dim], N >= 2). */
  initializeFrom(x: tf.Tensor2D): void {
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, 0);
      (this.bias!.read() as tf.Variable).assign(mean);
      (this.logScale!.read() as tf.Variable).assign(tf.mul(-0.5, tf.log(tf.add(variance, 1e-12))));
    });
  }

  /** bias 0, scale 1: the identity. */
  resetToIdentity(): void {
    tf.tidy(() => {
      (this.bias!.read() as tf.Variable).assign(tf.zerosLike(this.bias!.read()));
      (this.logScale!.read() as tf.Variable).assign(tf.zerosLike(this.logScale!.read()));
    });
  }

  protected forwardPass(x: tf.Tensor2D): FlowResult {
    const logScale = this.logScale!.read();
    return { output: tf.mul(tf.sub(x, this.bias!.read()), tf.exp(logScale)), logDet: constantLogDet(x.shape[0], tf.sum(logScale)) };
  }

  protected backwardPass(y: tf.Tensor2D): FlowResult {
    const logScale = this.logScale!.read();
    return { output: tf.add(tf.mul(y, tf.exp(tf.neg(logScale))), this.bias!.read()), logDet: constantLogDet(y.shape[0], tf.neg(tf.sum(logScale))) };
  }
}
tf.serialization.registerClass(ActNorm);
