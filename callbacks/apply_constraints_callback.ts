import * as tf from '@tensorflow/tfjs';
import { applyWeightConstraints } from '../layers/weight_constraints.js';

/**
 * Makes `model.fit` / `model.fitDataset` keep shapeprior's guarantees.
 *
 * tfjs-layers declares weight constraints but never applies them during training
 * (only `LayerVariable.write` does), so a model containing `InputConvexDense` layers
 * trained with plain `model.fit` loses convexity after the first batch. This callback
 * projects every constrained weight after every batch:
 *
 *   await model.fit(xs, ys, { callbacks: [new ApplyConstraintsCallback()] });
 */
export class ApplyConstraintsCallback extends tf.Callback {
  override async onBatchEnd(): Promise<void> {
    applyWeightConstraints(this.model as tf.LayersModel);
  }
}
