import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { InputConvexDense } from '../../layers/input_convex_dense.js';
import { InternalError } from '../errors.js';

/** Evenly spread unit vectors: on the circle for dim 2, a Fibonacci sphere for dim 3. */
function directions(count: number, dim: number): number[][] {
  if (dim === 2) return Array.from({ length: count }, (_, k) => [Math.cos((2 * Math.PI * k) / count), Math.sin((2 * Math.PI * k) / count)]);
  const golden = Math.PI * (3 - Math.sqrt(5));
  return Array.from({ length: count }, (_, k) => {
    const z = 1 - (2 * (k + 0.5)) / count;
    const r = Math.sqrt(1 - z * z);
    return [r * Math.cos(golden * k), r * Math.sin(golden * k), z];
  });
}

/** Unit vectors at which the start's mean activation and its zero level are measured. */
const PROBES = 64;

/**
 * Sets an input-convex net to F(x) ~= gain * (|x| - 1), a cone whose zero level set
 * is the unit disc (sphere), instead of a random convex function.
 *
 * First layer: relu(n_k . x) for evenly spread directions n_k, whose mean is
 * proportional to |x|. Later hidden layers pass z through (Wz = identity, which is
 * non-negative, plus a little noise so units differ). Output: the scaled mean minus
 * its mean on the unit circle. Every unit is active on half the plane, so gradients
 * reach all of them, and combined with the moment normalisation the first mask is the
 * object's moment ellipse: the fit starts near the answer.
 */
export function radialInit(layers: InputConvexDense[], inputDim: number, gain: number, seed: number): void {
  const rng = seedrandom(`radial-${seed}`);
  const [first, ...rest] = layers;
  const output = rest.pop();
  if (!first || !output) throw new InternalError('radialInit needs at least one hidden layer and an output layer');
  const width = first.units;
  const dirs = directions(width, inputDim);
  // E_k[relu(n_k . e)] for a unit vector e, estimated over several e.
  let mean = 0;
  const probes = directions(PROBES, inputDim);
  for (const e of probes) for (const n of dirs) mean += Math.max(0, n.reduce((acc, v, i) => acc + v * e[i]!, 0));
  mean /= probes.length * width;
  tf.tidy(() => {
    const wx = tf.tensor2d(Array.from({ length: inputDim }, (_, i) => dirs.map((n) => n[i]!)));
    first.setWeights([wx, tf.zeros([width])]);
    for (const layer of rest) {
      const noise = Array.from({ length: width * width }, () => 0.002 * rng());
      const jitterX = Array.from({ length: inputDim * width }, () => 0.02 * (rng() - 0.5));
      layer.setWeights([tf.tensor2d(jitterX, [inputDim, width]), tf.add(tf.eye(width), tf.tensor2d(noise, [width, width])), tf.zeros([width])]);
    }
    const wz = tf.fill([width, 1], gain / (width * mean));
    // The pass-through layers' noise is non-negative (Wz must be), so it scales z up by
    // about (1 + 0.001 width) per layer: 1.28x through two layers of 130 units, which
    // left the zero level at radius 0.78, not 1. The net is positively homogeneous (no
    // biases before the output), so F = |x| c(direction) - b, and b = mean c over unit
    // probes puts the zero level on the unit circle.
    const x = tf.tensor2d(probes);
    let z = first.apply(x) as tf.Tensor2D;
    for (const layer of rest) z = layer.apply([z, x]) as tf.Tensor2D;
    const onCircle = tf.mean(tf.matMul(z, wz)).dataSync()[0]!;
    output.setWeights([tf.zeros([inputDim, 1]), wz, tf.tensor1d([-onCircle])]);
  });
}
