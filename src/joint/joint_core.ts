import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import { resolvePriorConfig, type PriorConfig, type PriorConfigInput } from '../priors/prior_config.js';
import { exportPriorMasks, type ExportedMasks, type ExportMasksOptions } from './export_masks.js';
import { alphaValue, type AlphaSchedule } from './joint_loss.js';
import { JointLogger } from './joint_logger.js';
import { MemoryPriorStore } from './memory_prior_store.js';
import { PerSamplePriors } from './per_sample_priors.js';
import type { PriorState, PriorStore } from './prior_state.js';

/** The options of eq. 12's prior side, the same for the trainer and the fitDataset callback. */
export interface JointPriorOptions {
  /** Weight of the agreement penalty (eq. 12). */
  beta?: number;
  /** Where the per-sample priors live (default: a MemoryPriorStore). */
  store?: PriorStore;
  /** A fixed weight, or 'soft-clip' (eq. 17). Default 1. */
  alpha?: AlphaSchedule;
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
  seed?: number;
  /**
   * TensorBoard log directory: every step's logs as scalars `batch_<key>` (loss,
   * weak_loss, prior_loss, alpha, agreement_iou, agreement_mse), each epoch's means as
   * `epoch_<key>`, and every `imageEvery` steps an image of the batch's first sample:
   * red = the net's foreground probability, green = the prior's (yellow where they agree).
   */
  logDir?: string;
  imageEvery?: number;
}

export const JOINT_DEFAULTS = { imageEvery: 50, beta: 1, alpha: 1 as AlphaSchedule, warmupSteps: 0, priorLearningRate: 1e-2, priorStepsPerVisit: 5, priorPoints: 4096, priorWeakLabels: true, seed: 0 };

/**
 * What a joint step (eq. 12) needs, whoever runs the loop (ImplicitPriorTrainer's own,
 * or a user's model.fitDataset with ImplicitPriorCallback), written once: the options,
 * checked; the per-sample priors (built on first use: a beta = 0 run never needs one);
 * alpha and the warm-up; the priors' update after the net's step; the TensorBoard log.
 */
export class JointCore<O extends JointPriorOptions = JointPriorOptions> {
  readonly opts: typeof JOINT_DEFAULTS & O;
  readonly store: PriorStore;
  readonly priorConfig: PriorConfig;
  readonly logger: JointLogger | null;
  private perSample: PerSamplePriors | null = null;

  constructor(net: tf.LayersModel, prior: PriorConfigInput, options: O) {
    this.opts = { ...JOINT_DEFAULTS, ...options };
    if (!(this.opts.beta >= 0)) throw new ConfigError(`beta must be >= 0, got ${this.opts.beta}`);
    if (this.opts.alpha !== 'soft-clip' && !(this.opts.alpha >= 0)) throw new ConfigError(`alpha must be a non-negative number or 'soft-clip', got ${JSON.stringify(this.opts.alpha)}`);
    if (!Number.isInteger(this.opts.warmupSteps) || this.opts.warmupSteps < 0) throw new ConfigError(`warmupSteps must be a non-negative integer, got ${this.opts.warmupSteps}`);
    const out = net.outputs[0]!.shape;
    if (out.length !== 4 || out[3] !== 1) throw new ConfigError(`the model must output [batch, height, width, 1] foreground probabilities, its output shape is [${out.map((d) => d ?? 'null').join(', ')}]`);
    this.store = this.opts.store ?? new MemoryPriorStore();
    this.logger = this.opts.logDir ? new JointLogger(this.opts.logDir, this.opts.imageEvery) : null;
    this.priorConfig = resolvePriorConfig(prior);
  }

  /** The working prior and its per-sample states (built on first use). */
  get priors(): PerSamplePriors {
    this.perSample ??= new PerSamplePriors(this.priorConfig, this.store, { learningRate: this.opts.priorLearningRate, stepsPerVisit: this.opts.priorStepsPerVisit, points: this.opts.priorPoints, seed: this.opts.seed });
    return this.perSample;
  }

  /** During the warm-up (the first `warmupSteps` net steps) alpha is 0 and the priors neither act nor learn. */
  warmingUp(step: number): boolean {
    return step < this.opts.warmupSteps;
  }

  /** The penalty's weight at net step `step` (0-based) from the step's weak loss and MSE (eq. 17 with 'soft-clip'). */
  alpha(weak: number, mse: number, step: number): number {
    return alphaValue(this.opts.alpha, weak, mse, step, this.opts.warmupSteps);
  }

  /**
   * After the net's step: each prior towards the net's new output (held fixed) and, with
   * priorWeakLabels, the weak labels (eq. 13); saved to the store. Returns the priors' loss.
   */
  updatePriors(ids: string[], states: PriorState[], netOutput: tf.Tensor4D, labels: tf.Tensor4D, weights?: tf.Tensor4D): Promise<number> {
    return this.priors.update(ids, states, netOutput, this.opts.priorWeakLabels ? { labels, ...(weights ? { weights } : {}) } : undefined);
  }

  /** Every stored prior's mask as a PNG in `outDir`, with summary.json (pseudo-labels; see exportPriorMasks). */
  exportMasks(outDir: string, options: ExportMasksOptions): Promise<ExportedMasks> {
    return exportPriorMasks(this.store, outDir, options);
  }

  /** Releases the working prior (its states stay in the store). */
  releasePriors(): void {
    this.perSample?.dispose();
    this.perSample = null;
  }
}
