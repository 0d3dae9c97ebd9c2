import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import type { PriorConfig } from '../priors/prior_config.js';
import { resolveClassPriors, type ClassPrior, type JointPriorSpec } from './class_priors.js';
import { exportPriorMasks, type ExportedMasks, type ExportMasksOptions } from './export_masks.js';
import { agreementIou, JointLogger } from './joint_logger.js';
import { agreementLoss, agreementPenalty, alphaValue, checkLabelSmoothing, weightedBinaryCrossEntropy, type AgreementLoss, type AlphaSchedule } from './joint_loss.js';
import { MemoryPriorStore } from './memory_prior_store.js';
import { PerSamplePriors, type PriorStart } from './per_sample_priors.js';
import type { PriorState, PriorStore } from './prior_state.js';
import type { ViewTransform } from './view_transform.js';

/** The options of eq. 12's prior side, the same for the trainer and the fitDataset callback. */
export interface JointPriorOptions {
  /** Weight of the agreement penalty (eq. 12). */
  beta?: number;
  /** Where the per-sample priors live (default: a MemoryPriorStore). */
  store?: PriorStore;
  /** A fixed weight, or 'soft-clip' (eq. 17). Default 1. */
  alpha?: AlphaSchedule;
  /** How the net is pulled towards the priors (default 'cross-entropy'; 'mse' is eq. 12 as written; see AgreementLoss). */
  agreement?: AgreementLoss;
  /**
   * Label smoothing of the built-in weak loss (default 0.05; see weightedBinaryCrossEntropy):
   * keeps the net's sigmoid off exact 0 and 1, so the prior term can still move it.
   * A custom `loss` (trainer option) does its own.
   */
  labelSmoothing?: number;
  /** Steps with alpha = 0 at the start (the net learns from the weak labels alone first). */
  warmupSteps?: number;
  /** Per-sample prior: Adam learning rate, steps per visit, random pixels per step. */
  priorLearningRate?: number;
  priorStepsPerVisit?: number;
  priorPoints?: number;
  /**
   * Also train each prior on the weak labels (BCE, the paper's scribble loss eq. 13),
   * not only towards the net (default true). Measured on a 32x32 scribble case: without
   * it net and prior shrink or grow together away from the labels.
   */
  priorWeakLabels?: boolean;
  /** How a sample's prior starts on its first visit (default 'fit': the kind's closed-form fit where it has one; see PriorStart). */
  priorStart?: PriorStart;
  seed?: number;
  /**
   * TensorBoard log directory: every step's logs as scalars `batch_<key>` (loss,
   * weak_loss, prior_loss, alpha, agreement_iou, agreement_mse; with class priors also
   * agreement_iou/class_<c> and agreement_mse/class_<c> per class), each epoch's means as
   * `epoch_<key>`, and every `imageEvery` steps an image of the batch's first sample:
   * red = the net's foreground probability, green = the prior's (yellow where they agree).
   */
  logDir?: string;
  imageEvery?: number;
}

export const JOINT_DEFAULTS = { imageEvery: 50, agreement: 'cross-entropy' as AgreementLoss, labelSmoothing: 0.05, beta: 1, alpha: 1 as AlphaSchedule, warmupSteps: 0, priorLearningRate: 1e-2, priorStepsPerVisit: 5, priorPoints: 4096, priorWeakLabels: true, priorStart: 'fit' as PriorStart, seed: 0 };

/** A batch's priors: per class with a prior (JointCore.classes' order), per sample. */
export type BatchStates = PriorState[][];

/**
 * What a joint step (eq. 12) needs, whoever runs the loop (ImplicitPriorTrainer's own,
 * or a user's model.fitDataset with ImplicitPriorCallback), written once: the options,
 * checked; the classes with priors and their per-sample priors (each built on first
 * use: a beta = 0 run never needs one); alpha and the warm-up; the priors' maps and
 * update around the net's step, through each view's transform; the agreement per
 * class; the TensorBoard log.
 */
export class JointCore<O extends JointPriorOptions = JointPriorOptions> {
  readonly opts: typeof JOINT_DEFAULTS & O;
  readonly store: PriorStore;
  /** The first class's prior config (the only one for a single-class net). */
  readonly priorConfig: PriorConfig;
  /** The classes with priors, by output channel. */
  readonly classes: readonly ClassPrior[];
  /** Whether store keys carry the class ({ id, class }) or are plain ids (one prior spec on a one-channel net). */
  readonly keyed: boolean;
  /** The net's output channels (K). */
  readonly channels: number;
  readonly logger: JointLogger | null;
  private readonly perClass = new Map<number, PerSamplePriors>();

