import * as tf from '@tensorflow/tfjs';
import { fitPrior } from '../fit/fit_prior.js';
import { probabilityMap } from '../probability_map.js';
import type { PriorConfig } from '../priors/prior_config.js';
import type { JointPriorSpec } from './class_priors.js';
import { JointCore, type JointPriorOptions } from './joint_core.js';
import type { ExportedMasks, ExportMasksOptions } from './export_masks.js';
import { checkSample, disposeSample, type JointSample } from './joint_sample.js';
import { MemoryPriorStore } from './memory_prior_store.js';
import { PerSamplePriors } from './per_sample_priors.js';
import { initialState, writeWeights } from './prior_parameters.js';
import { describeKey, priorKey } from './prior_key.js';
import type { PriorStore } from './prior_state.js';
import { evaluateMask, evaluateProbability } from '../priors/evaluate.js';
import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { JointLogger, RunningMeans } from './joint_logger.js';
import { ConfigError } from '../errors.js';

export type { JointSample } from './joint_sample.js';

/**
 * Training data: a tf.data.Dataset of samples (its tensors are disposed after use, as
 * model.fitDataset does), or an array / iterable of samples (the caller owns their
 * tensors). Both are iterated once per epoch, so an iterable must be re-iterable.
 */
export type JointData = tf.data.Dataset<tf.TensorContainer> | Iterable<JointSample> | AsyncIterable<JointSample>;

/** The trainer's options: the prior side's (JointPriorOptions) and the net's optimiser, loss and schedule. */
export interface ImplicitPriorOptions extends JointPriorOptions {
  /** Net optimiser (default Adam 1e-3). */
  optimizer?: tf.Optimizer;
  /**
   * The net optimiser's learning rate from the end of the warm-up on (the paper's
   * scribble recipe: Adam 0.02, then 0.002 once the prior term is on). Needs an
   * optimiser with a `learningRate` (Adam, Adamax, SGD, ...).
   */
  learningRateAfterWarmup?: number;
  /** Weak-label loss of (labels, net output, weights) (default: weighted binary cross-entropy). */
  loss?: (labels: tf.Tensor, output: tf.Tensor, weights?: tf.Tensor) => tf.Scalar;
  /** A term added to the net's loss, from the model and the batch's input (e.g. the paper's gradient penalties, eq. 13). */
  netRegularizer?: (model: tf.LayersModel, xs: tf.Tensor4D) => tf.Scalar;
}

export interface JointFitOptions {
  epochs?: number;
  batchSize?: number;
  callbacks?: tf.Callback[];
}

/**
 * Where one trainStep's time went, in milliseconds (for profiling, e.g. bench/bench.ts).
 * In a warm-up or beta = 0 step only `net` (which then includes the scalars) and `total` are set.
 */
export interface JointStepTimings {
  /** Stacking the batch, loading its priors from the store, and starting new ones from the net's output. */
  load: number;
  /** The priors' maps sigma(-F) on the grid, the penalty's targets. */
  priorMaps: number;
  /** The net's loss, gradient and optimiser step. */
  net: number;
  /** The agreement of net and priors for the logs: IoU over the batch, and IoU and MSE per class with class priors. */
  agreement: number;
  /** PerSamplePriors.update: the priors' steps towards the net, and saving them to the store. */
  priorUpdate: number;
  /** TensorBoard (logDir): the net/prior image (every imageEvery steps), and the scalars. */
  image: number;
  scalars: number;
  /** The whole step, stacking the batch included. */
  total: number;
}

export interface JointStepLogs {
  /** The net's total loss: weak + beta * alpha * MSE. */
  loss: number;
  weak_loss: number;
  /** MSE between the net's output and the priors' maps (eq. 12's distance), before the prior update. */
  prior_loss: number;
  alpha: number;
  /** IoU of the thresholded net output and the priors' masks over the batch (every class with a prior). */
  agreement_iou: number;
  /* With class priors also `agreement_iou/class_<c>` and `agreement_mse/class_<c>` per class. */
  agreement_mse: number;
  [key: string]: number;
}

export { JOINT_DEFAULTS } from './joint_core.js';

