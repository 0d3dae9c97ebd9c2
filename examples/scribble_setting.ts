/**
 * The paper's scribble setting (Appendix B, eqs. 13-15), shared by the scribble
 * examples: a net N on RGB + xy trained from scribbles, with an implicit prior, jointly
 * or sequentially.
 *
 * Loss (eq. 13): BCE(N(f_s), s) + BCE(G(w_s), s) + alpha * MSE(G(w_r), N(f_r))
 * + beta |dN/dRGB| + gamma |dN/dxy|, Adam 0.02 for the first 200 steps with alpha = 0,
 * then 0.002 with alpha = 1. The gradient penalties are estimated by finite
 * differences (tfjs cannot take gradients of gradients through every layer): the
 * change of N when the colour (or the position) channels are moved by 0.05.
 */
import * as tf from '@tensorflow/tfjs';
import { iou, MemoryPriorStore, withImplicitPrior, writeWeights, evaluateMask, type PriorConfigInput } from '../src/index.js';

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

/** FCN: 5 per-pixel linear layers of width 16 (ReLU); CNN: 4 conv layers, kernel 3, width 16, leaky-ReLU. */
export function scribbleNet(kind: NetKind, height: number, width: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [height, width, 5] });
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  let h = input as tf.SymbolicTensor;
  const layers = kind === 'fcn' ? 4 : 3;
  for (let k = 0; k < layers; k++) {
    h = kind === 'fcn'
      ? tf.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu', kernelInitializer: init(k) }).apply(h) as tf.SymbolicTensor
      : tf.layers.leakyReLU({ alpha: 0.2 }).apply(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: init(k) }).apply(h)) as tf.SymbolicTensor;
  }
  const out = tf.layers.conv2d({ filters: 1, kernelSize: kind === 'fcn' ? 1 : 3, padding: 'same', activation: 'sigmoid', kernelInitializer: init(9) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const FD_STEP = 0.05;

/** beta |dN/dRGB| + gamma |dN/dxy| by finite differences (see the file comment). */
export function gradientPenalties(beta = 0.01, gamma = 0.01): (model: tf.LayersModel, xs: tf.Tensor4D) => tf.Scalar {
  return (model, xs) => tf.tidy(() => {
    const base = model.apply(xs) as tf.Tensor;
    const shift = (channels: number[]) => tf.mul(FD_STEP, tf.oneHot(tf.tensor1d(channels, 'int32'), 5).sum(0));
    const colour = model.apply(tf.add(xs, shift([0, 1, 2]))) as tf.Tensor;
    const position = model.apply(tf.add(xs, shift([3, 4]))) as tf.Tensor;
    const d = (moved: tf.Tensor) => tf.div(tf.mean(tf.abs(tf.sub(moved, base))), FD_STEP);
    return tf.add(tf.mul(beta, d(colour)), tf.mul(gamma, d(position))) as tf.Scalar;
  });
}

export interface ScribbleRun {
  netMask: Uint8Array;
  priorMask: Uint8Array;
  seconds: number;
}

/**
 * Trains `net` from the scribbles of one image with a prior: 'joint' (eq. 12 with the
 * recipe above) or 'sequential' (eq. 15: the net alone for the same steps, then the
 * prior fitted to its output). Returns both masks.
 */
export async function runScribbles(
  mode: 'joint' | 'sequential', net: NetKind, prior: PriorConfigInput,
  image: { height: number; width: number; rgb: Float32Array; labels: Float32Array; weights: Float32Array },
  { steps = 600, warmup = 200, seed = 0 } = {},
): Promise<ScribbleRun> {
  const { height, width } = image;
  const started = performance.now();
  const model = scribbleNet(net, height, width, seed);
  const store = new MemoryPriorStore();
  const trainer = withImplicitPrior(model, prior, {
    beta: 1, alpha: 1, warmupSteps: warmup, store, seed, priorLearningRate: 1e-3,
    optimizer: tf.train.adam(0.02), learningRateAfterWarmup: 0.002, netRegularizer: gradientPenalties(),
  });
  const sample = { id: 'image', xs: rgbxy(image.rgb, height, width), ys: tf.tensor3d(image.labels, [height, width, 1]), weights: tf.tensor3d(image.weights, [height, width, 1]) };
  if (mode === 'joint') {
    for (let k = 0; k < steps; k++) await trainer.trainStep([sample]);
  } else {
    await trainer.fitSequential([sample], { epochs: steps });
  }
  const netMask = tf.tidy(() => Uint8Array.from((model.predict(tf.expandDims(sample.xs, 0)) as tf.Tensor).dataSync(), (v) => (v >= 0.5 ? 1 : 0)));
  writeWeights(trainer.priors.prior, (await store.load('image'))!.weights, 'scribble prior');
  const priorMask = evaluateMask(trainer.priors.prior, height, width);
  trainer.dispose();
  model.dispose();
  tf.dispose([sample.xs, sample.ys, sample.weights]);
  return { netMask, priorMask, seconds: (performance.now() - started) / 1000 };
}

export { iou };
