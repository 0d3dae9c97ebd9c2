import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import type { JointPriorSpec } from './class_priors.js';
import { JointCore, type BatchStates, type JointPriorOptions } from './joint_core.js';
import type { ExportedMasks, ExportMasksOptions } from './export_masks.js';
import type { JointLogger } from './joint_logger.js';
import type { PerSamplePriors } from './per_sample_priors.js';
import type { PriorState } from './prior_state.js';
import { checkSample } from './joint_sample.js';
import type { ViewTransform } from './view_transform.js';

/** The hook's options: the prior side's, as the trainer's (the net's optimiser and loss are the user's model.compile). */
export type ImplicitPriorHookOptions = JointPriorOptions;

/**
 * Tickets ride in the packed labels as a constant channel: float32 holds integers up
 * to 2^24 exactly, so tickets count modulo that (far more than can be in flight).
 */
const TICKETS = 2 ** 24;

/** A wrapped sample waiting for its batch's end: what the prior update needs. */
interface Queued {
  id: string;
  xs: tf.Tensor3D;
  ys: tf.Tensor3D;
  weights: tf.Tensor3D | null;
  /** Its priors, one per class with a prior. */
  states: PriorState[];
  transform: ViewTransform | undefined;
}

/** What the last training loss call measured (before the net's step), for the logs. */
interface StepValues {
  weak: number;
  mse: number;
  alpha: number;
  iou: number;
  /** The agreement per class (class priors only), for the logs. */
  perClass: Record<string, number>;
  /** The first sample's net and prior maps, kept on image steps. */
  image: { net: tf.Tensor; prior: tf.Tensor } | null;
}

/**
 * Eq. 12 inside a user's own `model.fitDataset` loop, for those who keep it:
 *
 *   const hook = new ImplicitPriorCallback(model, 'convex', { beta: 1, store, logDir });
 *   model.compile({ optimizer: 'adam', loss: hook.loss });
 *   await model.fitDataset(hook.wrap(samples).batch(4), { epochs, callbacks: [hook] });
 *
 * `wrap` maps each sample {id, xs, ys, weights?, transform?} to {xs, ys'} where ys' stacks
 * the weak labels (K channels), their weights (K), the sample's prior maps (one per class
 * with a prior, loaded from the store or started from the net's output, evaluated
 * through the sample's transform) and its ticket (a constant channel naming the sample)
 * on the channel axis, so each sample's id travels with its batch: a dataset shuffled or
 * batched after `wrap` still updates every sample's own prior. `loss` is the weak loss plus
 * beta * alpha * the agreement term (cross-entropy or MSE against the prior map read from
 * ys'); after each batch the callback updates those samples' priors towards the net's
 * new output (and the weak labels) and saves them. It adds weak_loss, prior_loss, alpha,
 * agreement_iou and agreement_mse to the batch's logs (callbacks listed after it see
 * them) and, with `logDir`, writes them and the net/prior images to TensorBoard like the
 * trainer.
 */
export class ImplicitPriorCallback extends tf.Callback {
  private readonly core: JointCore;
  /** Samples wrapped but not yet updated, by ticket. */
  private readonly pending = new Map<number, Queued>();
  private nextTicket = 0;
  /** The tickets of the batch the loss last saw, in batch order. */
  private batchTickets: number[] | null = null;
  private steps = 0;
  private measured: StepValues | null = null;

  constructor(private readonly net: tf.LayersModel, prior: JointPriorSpec, options: ImplicitPriorHookOptions = {}) {
    super();
    this.core = new JointCore(net, prior, options);
  }

  /** The working prior and the per-sample states (the store is `priors.store`). */
  get priors(): PerSamplePriors {
    return this.core.priors;
  }

  /** Every stored prior's mask as a PNG in `outDir`, with summary.json (pseudo-labels; see exportPriorMasks). */
  exportMasks(outDir: string, options: ExportMasksOptions): Promise<ExportedMasks> {
    return this.core.exportMasks(outDir, options);
  }

  private get logger(): JointLogger | null {
    return this.core.logger;
  }