/**
 * Joint training of a segmentation net with per-sample implicit priors (eq. 12):
 *   min_{theta, nu_i}  L_weak(N_theta(f_i), u_i) + beta * alpha * MSE(N_theta(f_i), sigma(-F_nu_i)).
 * Each step loads the batch's priors (and their optimiser states) from the store,
 * updates the net with the priors' maps held fixed, then each prior towards the net's
 * output held fixed, and saves the priors back. The model is any tf.LayersModel that
 * maps [B, H, W, C] to foreground probabilities [B, H, W, 1], or to K class channels
 * [B, H, W, K] (sigmoid or softmax) with one prior per sample and class (`{ 1: 'pc',
 * 2: 'convex' }`); its code is not changed. A sample that is an augmented view carries
 * its transform, and its priors are evaluated through it.
 */
export class ImplicitPriorTrainer {
  readonly store: PriorStore;
  readonly priorConfig: PriorConfig;
  private readonly core: JointCore<ImplicitPriorOptions>;
  private readonly optimizer: tf.Optimizer;
  private readonly opts: JointCore<ImplicitPriorOptions>['opts'];
  /** Net steps taken (for the warm-up). */
  step = 0;
  /** Timings of the last trainStep (a new object each step). */
  lastTimings: JointStepTimings = { load: 0, priorMaps: 0, net: 0, agreement: 0, priorUpdate: 0, image: 0, scalars: 0, total: 0 };
  private readonly logger: JointLogger | null;
  private readonly priorSpec: JointPriorSpec;

  constructor(readonly model: tf.LayersModel, prior: JointPriorSpec, options: ImplicitPriorOptions = {}) {
    this.core = new JointCore(model, prior, options);
    this.priorSpec = prior;
    this.opts = this.core.opts;
    this.store = this.core.store;
    this.priorConfig = this.core.priorConfig;
    this.logger = this.core.logger;
    this.optimizer = this.opts.optimizer ?? tf.train.adam(1e-3);
  }

  /** The working prior and its per-sample states (built on first use: a beta = 0 run, the baseline, never needs one); the first class's with class priors. */
  get priors(): PerSamplePriors {
    return this.core.priors;
  }

  /** The working prior and per-sample states of the class on output channel `channel`. */
  priorsOf(channel: number): PerSamplePriors {
    return this.core.priorsOf(channel);
  }

  /**
   * The stored prior of sample `id` (of class `cls`, with class priors) on an H x W grid
   * of the original image: its mask (1 = foreground, row-major), e.g. to save the priors'
   * masks after training as pseudo-labels. Throws when the store has no such prior.
   */
  async priorMask(id: string, height: number, width: number, cls?: number): Promise<Uint8Array> {
    return this.withStoredPrior(id, cls, (prior) => evaluateMask(prior, height, width));
  }

  /**
   * Every stored prior's mask as an 8-bit PNG of the given size in `outDir`, with
   * summary.json (id -> file): pseudo-labels for the next round of training.
   */
  exportMasks(outDir: string, options: ExportMasksOptions): Promise<ExportedMasks> {
    return this.core.exportMasks(outDir, options);
  }

  /** Like priorMask, the prior's foreground probability sigma(-F) per pixel. */
  async priorProbability(id: string, height: number, width: number, cls?: number): Promise<Float32Array> {
    return this.withStoredPrior(id, cls, (prior) => evaluateProbability(prior, height, width));
  }

  /**
   * `use` on the working prior holding the stored state of (id, class). The weights are
   * written and used with no await in between: calls running at once (Promise.all over
   * ids) share the working prior, and must not see each other's weights.
   */
  private async withStoredPrior<T>(id: string, cls: number | undefined, use: (prior: ImplicitPrior) => T): Promise<T> {
    if (this.core.keyed && cls === undefined) throw new ConfigError(`the priors are per class: name the class (output channel) of sample ${JSON.stringify(id)}'s prior`);
    if (!this.core.keyed && cls !== undefined) throw new ConfigError(`the net has one output and one prior per sample: no class ${cls}`);
    const priors = this.core.priorsOf(cls ?? this.core.classes[0]!.channel);
    const key = priorKey(id, this.core.keyed ? cls : undefined);
    const state = await this.store.load(key);
    if (!state) throw new ConfigError(`no prior stored for ${describeKey(key)}`);
    writeWeights(priors.prior, state.weights, `prior of ${describeKey(key)}`);
    return use(priors.prior);
  }

