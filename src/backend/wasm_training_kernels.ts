import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';

/**
 * Kernels that training needs and tfjs-backend-wasm 4.x lacks, registered on top of
 * its own kernels (no second implementation of the arithmetic).
 *
 * Conv2DBackpropFilter (the weight gradient of every conv2d layer) is missing, so
 * `model.fit` of any conv net fails on wasm with "Kernel 'Conv2DBackpropFilter' not
 * registered". The backend has Conv3DBackpropFilterV2, and a 2-D convolution is a 3-D
 * one of depth 1 with the same memory layout: the 2-D tensors are passed with a depth
 * axis of 1 added to their shape, the data untouched, and the result's depth axis is
 * dropped the same way.
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (!conv3d) throw new Error('tfjs-backend-wasm has no Conv3DBackpropFilterV2 kernel to build Conv2DBackpropFilter on');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, filterShape } = attrs as unknown as { strides: number | [number, number]; pad: 'same' | 'valid' | number; dataFormat: string; filterShape: [number, number, number, number] };
      if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm: only NHWC data, got ${dataFormat}`);
      if (typeof pad !== 'string' && typeof pad !== 'number') throw new Error('Conv2DBackpropFilter on wasm: explicit per-side padding is not supported');
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      // Measured: the wasm Conv3DBackpropFilterV2 itself is wrong for strides > 1 (against the cpu backend), so only stride 1 is routed through it.
      if (sh !== 1 || sw !== 1) {
        throw new ConfigError(`training a conv2d with strides ${sh}x${sw} is not supported on the wasm backend (its filter gradient kernel is wrong for strides > 1); use strides 1 with pooling, or the cpu backend (SHAPEPRIOR_BACKEND=cpu) or tfjs-node`);
      }
      const [b, h, w, c] = x.shape;
      const [db, dh, dw, dc] = dy.shape;
      const out = conv3d.kernelFunc({
        inputs: { x: { ...x, shape: [b!, 1, h!, w!, c!] }, dy: { ...dy, shape: [db!, 1, dh!, dw!, dc!] } },
        backend,
        attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] } as unknown as tf.NamedAttrMap,
      }) as tf.TensorInfo;
      return { ...out, shape: filterShape };
    },
  });
}
