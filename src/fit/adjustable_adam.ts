import * as tf from '@tensorflow/tfjs';

/** Adam whose step size can be lowered during a fit (tfjs reads it afresh on every step). */
export class AdjustableAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999);
  }

  get rate(): number {
    return this.learningRate;
  }

  set rate(value: number) {
    this.learningRate = value;
  }
}
