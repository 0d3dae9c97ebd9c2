import type * as tf from '@tensorflow/tfjs';

/**
 * A layer that is a diffeomorphism of R^d: `call` is the forward map; it also gives
 * the log-determinant of its Jacobian and its exact inverse. The path-connected
 * prior's flow D (and its linear map T) are built from these, and the flow
 * certificate checks inverse(forward(x)) = x.
 */
export interface FlowLayer {
  /** log |det dForward/dx| at each row of x: [N]. */
  logDetJacobian(x: tf.Tensor2D): tf.Tensor1D;
  /** The inverse map: inverse(call(x)) = x for every x. */
  inverse(y: tf.Tensor2D): tf.Tensor2D;
}

export function isFlowLayer(layer: unknown): layer is FlowLayer & tf.layers.Layer {
  return typeof (layer as Partial<FlowLayer>).logDetJacobian === 'function' && typeof (layer as Partial<FlowLayer>).inverse === 'function';
}