  /** During the warm-up alpha is 0 and the priors neither act nor learn (nor get stored: they start after it, from a trained net). */
  private get warmingUp(): boolean {
    return this.core.warmingUp(this.steps);
  }

  /** The dataset for model.fitDataset (batch it afterwards). */
  wrap(samples: tf.data.Dataset<tf.TensorContainer>): tf.data.Dataset<{ xs: tf.Tensor3D; ys: tf.Tensor3D }> {
    const channels = this.core.channels;
    return samples.mapAsync(async (value) => {
      const s = checkSample(value, channels);
      const [height, width] = s.ys.shape;
      const transforms = [s.transform];
      const states = await this.core.states([s.id], () => this.net.predict(tf.expandDims(s.xs, 0)) as tf.Tensor4D, height, width, transforms);
      const maps = this.core.priorMaps(states, height, width, transforms);
      const ticket = this.nextTicket;
      if (this.pending.has(ticket)) {
        maps.dispose();
        throw new InputError(`sample ${JSON.stringify(s.id)}: ${TICKETS} wrapped samples are waiting for their batches; batch the wrapped dataset and train on it`);
      }
      this.nextTicket = (ticket + 1) % TICKETS;
      this.pending.set(ticket, { id: s.id, xs: tf.keep(s.xs.clone()), ys: tf.keep(s.ys.clone()), weights: s.weights ? tf.keep(s.weights.clone()) : null, states: states.map((perClass) => perClass[0]!), transform: s.transform });
      const ys = tf.tidy(() => {
        const weights = s.weights ? (s.weights.shape[2] === channels ? s.weights : tf.tile(s.weights, [1, 1, channels])) : tf.onesLike(s.ys);
        return tf.concat([s.ys, weights, tf.reshape(maps, [height, width, this.core.classes.length]), tf.fill([height, width, 1], ticket)], 2) as tf.Tensor3D;
      });
      maps.dispose();
      return { xs: s.xs, ys };
    });
  }

  /** The loss to compile the model with: ys' = [labels (K), weights (K), prior maps (one per class with a prior), ticket]. */
  readonly loss = (packed: tf.Tensor, output: tf.Tensor): tf.Scalar => tf.tidy(() => {
    const k = this.core.channels;
    const [labels, weights, prior, tickets] = tf.split(packed, [k, k, this.core.classes.length, 1], -1);
    const [batch] = packed.shape as number[];
    this.batchTickets = Array.from(tf.slice(tickets!, [0, 0, 0, 0], [batch!, 1, 1, 1]).dataSync(), Math.round);
    const weak = this.core.weakLoss(labels!, output, weights);
    const withPriors = this.core.withPriors(output as tf.Tensor4D);
    const agreement = this.core.agreementTerms(withPriors, prior!);
    // alpha is a value, without gradient through it (eq. 17 soft clipping, 0 in the warm-up).
    const m = this.measure(weak, agreement, withPriors, prior! as tf.Tensor4D);
    return tf.add(weak, tf.mul(this.core.opts.beta * m.alpha, agreement.term)) as tf.Scalar;
  });

