import * as tf from '@tensorflow/tfjs';

/** An optimiser whose step size a fit can lower as it goes (tfjs reads it afresh on every step). */
export interface AdjustableOptimizer extends tf.Optimizer {
  rate: number;
}

/** Adam (beta 0.9 / 0.999, PyTorch's defaults) with an adjustable rate. */
export class AdjustableAdam extends tf.AdamOptimizer implements AdjustableOptimizer {
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

/** Adamax (beta 0.9 / 0.999, as in PyTorch), the paper's optimiser for the flow stage, with an adjustable rate. */
export class AdjustableAdamax extends tf.AdamaxOptimizer implements AdjustableOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999, 1e-8, 0);
  }

  get rate(): number {
    return this.learningRate;
  }

  set rate(value: number) {
    this.learningRate = value;
  }
}
