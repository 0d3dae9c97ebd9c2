import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

describe('conv2d training on the wasm backend', () => {
  it('the registered Conv2DBackpropFilter matches the cpu backend (stride 1, same and valid)', async () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [pad, k] of [['same', 3], ['valid', 3], ['same', 1], ['valid', 5]] as const) {
      const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const f = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const loss = (xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, pad)));
      const wasm = await tf.grads(loss)([x, f])[1]!.data();
      await tf.setBackend('cpu');
      const cpu = await tf.grads(loss)([tf.tensor(await x.data(), x.shape), tf.tensor(await f.data(), f.shape)])[1]!.data();
      await tf.setBackend('wasm');
      let worst = 0;
      for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(wasm[i]! - cpu[i]!) / (1 + Math.abs(cpu[i]!)));
      expect(worst, `${pad} ${k}x${k}`).toBeLessThan(1e-4);
    }
  });

  it('a strided conv2d gives a clear error instead of a wrong gradient', () => {
    const x = tf.randomNormal([1, 8, 8, 2]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 2, 2]) as tf.Tensor4D;
    expect(() => tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same')))([x, f])).toThrow(/strides 2x2 is not supported on the wasm backend/);
  });
});