  constructor(net: tf.LayersModel, prior: JointPriorSpec, options: O) {
    this.opts = { ...JOINT_DEFAULTS, ...options };
    if (!(this.opts.beta >= 0)) throw new ConfigError(`beta must be >= 0, got ${this.opts.beta}`);
    if (this.opts.alpha !== 'soft-clip' && !(this.opts.alpha >= 0)) throw new ConfigError(`alpha must be a non-negative number or 'soft-clip', got ${JSON.stringify(this.opts.alpha)}`);
    if (this.opts.agreement !== 'mse' && this.opts.agreement !== 'cross-entropy') throw new ConfigError(`agreement must be 'cross-entropy' or 'mse', got ${JSON.stringify(this.opts.agreement)}`);
    if (this.opts.priorStart !== 'fit' && this.opts.priorStart !== 'training') throw new ConfigError(`priorStart must be 'fit' or 'training', got ${JSON.stringify(this.opts.priorStart)}`);
    checkLabelSmoothing(this.opts.labelSmoothing);
    if (!Number.isInteger(this.opts.warmupSteps) || this.opts.warmupSteps < 0) throw new ConfigError(`warmupSteps must be a non-negative integer, got ${this.opts.warmupSteps}`);
    const out = net.outputs[0]!.shape;
    if (out.length !== 4 || !(typeof out[3] === 'number' && out[3] >= 1)) throw new ConfigError(`the model must output [batch, height, width, K] probabilities (K = 1: foreground; K > 1: one channel per class), its output shape is [${out.map((d) => d ?? 'null').join(', ')}]`);
    this.channels = out[3];
    ({ classes: this.classes, keyed: this.keyed } = resolveClassPriors(prior, this.channels));
    this.priorConfig = this.classes[0]!.config;
    this.store = this.opts.store ?? new MemoryPriorStore();
    this.logger = this.opts.logDir ? new JointLogger(this.opts.logDir, this.opts.imageEvery) : null;
  }

  /** The first class's working prior and per-sample states (the only one for a single-class net). */
  get priors(): PerSamplePriors {
    return this.priorsOf(this.classes[0]!.channel);
  }

  /** The working prior and per-sample states of the class on output channel `channel` (built on first use). */
  priorsOf(channel: number): PerSamplePriors {
    let p = this.perClass.get(channel);
    if (!p) {
      const cls = this.classes.find((c) => c.channel === channel);
      if (!cls) throw new ConfigError(`class ${channel} has no prior (classes with priors: ${this.classes.map((c) => c.channel).join(', ')})`);
      p = new PerSamplePriors(cls.config, this.store, { learningRate: this.opts.priorLearningRate, stepsPerVisit: this.opts.priorStepsPerVisit, points: this.opts.priorPoints, seed: this.opts.seed, start: this.opts.priorStart, ...(this.keyed ? { class: channel } : {}) });
      this.perClass.set(channel, p);
    }
    return p;
  }

  /** During the warm-up (the first `warmupSteps` net steps) alpha is 0 and the priors neither act nor learn. */
  warmingUp(step: number): boolean {
    return step < this.opts.warmupSteps;
  }

  /** The built-in weak loss: weighted binary cross-entropy with the options' label smoothing. */
  weakLoss(labels: tf.Tensor, output: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
    return weightedBinaryCrossEntropy(labels, output, weights, this.opts.labelSmoothing);
  }

  /**
   * The agreement term of the net's loss (the options' AgreementLoss between the net's
   * channels with priors and the priors' maps) and the MSE between them for the logs
   * (the same tensor when the term is the MSE). Call inside a tidy.
   */
  agreementTerms(netWithPriors: tf.Tensor, priorMaps: tf.Tensor): { term: tf.Scalar; mse: tf.Scalar } {
    const term = agreementLoss(this.opts.agreement, netWithPriors, priorMaps);
    return { term, mse: this.opts.agreement === 'mse' ? term : agreementPenalty(netWithPriors, priorMaps) };
  }

  /** The penalty's weight at net step `step` (0-based) from the step's weak loss and agreement term (eq. 17 with 'soft-clip'). */
  alpha(weak: number, penalty: number, step: number): number {
    return alphaValue(this.opts.alpha, weak, penalty, step, this.opts.warmupSteps);
  }

  /**
   * The batch's stored priors, per class; a prior never seen starts from the net's output
   * for its class (`predict` gives [N, H, W, K], called at most once, only when some prior is new).
   */
  async states(ids: string[], predict: () => tf.Tensor4D, height: number, width: number, transforms?: ReadonlyArray<ViewTransform | undefined>): Promise<BatchStates> {
    let output: Float32Array[][] | null = null;
    const mapsOf = (channel: number) => {
      output ??= tf.tidy(() => {
        const p = predict();
        return this.classes.map((c) => ids.map((_, i) => tf.slice(p, [i, 0, 0, c.channel], [1, height, width, 1]).dataSync() as Float32Array));
      });
      return output[this.classes.findIndex((c) => c.channel === channel)]!;
    };
    const out: BatchStates = [];
    for (const c of this.classes) out.push(await this.priorsOf(c.channel).states(ids, () => mapsOf(c.channel), height, width, transforms));
    return out;
  }