  /** One joint step on a batch. */
  async trainStep(batch: JointSample[]): Promise<JointStepLogs> {
    const timings: JointStepTimings = { load: 0, priorMaps: 0, net: 0, agreement: 0, priorUpdate: 0, image: 0, scalars: 0, total: 0 };
    this.lastTimings = timings;
    const started = performance.now();
    let mark = started;
    const lap = (): number => {
      const now = performance.now();
      const ms = now - mark;
      mark = now;
      return ms;
    };
    const ids = batch.map((s) => s.id);
    const transforms = batch.map((s) => s.transform);
    const channels = this.core.channels;
    const xs = tf.stack(batch.map((s) => s.xs)) as tf.Tensor4D;
    const ys = tf.stack(batch.map((s) => s.ys)) as tf.Tensor4D;
    // Weights of one channel and of K channels can meet in a batch: each is brought to the widest.
    const wide = batch.some((s) => s.weights?.shape[2] === channels) ? channels : 1;
    const weights = batch.every((s) => s.weights)
      ? (tf.tidy(() => tf.stack(batch.map((s) => (s.weights!.shape[2] === wide ? s.weights! : tf.tile(s.weights!, [1, 1, wide]))))) as tf.Tensor4D)
      : undefined;
    const [, height, width] = ys.shape;
    try {
      // During the warm-up alpha is 0: the priors neither act nor learn, and a sample's prior
      // starts after it, from a net that has learnt from the labels (not from random weights).
      // The same schedule with or without priors (beta = 0 is the baseline of a joint run).
      if (this.step === this.opts.warmupSteps && this.opts.learningRateAfterWarmup !== undefined) this.setNetLearningRate(this.opts.learningRateAfterWarmup);
      if (this.core.warmingUp(this.step) || this.opts.beta === 0) {
        const logs = await this.netOnlyStep(xs, ys, weights);
        timings.net = lap();
        return logs;
      }
      const states = await this.core.states(ids, () => this.model.predict(xs) as tf.Tensor4D, height, width, transforms);
      timings.load = lap();
      const priorMaps = this.core.priorMaps(states, height, width, transforms);
      timings.priorMaps = lap();
      // Weak loss and MSE at the current net, for alpha (a value, no gradient through it).
      let output: tf.Tensor4D | null = null;
      let weak = 0;
      let mse = 0;
      let alpha = 0;
      const total = this.optimizer.minimize(() => {
        const out = this.model.apply(xs, { training: true }) as tf.Tensor4D;
        output = tf.keep(out.clone());
        const w = this.weakLoss(ys, out, weights);
        // Only the channels with priors are penalised: a class left alone is left alone.
        const agreement = this.core.agreementTerms(this.core.withPriors(out), priorMaps);
        weak = w.dataSync()[0]!;
        mse = agreement.mse.dataSync()[0]!;
        alpha = this.core.alpha(weak, agreement.term.dataSync()[0]!, this.step);
        const total = tf.add(w, tf.mul(this.opts.beta * alpha, agreement.term)) as tf.Scalar;
        return this.opts.netRegularizer ? tf.add(total, this.opts.netRegularizer(this.model, xs)) : total;
      }, true)!;
      const loss = total.dataSync()[0]!;
      total.dispose();
      this.step++;
      const netOut = output! as tf.Tensor4D;
      timings.net = lap();
      const netWithPriors = this.core.withPriors(netOut);
      const agreement = this.core.agreement(netWithPriors, priorMaps);
      timings.agreement = lap();
      // The image shows the first sample's first prior map as the net saw it (before the prior's update), so nothing is evaluated twice.
      const imageOfPrior = this.logger?.wantsImage(this.step) ? tf.slice(priorMaps, [0, 0, 0, 0], [1, height, width, 1]) : null;
      const imageOfNet = imageOfPrior ? tf.slice(netWithPriors, [0, 0, 0, 0], [1, height, width, 1]) : null;
      if (netWithPriors !== netOut) netWithPriors.dispose();
      priorMaps.dispose();
      timings.agreement += lap();
      // The priors follow the net (held fixed) and the weak labels (eq. 13); beta would only scale their step, which Adam undoes.
      let priorLoss: number;
      try {
        priorLoss = await this.core.updatePriors(ids, states, netOut, ys, weights, transforms);
      } catch (error) {
        tf.dispose([netOut, ...(imageOfPrior && imageOfNet ? [imageOfNet, imageOfPrior] : [])]);
        throw error;
      }
      const logs: JointStepLogs = { loss, weak_loss: weak, prior_loss: priorLoss, alpha, agreement_iou: agreement['agreement_iou']!, agreement_mse: mse, ...agreement };
      timings.priorUpdate = lap();
      if (imageOfPrior && imageOfNet) {
        try {
          await this.logger!.image(imageOfNet, imageOfPrior, height, width, this.step);
        } finally {
          tf.dispose([imageOfNet, imageOfPrior]);
        }
      }
      timings.image = lap();
      netOut.dispose();
      this.logger?.step(logs, this.step);
      timings.scalars = lap();
      return logs;
    } finally {
      tf.dispose([xs, ys, ...(weights ? [weights] : [])]);
      timings.total = performance.now() - started;
    }
  }

