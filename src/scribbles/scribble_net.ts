/**
 * The paper's scribble nets (Appendix B): a per-pixel net on RGB + xy trained from
 * scribbles, whose output is the likelihood map a prior is then fitted to. Shared by
 * the scribble examples and the browser page (tfjs only: no node imports).
 */
import * as tf from '@tensorflow/tfjs';
import { FastDense } from '../../layers/fast_dense.js';

export type NetKind = 'fcn' | 'cnn';

/** RGB (row-major, [0, 1]) plus frame coordinates: the nets' 5 input channels. */
export function rgbxy(rgb: Float32Array, height: number, width: number): tf.Tensor3D {
  const s = 2 / Math.max(height, width);
  const data = new Float32Array(height * width * 5);
  for (let i = 0; i < height * width; i++) {
    data.set(rgb.subarray(3 * i, 3 * i + 3), 5 * i);
    data[5 * i + 3] = ((i % width) + 0.5 - width / 2) * s;
    data[5 * i + 4] = (Math.floor(i / width) + 0.5 - height / 2) * s;
  }
  return tf.tensor3d(data, [height, width, 5]);
}

/**
 * FCN: 5 per-pixel linear layers of width 16 (ReLU, sigmoid output); CNN: 4 conv layers,
 * kernel 3, width 16, leaky-ReLU. Both map [B, H, W, 5] to [B, H, W, 1].
 */
export function scribbleNet(kind: NetKind, height: number, width: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [height, width, 5] });
  if (kind === 'fcn') return tf.model({ inputs: input, outputs: fcnLayers(input, seed) });
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  let h = input as tf.SymbolicTensor;
  for (let k = 0; k < 3; k++) {
    h = tf.layers.leakyReLU({ alpha: 0.2 }).apply(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: init(k) }).apply(h)) as tf.SymbolicTensor;
  }
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', kernelInitializer: init(9) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/**
 * The FCN on single pixels: [N, 5] -> [N, 1], the same layers as scribbleNet('fcn')
 * (same initial weights for the same seed). A per-pixel net needs no image around a
 * pixel, so training can visit only the pixels its loss depends on (see trainScribbleNet).
 */
export function scribblePixelNet(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [5] });
  return tf.model({ inputs: input, outputs: fcnLayers(input, seed) });
}

/**
 * The FCN's layers on any input whose last axis holds the 5 channels. FastDense (a
 * dense layer whose gradient avoids wasm's slow transposed products) rather than 1x1
 * convolutions: the same function, 4x faster to train on wasm (measured: 263 vs 1,150
 * ms per step at 192x256).
 */
function fcnLayers(input: tf.SymbolicTensor, seed: number): tf.SymbolicTensor {
  let h = input;
  for (let k = 0; k < 4; k++) h = new FastDense({ units: 16, activation: 'relu', seed: seed * 100 + k }).apply(h) as tf.SymbolicTensor;
  const score = new FastDense({ units: 1, seed: seed * 100 + 9 }).apply(h) as tf.SymbolicTensor;
  return tf.layers.activation({ activation: 'sigmoid' }).apply(score) as tf.SymbolicTensor;
}

const FD_STEP = 0.05;

/**
 * beta |dN/dRGB| + gamma |dN/dxy| (eq. 13) by finite differences: tfjs cannot take
 * gradients of gradients through every layer, so the penalty is the change of N when
 * the colour (or the position) channels are moved by 0.05. `xs` is any batch whose
 * last axis holds the 5 channels (images, or single pixels).
 */
export function gradientPenalties(beta = 0.01, gamma = 0.01): (model: tf.LayersModel, xs: tf.Tensor) => tf.Scalar {
  return (model, xs) => tf.tidy(() => {
    const base = model.apply(xs) as tf.Tensor;
    const shift = (channels: number[]) => tf.mul(FD_STEP, tf.oneHot(tf.tensor1d(channels, 'int32'), 5).sum(0));
    const colour = model.apply(tf.add(xs, shift([0, 1, 2]))) as tf.Tensor;
    const position = model.apply(tf.add(xs, shift([3, 4]))) as tf.Tensor;
    const d = (moved: tf.Tensor) => tf.div(tf.mean(tf.abs(tf.sub(moved, base))), FD_STEP);
    return tf.add(tf.mul(beta, d(colour)), tf.mul(gamma, d(position))) as tf.Scalar;
  });
}
