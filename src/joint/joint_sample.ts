import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { checkTransform, type ViewTransform } from './view_transform.js';

/** One training example: its id (the key of its priors in the store), input, weak labels and optional per-pixel weights. */
export interface JointSample {
  id: string;
  /** [H, W, C] input of the net. */
  xs: tf.Tensor3D;
  /** [H, W, K] weak labels in [0, 1], one channel per output channel of the net (K = 1: foreground). */
  ys: tf.Tensor3D;
  /** [H, W, 1] (every channel) or [H, W, K] loss weight per pixel (0 = unlabelled); default 1 everywhere. */
  weights?: tf.Tensor3D;
  /**
   * When xs / ys are an augmented view of the sample: the map from the original image's
   * frame coordinates to the view's (see ViewTransform). The sample's priors stay in the
   * original's coordinates and are evaluated where each view pixel came from, so every
   * view trains, and is regularised by, the same priors. Default: the identity.
   */
  transform?: ViewTransform;
}

/**
 * A sample must name its priors and carry [H, W, C] input and [H, W, K] labels of one
 * size (K = the net's output channels), weights of one or K channels, and a valid
 * transform (finite, invertible) if any.
 */
export function checkSample(value: unknown, channels = 1): JointSample {
  const s = value as Partial<JointSample>;
  if (typeof s.id !== 'string' || s.id === '') throw new InputError(`a training sample needs a non-empty string id (the key of its prior), got ${JSON.stringify(s.id)}`);
  if (!(s.xs instanceof tf.Tensor) || s.xs.rank !== 3) throw new InputError(`sample ${s.id}: xs must be an [H, W, C] tensor`);
  if (!(s.ys instanceof tf.Tensor) || s.ys.rank !== 3 || s.ys.shape[2] !== channels) throw new InputError(`sample ${s.id}: ys must be an [H, W, ${channels}] tensor (one channel per output channel of the net)${s.ys instanceof tf.Tensor ? `, got [${s.ys.shape.join(', ')}]` : ''}`);
  if (s.ys.shape[0] !== s.xs.shape[0] || s.ys.shape[1] !== s.xs.shape[1]) throw new InputError(`sample ${s.id}: ys is ${s.ys.shape[0]}x${s.ys.shape[1]} but xs is ${s.xs.shape[0]}x${s.xs.shape[1]}`);
  if (s.weights !== undefined && (!(s.weights instanceof tf.Tensor) || s.weights.rank !== 3 || s.weights.shape[0] !== s.ys.shape[0] || s.weights.shape[1] !== s.ys.shape[1] || (s.weights.shape[2] !== 1 && s.weights.shape[2] !== channels))) {
    throw new InputError(`sample ${s.id}: weights must be [H, W, 1] or [H, W, ${channels}] with the size of ys`);
  }
  if (s.transform !== undefined) checkTransform(s.id, s.transform);
  return s as JointSample;
}

export function disposeSample(s: JointSample): void {
  tf.dispose([s.xs, s.ys, ...(s.weights ? [s.weights] : [])]);
}
