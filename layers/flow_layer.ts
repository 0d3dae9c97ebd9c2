import * as tf from '@tensorflow/tfjs';

/** A flow's value at a batch of points and log |det J| of the map there, per row. */
export interface FlowResult {
  output: tf.Tensor2D;
  logDet: tf.Tensor1D;
}

/**
 * A diffeomorphism of R^d (normflows' `Flow`): the map and its log-determinant in one
 * pass, both ways. Layers (coupling, ActNorm, invertible linear) and the composite
 * NormalizingFlow are flows alike, so composites nest.
 */
export interface Flow {
  /** y = f(x) and log |det df/dx(x)|. */
  forward(x: tf.Tensor2D): FlowResult;
  /** x = f^-1(y) and log |det df^-1/dy(y)| (the negated forward log-det at x). */
  backward(y: tf.Tensor2D): FlowResult;
}

/**
 * A tfjs layer that is a flow: `call` (what a model computes) is the forward map.
 * Subclasses write `forwardPass` / `backwardPass` once; the path-connected prior's D
 * and T are built from these, and its certificate checks inverse(forward(x)) = x.
 */
export abstract class FlowLayer extends tf.layers.Layer implements Flow {
  protected abstract forwardPass(x: tf.Tensor2D): FlowResult;
  protected abstract backwardPass(y: tf.Tensor2D): FlowResult;

  forward(x: tf.Tensor2D): FlowResult {
    this.ensureBuilt(x);
    return tf.tidy(() => this.forwardPass(x) as unknown as tf.TensorContainerObject) as unknown as FlowResult;
  }

  backward(y: tf.Tensor2D): FlowResult {
    this.ensureBuilt(y);
    return tf.tidy(() => this.backwardPass(y) as unknown as tf.TensorContainerObject) as unknown as FlowResult;
  }

  /** The inverse map: inverse(call(x)) = x for every x. */
  inverse(y: tf.Tensor2D): tf.Tensor2D {
    this.ensureBuilt(y);
    return tf.tidy(() => this.backwardPass(y).output);
  }

  /** log |det dForward/dx| at each row of x: [N]. */
  logDetJacobian(x: tf.Tensor2D): tf.Tensor1D {
    this.ensureBuilt(x);
    return tf.tidy(() => this.forwardPass(x).logDet);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.forwardPass((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D).output);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  /** A flow used before any model applied it creates its weights as `apply` would. */
  private ensureBuilt(x: tf.Tensor2D): void {
    if (!this.built) tf.dispose(this.apply(x) as tf.Tensor);
  }
}

/** log |det| of a map with a constant Jacobian, repeated for each of n rows. */
export function constantLogDet(n: number, logDet: tf.Tensor): tf.Tensor1D {
  return tf.add(tf.zeros([n]), logDet) as tf.Tensor1D;
}

export function isFlowLayer(layer: unknown): layer is FlowLayer {
  return layer instanceof FlowLayer;
}
