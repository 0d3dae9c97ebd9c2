import * as tf from '@tensorflow/tfjs';
import type { FlowLayer } from '../../layers/flow_layer.js';

type FlowStep = FlowLayer & tf.layers.Layer;

/**
 * A composite diffeomorphism: its layers applied in order. `forward` is what the
 * model computes; `inverse` undoes it layer by layer in reverse; the log-det is the
 * sum of the layers' log-dets, each at its own input.
 */
export class NormalizingFlow {
  constructor(readonly steps: readonly FlowStep[]) {}

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.steps.reduce((h, step) => step.apply(h) as tf.Tensor2D, x));
  }

  /** forward(x) and log |det J_forward(x)| per row. */
  forwardWithLogDet(x: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    return tf.tidy(() => {
      let h = x;
      let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
      for (const step of this.steps) {
        logDet = tf.add(logDet, step.logDetJacobian(h));
        h = step.apply(h) as tf.Tensor2D;
      }
      return { y: h, logDet };
    });
  }

  inverse(y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => [...this.steps].reverse().reduce((h, step) => step.inverse(h), y));
  }
}