  private setNetLearningRate(rate: number): void {
    const o = this.optimizer as unknown as { learningRate?: number };
    if (typeof o.learningRate !== 'number') throw new ConfigError(`learningRateAfterWarmup: the net optimiser ${this.optimizer.getClassName()} has no learningRate`);
    o.learningRate = rate;
  }

  /** The net's weak-label loss: the user's `loss`, else the built-in one (with the label smoothing). */
  private weakLoss(labels: tf.Tensor, output: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
    return this.opts.loss ? this.opts.loss(labels, output, weights) : this.core.weakLoss(labels, output, weights);
  }

  /** A step of the net on the weak labels alone (warm-up, or beta = 0): no prior is loaded or changed. */
  private async netOnlyStep(xs: tf.Tensor4D, ys: tf.Tensor4D, weights: tf.Tensor4D | undefined): Promise<JointStepLogs> {
    const total = this.optimizer.minimize(() => {
      const weak = this.weakLoss(ys, this.model.apply(xs, { training: true }) as tf.Tensor, weights);
      return this.opts.netRegularizer ? tf.add(weak, this.opts.netRegularizer(this.model, xs)) : weak;
    }, true)!;
    const loss = total.dataSync()[0]!;
    total.dispose();
    this.step++;
    const logs = { loss, weak_loss: loss, prior_loss: NaN, alpha: 0, agreement_iou: NaN, agreement_mse: NaN };
    this.logger?.step(logs, this.step);
    return logs;
  }