  /** The priors' maps sigma(-F) at each view's pixels: [N, H, W, P], one channel per class with a prior. */
  priorMaps(states: BatchStates, height: number, width: number, transforms?: ReadonlyArray<ViewTransform | undefined>): tf.Tensor4D {
    const maps = this.classes.map((c, j) => this.priorsOf(c.channel).probabilityMaps(states[j]!, height, width, transforms));
    if (maps.length === 1) return maps[0]!;
    const out = tf.concat(maps, 3) as tf.Tensor4D;
    tf.dispose(maps);
    return out;
  }

  /** The net output's channels that have priors, in the order of priorMaps (the output itself when that is all of it). */
  withPriors(output: tf.Tensor4D): tf.Tensor4D {
    if (this.classes.length === this.channels) return output;
    // Slices, not gather: gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
    const [n, height, width] = output.shape;
    const first = this.classes[0]!.channel;
    if (this.classes.every((c, j) => c.channel === first + j)) return tf.slice(output, [0, 0, 0, first], [n, height, width, this.classes.length]);
    return tf.tidy(() => tf.concat(this.classes.map((c) => tf.slice(output, [0, 0, 0, c.channel], [n, height, width, 1])), 3) as tf.Tensor4D);
  }

  /**
   * Agreement of the net's thresholded output with the priors' masks: `agreement_iou`
   * over every class with a prior, and with class priors also `agreement_iou/class_<c>`
   * and `agreement_mse/class_<c>` per class (`netWithPriors`: withPriors of the output).
   */
  agreement(netWithPriors: tf.Tensor4D, priorMaps: tf.Tensor4D): Record<string, number> {
    if (!this.keyed) return { agreement_iou: agreementIou(netWithPriors, priorMaps) };
    // Every class's intersection, union and squared difference in one read-back: a step's logging stays a few kernels.
    const values = tf.tidy(() => {
      const a = tf.greaterEqual(netWithPriors, 0.5);
      const b = tf.greaterEqual(priorMaps, 0.5);
      const perClass = (t: tf.Tensor) => tf.sum(t, [0, 1, 2]);
      return tf.concat([perClass(tf.cast(tf.logicalAnd(a, b), 'float32')), perClass(tf.cast(tf.logicalOr(a, b), 'float32')), tf.mean(tf.squaredDifference(netWithPriors, priorMaps), [0, 1, 2])]).dataSync();
    });
    const p = this.classes.length;
    const iou = (inter: number, union: number) => (union > 0 ? inter / union : 1);
    let [inter, union] = [0, 0];
    const logs: Record<string, number> = {};
    this.classes.forEach((c, j) => {
      inter += values[j]!;
      union += values[p + j]!;
      logs[`agreement_iou/class_${c.channel}`] = iou(values[j]!, values[p + j]!);
      logs[`agreement_mse/class_${c.channel}`] = values[2 * p + j]!;
    });
    return { agreement_iou: iou(inter, union), ...logs };
  }

  /**
   * After the net's step: each class's priors towards the net's new output on its channel
   * (held fixed) and, with priorWeakLabels, that channel's weak labels (eq. 13), each view
   * through its transform; saved to the store. `netOutput` and `labels` are [N, H, W, K],
   * `weights` [N, H, W, 1] or [N, H, W, K]. Returns the priors' loss, the mean over classes.
   */
  async updatePriors(ids: string[], states: BatchStates, netOutput: tf.Tensor4D, labels: tf.Tensor4D, weights?: tf.Tensor4D, transforms?: ReadonlyArray<ViewTransform | undefined>): Promise<number> {
    const [n, height, width] = netOutput.shape;
    const channel = (t: tf.Tensor4D, c: number) => (t.shape[3] === 1 ? t : (tf.slice(t, [0, 0, 0, c], [n, height, width, 1]) as tf.Tensor4D));
    let total = 0;
    for (const [j, c] of this.classes.entries()) {
      const target = channel(netOutput, c.channel);
      const weak = this.opts.priorWeakLabels ? { labels: channel(labels, c.channel), ...(weights ? { weights: channel(weights, c.channel) } : {}) } : undefined;
      try {
        total += await this.priorsOf(c.channel).update(ids, states[j]!, target, weak, transforms);
      } finally {
        for (const t of [target, weak?.labels, weak?.weights]) if (t && t !== netOutput && t !== labels && t !== weights) t.dispose();
      }
    }
    return total / this.classes.length;
  }

  /** Every stored prior's mask as a PNG in `outDir` (one per sample and class), with summary.json (pseudo-labels; see exportPriorMasks). */
  exportMasks(outDir: string, options: ExportMasksOptions): Promise<ExportedMasks> {
    return exportPriorMasks(this.store, outDir, options);
  }

  /** Releases the working priors (their states stay in the store). */
  releasePriors(): void {
    for (const p of this.perClass.values()) p.dispose();
    this.perClass.clear();
  }
}
