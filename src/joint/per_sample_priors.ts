import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { gridCoordinates } from '../coordinates.js';
import { probabilityMap } from '../probability_map.js';
import { createPrior } from '../priors/create_prior.js';
import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { resolvePriorConfig, type PriorConfig, type PriorConfigInput } from '../priors/prior_config.js';
import { PerSampleAdam } from './per_sample_adam.js';
import { binaryCrossEntropy } from './joint_loss.js';
import { initialState, readWeights, weightKey, writeWeights } from './prior_parameters.js';
import type { PriorState, PriorStore } from './prior_state.js';
import { ConfigError } from '../errors.js';
import { probabilityOfScores } from '../priors/prior_probability.js';
import { weightDecayPenalty } from '../fit/fit_prior.js';
import { startForTraining } from '../priors/implicit_prior.js';
import { describeKey, priorKey, type PriorKey } from './prior_key.js';
import { applyTransform, invertTransform, resampleToOriginal, type ViewTransform } from './view_transform.js';

export interface PerSamplePriorOptions {
  /** Adam (or Adamax, see PerSampleAdam) learning rate of every sample's prior. */
  learningRate: number;
  /** Prior optimiser steps per visit of a sample (the net takes one). */
  stepsPerVisit: number;
  /** Random pixels per prior step (the whole grid when the image has fewer). */
  points: number;
  seed: number;
  /** The output channel these priors belong to: store keys are then { id, class }; absent: the plain sample id. */
  class?: number;
  /** How a sample's prior starts on its first visit (see PriorStart); default 'fit'. */
  start?: PriorStart;
}

/**
 * How a per-sample prior starts from the net's output on its first visit:
 * - 'fit': the kind's own start for a fit (initializeFromData, as fitPrior and the
 *   sequential variant use it): the closed-form fit where the kind has one (the convex
 *   hull, the polar kinds' radial shape), the path-connected prior's unbending start;
 * - 'training': the start meant for gradient training (initializeForTraining: the
 *   convex prior's moment ellipse), the same as 'fit' for kinds without one.
 * Measured on the Table 1 scenes (CNN, tuning scenes 4 and 10): with 'training' the
 * joint prior shrank from the moment ellipse and took the net with it (net 0.631 / 0.672,
 * against 0.747 / 0.759 sequential); with 'fit' 0.800 / 0.897.
 */
export type PriorStart = 'fit' | 'training';

/**
 * The priors nu_i of eq. 12, one per training example, kept in a PriorStore: one
 * working prior (one tfjs model) into which each sample's parameters are loaded in
 * turn. A sample seen for the first time starts from the data-dependent
 * initialisation on the net's current output for it.
 */
export class PerSamplePriors {
  readonly config: PriorConfig;
  readonly prior: ImplicitPrior;
  private readonly adam: PerSampleAdam;
  private readonly decay: { variables: tf.Variable[]; weight: number } | null;
  private readonly rng: () => number;
  private grids = new Map<string, tf.Tensor2D>();

  constructor(config: PriorConfigInput, readonly store: PriorStore, readonly options: PerSamplePriorOptions) {
    this.config = resolvePriorConfig(config);
    if (this.config.kind !== 'union' && this.config.inputDim !== 2) throw new ConfigError('joint training uses 2-D priors (one per image)');
    this.prior = createPrior(this.config, { seed: options.seed });
    // A prior with training stages (the path-connected one) is updated as its last stage fits it: that stage's optimiser and weight decay.
    const last = this.prior.trainingStages?.().at(-1);
    this.adam = new PerSampleAdam(options.learningRate, last?.optimizer ?? 'adam');
    this.decay = last?.decay && last.decay.weight > 0 ? last.decay : null;
    this.rng = seedrandom(`joint-${options.seed}`);
  }

  /** The store key of sample `id`'s prior: the id, or { id, class }. */
  key(id: string): PriorKey {
    return priorKey(id, this.options.class);
  }

  /** Frame coordinates of an H x W grid, as a tensor (cached per size). */
  grid(height: number, width: number): tf.Tensor2D {
    const key = `${height}x${width}`;
    let g = this.grids.get(key);
    if (!g) {
      g = tf.tensor2d(gridCoordinates(height, width), [height * width, 2]);
      this.grids.set(key, g);
    }
    return g;
  }

  /**
   * Where the view's pixels lie in the original image's frame: the grid itself, or the
   * grid under the inverse of the view's transform (a new tensor; see `release`).
   */
  viewGrid(height: number, width: number, transform?: ViewTransform): tf.Tensor2D {
    if (!transform) return this.grid(height, width);
    return tf.tensor2d(applyTransform(invertTransform(transform), gridCoordinates(height, width)), [height * width, 2]);
  }