  /** Reads the step's values, alpha included, for the loss and the logs (the loss runs once per batch, before the net's step). */
  private measure(weak: tf.Tensor, agreement: { term: tf.Tensor; mse: tf.Tensor }, withPriors: tf.Tensor4D, prior: tf.Tensor4D): StepValues {
    if (this.measured?.image) tf.dispose([this.measured.image.net, this.measured.image.prior]);
    const warm = this.warmingUp;
    const [, height, width] = withPriors.shape;
    const image = this.logger && !warm && this.logger.wantsImage(this.steps + 1)
      ? { net: tf.keep(tf.slice(withPriors, [0, 0, 0, 0], [1, height, width, 1])), prior: tf.keep(tf.slice(prior, [0, 0, 0, 0], [1, height, width, 1])) }
      : null;
    const w = weak.dataSync()[0]!;
    const p = agreement.term.dataSync()[0]!;
    const m = agreement.mse.dataSync()[0]!;
    const { agreement_iou: iou, ...perClass } = warm ? { agreement_iou: NaN } : this.core.agreement(withPriors, prior);
    this.measured = {
      weak: w,
      mse: warm ? NaN : m,
      alpha: this.core.alpha(w, p, this.steps),
      iou: iou!,
      perClass,
      image,
    };
    return this.measured;
  }

  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const tickets = this.batchTickets;
    this.batchTickets = null;
    if (!tickets) throw new InputError('ImplicitPriorCallback: the batch ended without its loss: compile the model with the hook\'s loss (model.compile({ loss: hook.loss, ... })) and train on hook.wrap(samples)');
    const done = tickets.map((t) => {
      const q = this.pending.get(t);
      if (!q) throw new InputError(`ImplicitPriorCallback: a batch holds ticket ${t}, which no wrapped sample waits for: train on hook.wrap(samples) of this hook (batched or shuffled after wrap)`);
      this.pending.delete(t);
      return q;
    });
    let priorLoss = NaN;
    try {
      if (!this.warmingUp) {
        const k = this.core.channels;
        const xs = tf.stack(done.map((d) => d.xs)) as tf.Tensor4D;
        const out = this.net.predict(xs) as tf.Tensor4D;
        const labels = tf.stack(done.map((d) => d.ys)) as tf.Tensor4D;
        const weights = done.every((d) => d.weights) ? (tf.tidy(() => tf.stack(done.map((d) => (d.weights!.shape[2] === k ? d.weights! : tf.tile(d.weights!, [1, 1, k]))))) as tf.Tensor4D) : undefined;
        const states: BatchStates = this.core.classes.map((_, j) => done.map((d) => d.states[j]!));
        try {
          priorLoss = await this.core.updatePriors(done.map((d) => d.id), states, out, labels, weights, done.map((d) => d.transform));
        } finally {
          tf.dispose([xs, out, labels, ...(weights ? [weights] : [])]);
        }
      }
    } finally {
      tf.dispose(done.flatMap((d) => [d.xs, d.ys, ...(d.weights ? [d.weights] : [])]));
    }
    this.steps++;
    const m = this.measured;
    // tfjs hands the loss over as a number or, before its own callbacks resolve it, as a scalar.
    const given = logs?.['loss'] as number | tf.Scalar | undefined;
    const loss = typeof given === 'number' ? given : given instanceof tf.Tensor ? (await given.data())[0]! : undefined;
    const stepLogs: Record<string, number> = {
      ...(loss === undefined ? {} : { loss }),
      weak_loss: m?.weak ?? NaN, prior_loss: priorLoss, alpha: m?.alpha ?? NaN, agreement_iou: m?.iou ?? NaN, agreement_mse: m?.mse ?? NaN,
      ...(m?.perClass ?? {}),
    };
    // Seen by the callbacks after this one (a tensorBoard callback listed later logs them).
    if (logs) for (const [k, v] of Object.entries(stepLogs)) if (k !== 'loss') logs[k] = v;
    this.logger?.step(stepLogs, this.steps);
    if (m?.image) {
      const [, height, width] = m.image.net.shape;
      try {
        await this.logger?.image(m.image.net, m.image.prior, height!, width!, this.steps);
      } finally {
        tf.dispose([m.image.net, m.image.prior]);
        m.image = null;
      }
    }
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    await this.logger?.epochEnd(epoch);
  }

  /**
   * Writes what is pending and closes the TensorBoard log (the callback can be reused
   * without logging). Samples wrapped but never trained (dropped by a filter after
   * `wrap`, or left in a prefetch buffer) are released.
   */
  override async onTrainEnd(): Promise<void> {
    this.releasePending();
    await this.logger?.close();
  }

  private releasePending(): void {
    for (const q of this.pending.values()) tf.dispose([q.xs, q.ys, ...(q.weights ? [q.weights] : [])]);
    this.pending.clear();
  }

  dispose(): void {
    this.releasePending();
    if (this.measured?.image) tf.dispose([this.measured.image.net, this.measured.image.prior]);
    this.measured = null;
    void this.logger?.close();
    this.core.releasePriors();
  }
}
