import * as tf from '@tensorflow/tfjs';

/**
 * Projects every constrained weight of `model` back onto its constraint set.
 *
 * tfjs-layers declares constraints on weights but neither `model.fit` nor
 * `optimizer.minimize` applies them after an update (only `LayerVariable.write`
 * does). The paper's guarantee needs the projection after *every* step, so the
 * training loops call this once per optimiser step. It assigns to the underlying
 * variable directly: `LayerVariable.write` re-applies the constraint and leaks that
 * result (one tensor per weight per call).
 */
export function applyWeightConstraints(model: tf.LayersModel): void {
  for (const w of model.weights) {
    if (w.constraint == null) continue;
    const projected = tf.tidy(() => w.constraint!.apply(w.read()));
    (w.read() as tf.Variable).assign(projected);
    projected.dispose();
  }
}
