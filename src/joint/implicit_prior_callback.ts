import * as tf from '@tensorflow/tfjs';
import type { PriorConfigInput } from '../priors/prior_config.js';
import { agreementPenalty, weightedBinaryCrossEntropy, type AlphaSchedule } from './joint_loss.js';
import { MemoryPriorStore } from './memory_prior_store.js';
import { PerSamplePriors } from './per_sample_priors.js';
import type { PriorState, PriorStore } from './prior_state.js';
import { JOINT_DEFAULTS, type JointSample } from './implicit_prior_trainer.js';

export interface ImplicitPriorHookOptions {
  beta?: number;
  store?: PriorStore;
  alpha?: AlphaSchedule;
  warmupSteps?: number;
  priorLearningRate?: number;
  priorStepsPerVisit?: number;
  priorPoints?: number;
  seed?: number;
}

/** A value in the forward pass, a constant in the backward pass (tfjs has no stopGradient). */
const constant = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return { value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * Eq. 12 inside a user's own `model.fitDataset` loop, for those who keep it:
 *
 *   const hook = new ImplicitPriorCallback(model, 'convex', { beta: 1, store });
 *   model.compile({ optimizer: 'adam', loss: hook.loss });
 *   await model.fitDataset(hook.wrap(samples).batch(4), { epochs, callbacks: [hook] });
 *
 * `wrap` maps each sample {id, xs, ys, weights?} to {xs, ys'} where ys' stacks the weak
 * labels, their weights and the sample's prior map (loaded from the store, or started
 * from the net's output) on the channel axis; `loss` is the weak loss plus
 * beta * alpha * MSE(output, prior map) read from ys'; after each batch the callback
 * updates those samples' priors towards the net's new output and saves them.
 */
export class ImplicitPriorCallback extends tf.Callback {
  readonly priors: PerSamplePriors;
  private readonly opts: typeof JOINT_DEFAULTS & ImplicitPriorHookOptions;
  /** Samples wrapped but not yet updated, in dataset order (a batch takes the first `size`). */
  private readonly queue: Array<{ id: string; xs: tf.Tensor3D; state: PriorState }> = [];
  private steps = 0;

  constructor(private readonly net: tf.LayersModel, prior: PriorConfigInput, options: ImplicitPriorHookOptions = {}) {
    super();
    this.opts = { ...JOINT_DEFAULTS, ...options };
    this.priors = new PerSamplePriors(prior, this.opts.store ?? new MemoryPriorStore(), { learningRate: this.opts.priorLearningRate, stepsPerVisit: this.opts.priorStepsPerVisit, points: this.opts.priorPoints, seed: this.opts.seed });
  }

  /** The dataset for model.fitDataset (batch it afterwards). */
  wrap(samples: tf.data.Dataset<tf.TensorContainer>): tf.data.Dataset<{ xs: tf.Tensor3D; ys: tf.Tensor3D }> {
    return samples.mapAsync(async (value) => {
      const s = value as unknown as JointSample;
      const [height, width] = s.ys.shape;
      const [state] = await this.priors.states([s.id], () => [tf.tidy(() => (this.net.predict(tf.expandDims(s.xs, 0)) as tf.Tensor).dataSync() as Float32Array)], height, width);
      const map = this.priors.probabilityMaps([state!], height, width);
      this.queue.push({ id: s.id, xs: tf.keep(s.xs.clone()), state: state! });
      const ys = tf.tidy(() => tf.concat([s.ys, s.weights ?? tf.onesLike(s.ys), tf.reshape(map, [height, width, 1])], 2) as tf.Tensor3D);
      map.dispose();
      return { xs: s.xs, ys };
    });
  }

  /** The loss to compile the model with: ys' = [labels, weights, prior map]. */
  readonly loss = (packed: tf.Tensor, output: tf.Tensor): tf.Scalar => tf.tidy(() => {
    const [labels, weights, prior] = tf.split(packed, 3, -1);
    const weak = weightedBinaryCrossEntropy(labels!, output, weights);
    const mse = agreementPenalty(output, prior!);
    const w = constant(weak);
    const m = constant(mse);
    // alpha as a tensor (eq. 17: L_weak / MSE when MSE > L_weak, else 1), without gradient.
    let alpha: tf.Tensor = this.opts.alpha === 'soft-clip' ? tf.where(tf.greater(m, w), tf.div(w, tf.maximum(m, 1e-12)), tf.onesLike(m)) : tf.scalar(this.opts.alpha);
    if (this.steps < this.opts.warmupSteps) alpha = tf.scalar(0);
    return tf.add(weak, tf.mul(this.opts.beta, tf.mul(alpha, mse))) as tf.Scalar;
  });

  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const size = (logs?.['size'] as number | undefined) ?? 1;
    const done = this.queue.splice(0, size);
    if (done.length === 0) return;
    const xs = tf.stack(done.map((d) => d.xs)) as tf.Tensor4D;
    const out = this.net.predict(xs) as tf.Tensor4D;
    const mse = await this.priors.update(done.map((d) => d.id), done.map((d) => d.state), out);
    tf.dispose([xs, out, ...done.map((d) => d.xs)]);
    this.steps++;
    // Seen by the callbacks after this one (a tensorBoard callback listed later logs it).
    if (logs) logs['prior_loss'] = mse;
  }

  dispose(): void {
    for (const q of this.queue.splice(0)) q.xs.dispose();
    this.priors.dispose();
  }
}