  /**
   * Trains for `epochs` passes over the data, `batchSize` samples per step, calling the
   * tfjs callbacks (onTrainBegin ... onBatchEnd with JointStepLogs ... onTrainEnd).
   * Returns the mean logs of each epoch (over the steps that have each value: a warm-up
   * step has no prior_loss). Sample tensors are disposed after use.
   */
  async fit(data: JointData, options: JointFitOptions = {}): Promise<{ history: Array<Record<string, number>> }> {
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(epochs) || epochs < 1) throw new ConfigError(`epochs must be a positive integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`batchSize must be a positive integer, got ${batchSize}`);
    const callbacks = options.callbacks ?? [];
    for (const cb of callbacks) {
      cb.setModel(this.model);
      cb.setParams({ epochs, batchSize, samples: undefined as unknown as number, steps: null as unknown as number, verbose: 0, doValidation: false, metrics: ['loss'] });
    }
    const history: Array<Record<string, number>> = [];
    const owned = data instanceof tf.data.Dataset;
    for (const cb of callbacks) await cb.onTrainBegin();
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin(epoch);
      const means = new RunningMeans();
      let batches = 0;
      let pending: JointSample[] = [];
      const run = async () => {
        for (const cb of callbacks) await cb.onBatchBegin(batches, { batch: batches, size: pending.length });
        try {
          const logs = await this.trainStep(pending);
          means.add(logs);
          for (const cb of callbacks) await cb.onBatchEnd(batches, { ...logs, batch: batches, size: pending.length });
        } finally {
          if (owned) for (const s of pending) disposeSample(s);
          pending = [];
          batches++;
        }
      };
      for await (const sample of iterate(data, this.core.channels)) {
        pending.push(sample);
        if (pending.length === batchSize) await run();
      }
      if (pending.length > 0) await run();
      const epochLogs = means.take();
      history.push(epochLogs);
      await this.logger?.epochEnd(epoch);
      for (const cb of callbacks) await cb.onEpochEnd(epoch, epochLogs);
    }
    for (const cb of callbacks) await cb.onTrainEnd();
    return { history };
  }

  /**
   * The sequential variant (eq. 15): the net trains on the weak labels alone (beta = 0)
   * for `epochs`, then each sample's prior is fitted (fitPrior, eq. 9) to the net's
   * fixed output and stored. Returns the fitted samples' ids.
   */
  async fitSequential(data: JointData, options: JointFitOptions & { fitSteps?: number } = {}): Promise<string[]> {
    const beta = this.opts.beta;
    this.opts.beta = 0;
    const ids: string[] = [];
    try {
      // The priors of the net-only epochs are not used; a throwaway store keeps them out of the user's.
      const netOnly = new ImplicitPriorTrainer(this.model, this.priorSpec, { ...this.opts, beta: 0, store: new MemoryPriorStore(), optimizer: this.optimizer, logDir: undefined });
      try {
        await netOnly.fit(data, options);
      } finally {
        netOnly.dispose();
      }
    } finally {
      this.opts.beta = beta;
    }
    return this.prefit(data, options);
  }

  /**
   * Fits every sample's prior (each class's) to the net's current output for it
   * (fitPrior, eq. 9: the prior kind's own start and stages, e.g. the path-connected
   * prior's unbending start, G alone, then Adamax with decay on the couplings) and
   * stores it, replacing what the store held. Before joint training of a pretrained
   * net, this starts the priors where the paper does (Appendix C: priors pre-fitted to
   * the net's outputs) instead of from the first visit's initialisation. Returns the ids.
   */
  async prefit(data: JointData, options: { fitSteps?: number } = {}): Promise<string[]> {
    const ids: string[] = [];
    for await (const sample of iterate(data, this.core.channels)) {
      const [height, width] = sample.ys.shape;
      if (sample.transform) throw new ConfigError(`prefit fits each prior to the net's output on the original image: sample ${JSON.stringify(sample.id)} is an augmented view (it has a transform)`);
      const maps = tf.tidy(() => {
        const out = this.model.predict(tf.expandDims(sample.xs, 0)) as tf.Tensor4D;
        return this.core.classes.map((c) => tf.slice(out, [0, 0, 0, c.channel], [1, height, width, 1]).dataSync() as Float32Array);
      });
      if (data instanceof tf.data.Dataset) disposeSample(sample);
      for (const [j, c] of this.core.classes.entries()) {
        const priors = this.core.priorsOf(c.channel);
        await fitPrior(priors.prior, probabilityMap(height, width, Float32Array.from(maps[j]!, (v) => Math.min(1, Math.max(0, v)))), { seed: this.opts.seed, ...(options.fitSteps ? { maxSteps: options.fitSteps } : {}) });
        await this.store.save(priors.key(sample.id), initialState(priors.prior));
      }
      ids.push(sample.id);
    }
    return ids;
  }

  /** Frees the priors' tensors and closes the TensorBoard log. */
  async close(): Promise<void> {
    await this.logger?.close();
    this.core.releasePriors();
  }

  dispose(): void {
    void this.logger?.close();
    this.core.releasePriors();
  }
}

/**
 * Adds implicit priors to an existing model (its code unchanged): `withImplicitPrior(model,
 * 'pc', { beta })` for a one-channel net, `withImplicitPrior(model, { 1: 'pc', 2: 'convex' })`
 * for a net with K class channels (channel -> kind, config or null; see ClassPriors).
 */
export function withImplicitPrior(model: tf.LayersModel, prior: JointPriorSpec, options: ImplicitPriorOptions = {}): ImplicitPriorTrainer {
  return new ImplicitPriorTrainer(model, prior, options);
}

async function* iterate(data: JointData, channels: number): AsyncGenerator<JointSample> {
  if (data instanceof tf.data.Dataset) {
    const it = await data.iterator();
    for (let r = await it.next(); !r.done; r = await it.next()) yield checkSample(r.value, channels);
    return;
  }
  for await (const s of data as AsyncIterable<JointSample>) yield checkSample(s, channels);
}
