import * as tf from '@tensorflow/tfjs';

/**
 * `a @ b` whose gradient never asks the backend for a transposed matMul.
 *
 * tfjs's built-in gradient of matMul computes `dy @ b^T` and `a^T @ dy` with the
 * transpose flags set; on the wasm backend those kernels run ~8-10x slower than a
 * plain product (see docs/performance.md in the repo). Transposing explicitly first
 * and then multiplying computes the same numbers at full speed.
 */
export const explicitTransposeMatMul = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dA = tf.matMul(dy as tf.Tensor2D, tf.transpose(sb));
      const dB = tf.matMul(tf.transpose(sa), dy as tf.Tensor2D);
      return [dA, dB];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
