import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';

/**
 * The weak-label loss of a segmentation net that outputs foreground probabilities:
 * binary cross-entropy averaged over the labelled pixels (weight > 0; weights also
 * scale pixels), so unlabelled pixels of sparse labels (scribbles, points) add nothing.
 * With K channels (several classes, sigmoid or softmax) it is the mean over channels of
 * each channel's BCE; weights of one channel apply to every channel.
 *
 * `smoothing` (label smoothing, in [0, 0.5)) aims at smoothing / 1 - smoothing instead of
 * 0 / 1: without it a net trained on sparse labels drives its sigmoid to exactly 0 or 1
 * in float32, where no gradient passes any more, and a prior term added later cannot
 * change a single pixel (measured: the joint FCN equalled the sequential one on 11 of
 * 14 scribble scenes).
 */
export function weightedBinaryCrossEntropy(labels: tf.Tensor, probabilities: tf.Tensor, weights?: tf.Tensor, smoothing = 0): tf.Scalar {
  checkLabelSmoothing(smoothing);
  return tf.tidy(() => {
    const bce = binaryCrossEntropy(smoothing > 0 ? tf.add(tf.mul(labels, 1 - 2 * smoothing), smoothing) : labels, probabilities);
    if (!weights) return tf.mean(bce) as tf.Scalar;
    // One weight per pixel counts once per channel (several classes share a pixel's weight).
    const w = weights.shape[weights.rank - 1] === bce.shape[bce.rank - 1] ? weights : tf.mul(weights, tf.onesLike(bce));
    return tf.div(tf.sum(tf.mul(w, bce)), tf.maximum(tf.sum(w), 1e-6)) as tf.Scalar;
  });
}

/** Label smoothing must lie in [0, 0.5): at 0.5 every label would say 'either'. */
export function checkLabelSmoothing(smoothing: number): void {
  if (!(smoothing >= 0 && smoothing < 0.5)) throw new ConfigError(`labelSmoothing must be in [0, 0.5), got ${smoothing}`);
}

/** Eq. 12's distance: the mean squared difference between the net's output and the prior's probability map. */
export function agreementPenalty(net: tf.Tensor, prior: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(net, prior)) as tf.Scalar);
}

/**
 * How the net is pulled towards the priors: 'cross-entropy' (the priors' maps as soft
 * labels) or 'mse' (eq. 12 as the paper writes it). The squared difference's gradient on
 * a pixel's logit carries a factor p (1 - p): a net sure of a wrong pixel hardly hears
 * the prior. The cross-entropy's gradient on the logit is p - prior, however sure.
 */
export type AgreementLoss = 'mse' | 'cross-entropy';

/** The agreement term of the net's loss (see AgreementLoss). */
export function agreementLoss(kind: AgreementLoss, net: tf.Tensor, prior: tf.Tensor): tf.Scalar {
  if (kind === 'mse') return agreementPenalty(net, prior);
  // A tiny epsilon: the weak loss's 1e-6 would itself damp the gradient of pixels below p ~ 1e-6.
  return tf.tidy(() => tf.mean(binaryCrossEntropy(prior, net, 1e-12)) as tf.Scalar);
}

/**
 * How much of the penalty enters the net's loss:
 * - a number: that fixed weight;
 * - 'soft-clip' (eq. 17): L_weak / penalty when the penalty (the agreement term's value:
 *   MSE or cross-entropy) exceeds L_weak, else 1, so the penalty never
 *   outweighs the weak labels (computed from the values, without gradient through it);
 * and 0 during the first `warmupSteps` steps.
 */
export type AlphaSchedule = number | 'soft-clip';

export function alphaValue(alpha: AlphaSchedule, weakLoss: number, penalty: number, step: number, warmupSteps: number): number {
  if (step < warmupSteps) return 0;
  // A float32 loss a hair below 0 must not flip the penalty's sign.
  if (alpha === 'soft-clip') return penalty > weakLoss && penalty > 0 ? Math.max(0, weakLoss) / penalty : 1;
  return alpha;
}

/**
 * Per-pixel binary cross-entropy of probabilities. The epsilon sits inside the logs
 * instead of clipping p: a clipped p has zero gradient, so a net whose sigmoid
 * saturated on its labels could never be moved again (by the prior term either).
 * Adding log(1 + epsilon) keeps the loss >= 0 (it is 0 for a perfect p), which eq. 17's
 * ratio L_weak / penalty needs; the gradient is untouched.
 */
export function binaryCrossEntropy(labels: tf.Tensor, p: tf.Tensor, eps = 1e-6): tf.Tensor {
  return tf.tidy(() => tf.add(tf.neg(tf.add(tf.mul(labels, tf.log(tf.add(p, eps))), tf.mul(tf.sub(1, labels), tf.log(tf.add(tf.sub(1, p), eps))))), Math.log1p(eps)));
}
