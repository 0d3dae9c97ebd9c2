import * as tf from '@tensorflow/tfjs';
import type { ImplicitPrior } from './implicit_prior.js';
import { ConfigError } from '../errors.js';

/** One named tensor's values, row-major. */
export interface StoredTensor {
  shape: number[];
  values: Float32Array;
}

/**
 * Stable names of a prior's weights. tfjs makes `name` unique per process (a second
 * model gets `icnn_0/bias_1`), so states are keyed by `originalName`, which is the same
 * for every instance of one config.
 */
export function weightKey(w: tf.LayerVariable): string {
  return w.originalName;
}

function stored(t: tf.Tensor): StoredTensor {
  return { shape: [...t.shape], values: t.dataSync() as Float32Array };
}

/** The prior's current parameters (every weight, trainable or not: the data-dependent frame belongs to nu_i too). */
export function readWeights(prior: ImplicitPrior): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  for (const w of prior.model.weights) out[weightKey(w)] = stored(w.read());
  return out;
}

/**
 * Loads a stored state's parameters into the prior. Every weight must be present with
 * its shape: a state of another config is an error naming the weight, not a silent
 * partial load.
 */
export function writeWeights(prior: ImplicitPrior, weights: Record<string, StoredTensor>, what: string): void {
  for (const w of prior.model.weights) {
    const key = weightKey(w);
    const s = weights[key];
    if (!s) throw new ConfigError(`${what}: no values for weight ${key}`);
    if (s.shape.length !== w.shape.length || s.shape.some((d, i) => d !== w.shape[i])) {
      throw new ConfigError(`${what}: weight ${key} has shape [${s.shape}], the prior needs [${w.shape}]`);
    }
    const value = tf.tensor(s.values, s.shape);
    // Assigned directly: LayerVariable.write would re-apply constraints and leak a tensor.
    (w.read() as tf.Variable).assign(value);
    value.dispose();
  }
}