  /** Disposes a viewGrid result unless it is the cached grid. */
  private release(points: tf.Tensor2D, transform?: ViewTransform): void {
    if (transform) points.dispose();
  }

  /**
   * The stored state of each id; ids never seen start from their map in `netMaps`
   * (called only when some id is new: [N, H, W] foreground probabilities of the views,
   * brought back to the original image's frame through `transforms`).
   */
  async states(ids: string[], netMaps: () => Float32Array[], height: number, width: number, transforms?: ReadonlyArray<ViewTransform | undefined>): Promise<PriorState[]> {
    const loaded = await Promise.all(ids.map((id) => this.store.load(this.key(id))));
    if (loaded.every((s) => s !== undefined)) return loaded as PriorState[];
    const maps = netMaps();
    return loaded.map((s, i) => {
      if (s) return s;
      const t = transforms?.[i];
      const map = probabilityMap(height, width, t ? resampleToOriginal(maps[i]!, height, width, t) : maps[i]!);
      if ((this.options.start ?? 'fit') === 'fit') {
        // What fitPrior would start from (on the data the kind fits: fitData): the sequential variant's prior, before its steps.
        this.prior.initializeFromData?.(this.prior.fitData?.(map) ?? map, this.options.seed);
      } else {
        startForTraining(this.prior, map, this.options.seed);
      }
      return initialState(this.prior);
    });
  }

  /** The prior's foreground probability sigma(-F) at each view's H x W pixels (through its transform, if any) for each state: [N, H, W, 1]. */
  probabilityMaps(states: PriorState[], height: number, width: number, transforms?: ReadonlyArray<ViewTransform | undefined>): tf.Tensor4D {
    const maps = states.map((s, i) => {
      writeWeights(this.prior, s.weights, 'prior state');
      const points = this.viewGrid(height, width, transforms?.[i]);
      const map = tf.tidy(() => probabilityOfScores(this.prior.score(points)));
      this.release(points, transforms?.[i]);
      return map;
    });
    const out = tf.tidy(() => tf.reshape(tf.stack(maps), [states.length, height, width, 1]) as tf.Tensor4D);
    tf.dispose(maps);
    return out;
  }

  /**
   * Updates each sample's prior towards the net's output `targets` ([N, H, W, 1],
   * held fixed): `stepsPerVisit` Adam steps (Adamax and the weight decay of the prior's
   * last training stage, for the path-connected prior) on the mean squared difference at random
   * pixels, plus, with `weak`, the binary cross-entropy of the prior on the weak labels
   * (the paper's scribble loss, eq. 13: BCE(G(w_s), s) anchors the prior to the labels
   * themselves, so net and prior cannot drift off together), with the constraint
   * projection after each step; saves the states. Each view's pixels are taken where
   * its transform says they came from in the original image. Returns the mean squared
   * difference before the update.
   */
  async update(ids: string[], states: PriorState[], targets: tf.Tensor4D, weak?: { labels: tf.Tensor4D; weights?: tf.Tensor4D }, transforms?: ReadonlyArray<ViewTransform | undefined>): Promise<number> {
    const [, height, width] = targets.shape;
    const pixels = height * width;
    const variables = Object.fromEntries(this.prior.model.trainableWeights.map((w) => [weightKey(w), w.read() as tf.Variable]));
    const column = (t: tf.Tensor4D, i: number) => tf.reshape(tf.slice(t, [i, 0, 0, 0], [1, height, width, 1]), [pixels, 1]) as tf.Tensor2D;
    const score = (pts: tf.Tensor2D) => probabilityOfScores(this.prior.score(pts));
    let before = 0;
    for (let i = 0; i < ids.length; i++) {
      let state = states[i]!;
      writeWeights(this.prior, state.weights, `prior of ${describeKey(this.key(ids[i]!))}`);
      const grid = this.viewGrid(height, width, transforms?.[i]);
      const target = tf.tidy(() => column(targets, i));
      const balance = classBalance(target);
      const labelled = weak ? this.labelledPixels(weak, i, column, grid) : null;
      // The moments stay tensors for the visit's steps (read in and out once; see PerSampleAdam.begin).
      const moments = this.adam.begin(state.optimizer);
      try {
        for (let k = 0; k < this.options.stepsPerVisit; k++) {
          const picks = this.pickPixels(pixels);
          const { value, grads } = tf.tidy(() => {
            const pts = (picks ? tf.gather(grid, picks) : grid) as tf.Tensor2D;
            const goal = picks ? tf.gather(target, picks) : target;
            const w = picks ? tf.gather(balance, picks) : balance;
            const n = pts.shape[0];
            // The random pixels and the labelled ones in one evaluation of the prior: a pc prior's pass is ~270 kernels.
            const all = labelled ? tf.concat([pts, labelled.points]) : pts;
            let kept: tf.Tensor | null = null;
            const out = tf.variableGrads(() => {
              const p = score(all as tf.Tensor2D);
              const d = tf.squaredDifference(labelled ? tf.slice(p, [0, 0], [n, 1]) : p, goal);
              kept = tf.keep(tf.mean(d));
              let loss = tf.mean(tf.mul(w, d)) as tf.Scalar;
              if (labelled) loss = tf.add(loss, tf.div(tf.sum(tf.mul(labelled.weights, binaryCrossEntropy(labelled.labels, tf.slice(p, [n, 0], [labelled.points.shape[0], 1])))), labelled.total));
              if (this.decay) loss = tf.add(loss, weightDecayPenalty(this.decay));
              return loss;
            }, Object.values(variables));
            tf.dispose(out.value);
            return { value: kept! as tf.Tensor, grads: out.grads };
          });
          if (k === 0) before += value.dataSync()[0]!;
          const keyed: Record<string, tf.Tensor> = {};
          for (const [key, v] of Object.entries(variables)) keyed[key] = grads[v.name]!;
          this.adam.step(variables, keyed, moments, state.step + 1);
          this.prior.applyConstraints();
          // The weights live in the prior's variables between steps; they are read out once, after the visit.
          state = { ...state, step: state.step + 1 };
          tf.dispose([value, ...Object.values(grads)]);
          picks?.dispose();
        }
      } catch (error) {
        this.adam.release(moments);
        throw error;
      }
      state = { ...state, optimizer: this.adam.end(moments), config: this.config, weights: readWeights(this.prior) };
      this.release(grid, transforms?.[i]);
      tf.dispose([target, balance, ...(labelled ? [labelled.points, labelled.labels, labelled.weights, labelled.total] : [])]);
      states[i] = state;
      await this.store.save(this.key(ids[i]!), state);
    }
    return before / ids.length;
  }

