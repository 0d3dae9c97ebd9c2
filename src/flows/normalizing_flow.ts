import * as tf from '@tensorflow/tfjs';
import type { Flow, FlowResult } from '../../layers/flow_layer.js';

/**
 * A composite flow (normflows' `Composite`): its steps applied in order, the log-dets
 * summed in the same pass. A step may itself be a composite, so flows nest. `forward`
 * is what the model computes; `backward` undoes it step by step in reverse.
 */
export class NormalizingFlow implements Flow {
  constructor(readonly steps: readonly Flow[]) {}

  forward(x: tf.Tensor2D): FlowResult {
    return this.chain(x, this.steps, (step, h) => step.forward(h));
  }

  backward(y: tf.Tensor2D): FlowResult {
    return this.chain(y, [...this.steps].reverse(), (step, h) => step.backward(h));
  }

  /** forward(x) as { y, logDet } (the name before flows returned their log-det themselves). */
  forwardWithLogDet(x: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    const { output, logDet } = this.forward(x);
    return { y: output, logDet };
  }

  /** The inverse map alone. */
  inverse(y: tf.Tensor2D): tf.Tensor2D {
    const { output, logDet } = this.backward(y);
    logDet.dispose();
    return output;
  }

  private chain(x: tf.Tensor2D, steps: readonly Flow[], apply: (step: Flow, h: tf.Tensor2D) => FlowResult): FlowResult {
    return tf.tidy(() => {
      let output = x;
      let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
      for (const step of steps) {
        const r = apply(step, output);
        output = r.output;
        logDet = tf.add(logDet, r.logDet);
      }
      return { output, logDet } as unknown as tf.TensorContainerObject;
    }) as unknown as FlowResult;
  }
}
