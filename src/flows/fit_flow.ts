import * as tf from '@tensorflow/tfjs';
import { AdjustableAdam } from '../optimizers/adjustable_optimizers.js';
import type { Flow } from '../../layers/flow_layer.js';

/**
 * Trains some of a flow's weights so that forward(x) ~= target (mean squared error,
 * Adam): the authors' stage (a), which fits D to the identity, generalised to any
 * target map known at sample points. `weights` ([count, 1]), if given, weigh each
 * point's squared error (a weighted mean). Returns the final (weighted) mean squared error.
 */
export function fitFlowToTargets(flow: Flow, x: tf.Tensor2D, target: tf.Tensor2D, variables: tf.Variable[], steps: number, learningRate: number, weights?: tf.Tensor2D): number {
  const optimizer = new AdjustableAdam(learningRate);
  let last = NaN;
  try {
    for (let step = 0; step < steps; step++) {
      const loss = optimizer.minimize(() => {
        const error = tf.squaredDifference(flow.forward(x).output, target);
        return (weights ? tf.div(tf.sum(tf.mul(weights, error)), tf.mul(tf.sum(weights), target.shape[1])) : tf.mean(error)) as tf.Scalar;
      }, step === steps - 1, variables);
      if (loss) {
        last = loss.dataSync()[0]!;
        loss.dispose();
      }
    }
  } finally {
    optimizer.dispose();
  }
  return last;
}