  /** Sample i's labelled pixels (weight > 0): coordinates, labels, weights and their total; null when none. */
  private labelledPixels(weak: { labels: tf.Tensor4D; weights?: tf.Tensor4D }, i: number, column: (t: tf.Tensor4D, i: number) => tf.Tensor2D, grid: tf.Tensor2D): { points: tf.Tensor2D; labels: tf.Tensor2D; weights: tf.Tensor2D; total: tf.Scalar } | null {
    const [, height, width] = weak.labels.shape;
    const w = weak.weights ? tf.tidy(() => column(weak.weights!, i)) : tf.ones([height * width, 1]);
    const wv = w.dataSync();
    const idx: number[] = [];
    for (let p = 0; p < wv.length; p++) if (wv[p]! > 0) idx.push(p);
    if (idx.length === 0) {
      w.dispose();
      return null;
    }
    // At most `points` of them per step's evaluation (a dense label map is subsampled once).
    const step = Math.max(1, Math.ceil(idx.length / this.options.points));
    const keep = tf.tensor1d(idx.filter((_, k) => k % step === 0), 'int32');
    const out = tf.tidy(() => {
      const labels = tf.gather(column(weak.labels, i), keep) as tf.Tensor2D;
      // Each class of labels carries half of the term: background scribbles are usually far more pixels, and alone they empty the prior.
      const weights = tf.mul(tf.gather(w, keep), classBalance(labels)) as tf.Tensor2D;
      return { points: tf.gather(grid, keep) as tf.Tensor2D, labels, weights, total: tf.sum(weights) as tf.Scalar };
    });
    tf.dispose([w, keep]);
    return out;
  }

  /** Random pixel indices for one prior step, or null for the whole grid. */
  private pickPixels(pixels: number): tf.Tensor1D | null {
    if (pixels <= this.options.points) return null;
    const idx = new Int32Array(this.options.points);
    for (let k = 0; k < idx.length; k++) idx[k] = Math.floor(this.rng() * pixels);
    return tf.tensor1d(idx, 'int32');
  }

  dispose(): void {
    for (const g of this.grids.values()) g.dispose();
    this.grids.clear();
    this.prior.dispose();
  }
}


/**
 * Per-pixel weights that give foreground (value >= 0.5: the net's output, or a label)
 * and background half of the objective each, as fitPrior's class balance does:
 * without it a small object's prior shrinks towards the labelled core.
 */
function classBalance(target: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const fg = tf.cast(tf.greaterEqual(target, 0.5), 'float32');
    const n = target.shape[0];
    const nf = tf.sum(fg);
    const wf = tf.div(n / 2, tf.maximum(nf, 1));
    const wb = tf.div(n / 2, tf.maximum(tf.sub(n, nf), 1));
    return tf.add(tf.mul(fg, wf), tf.mul(tf.sub(1, fg), wb)) as tf.Tensor2D;
  });
}
