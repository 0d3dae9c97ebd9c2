import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { gridCoordinates } from '../coordinates.js';
import type { ProbabilityMap } from '../probability_map.js';
import type { Certificate, ImplicitPrior, TrainingStage } from '../priors/implicit_prior.js';
import { isSliceStack, type LikelihoodData, type Slice, type SliceStack } from '../slice_stack.js';
import { PointSampler, concatBatches, type PointBatch } from './point_sampler.js';
import { AdjustableAdam, AdjustableAdamax, type AdjustableOptimizer } from '../optimizers/adjustable_optimizers.js';
import { PerVariableRateOptimizer } from '../optimizers/per_variable_rates.js';
import { CellQuadrature } from './cell_quadrature.js';
import { ConvergenceMonitor } from './convergence.js';
import { smoothedMap } from '../analysis/moment_frame.js';
import { evaluateScores, sliceCoordinates } from '../priors/evaluate.js';
import { readWeights, writeWeights } from '../priors/prior_weights.js';
import { ConfigError } from '../errors.js';
import { FIT_DEFAULTS, SAMPLING_DEFAULTS } from './fit_defaults.js';
import { probabilityOfScores } from '../priors/prior_probability.js';

export interface FitOptions {
  /** Upper bound on optimiser steps. */
  maxSteps?: number;
  /**
   * How the integral of eq. 9 is estimated each step:
   * - 'cells' (default): a quadrature over an adaptive grid; each cell, split by class,
   *   is one point at its centroid carrying its pixels' mean likelihood and total
   *   weight (see CellQuadrature). No sampling noise.
   * - 'pixels': `pointsPerStep` random pixels per step (stratified over the raster),
   *   the paper's Monte-Carlo estimate.
   */
  sampling?: 'cells' | 'pixels';
  /**
   * Points per step: with 'cells', about this many fine cells (sqrt(P) across the
   * region of interest, plus coarse cells outside it); with 'pixels', exactly P
   * pixels. 'all': every pixel, every step (the exact objective; slow, a reference).
   * Default: 3000 with 'cells', 1024 with 'pixels'.
   */
  pointsPerStep?: number | 'all';
  /** Adam learning rate (default: SAMPLING_DEFAULTS: 1e-2 with 'cells', 1e-3 with 'pixels'). */
  learningRate?: number;
  /** Seeds point sampling and tfjs initialisers: equal seeds give equal fits on one backend. */
  seed?: number;
  /**
   * Weigh foreground and background pixels so that each class contributes half of
   * the objective, as the authors' code does by sampling equally many of each.
   * Multiplies foregroundWeight / backgroundWeight.
   */
  balance?: boolean;
  /** Weight of the squared error at foreground pixels (blurred likelihood >= 0.5; e.g. < 1 where occluders hide the object). */
  foregroundWeight?: number;
  /** Weight of the squared error at background pixels (blurred likelihood < 0.5). */
  backgroundWeight?: number;
  /**
   * Convergence test (see ConvergenceMonitor): a window of `checkEvery` steps whose
   * mean loss does not improve on the best by this relative margin is a plateau;
   * after `patience` plateau windows the learning rate is halved, and after
   * `reductions` halvings the fit stops. 0 disables the test: exactly maxSteps steps
   * at a constant learning rate.
   */
  tolerance?: number;
  /** Steps per loss window of the convergence test (default: 15 with 'cells', 25 with 'pixels'). */
  checkEvery?: number;
  /** Plateau windows in a row before the learning rate is halved. */
  patience?: number;
  /** Learning-rate halvings before the fit counts as converged. */
  reductions?: number;
  /** Run the prior's data-dependent initialisation first (false: continue from the current parameters). */
  initialize?: boolean;
  /**
   * When the fitted mask has IoU < 0.5 with the map's foreground class, initialise
   * again and fit at a tenth of the learning rate (once), as the authors' code
   * re-initialises failed fits. Needs `initialize`; skipped where the start is fitted
   * to the map's own outline (ImplicitPrior.startedFromShape: the pc prior's).
   */
  retry?: boolean;
  onProgress?: (progress: FitProgress) => void;
}

export interface FitProgress {
  step: number;
  maxSteps: number;
  loss: number;
  /** The training stage running (see ImplicitPrior.trainingStages; 'fit' for one-stage priors). */
  stage: string;
}

/** What a fit returns: the fitted prior (trained in place), its certificate and the run's statistics. */
export interface FitResult extends FitStats {
  prior: ImplicitPrior;
  /** `prior.certify()` on the fitted map's frame. */
  certificate: Certificate;
}

export interface FitStats {
  steps: number;
  seconds: number;
  /** Mean loss over the last `checkEvery` steps (the last step's loss if fewer ran). */
  finalLoss: number;
  /** The learning rate after the convergence test's halvings. */
  finalLearningRate: number;
  pointsPerStep: number;
  /** True when the convergence test stopped the fit before maxSteps. */
  converged: boolean;
  /** True when the first fit ended far from the data and was started again (see FitOptions.retry). */
  retried?: boolean;
}

export { FIT_DEFAULTS, SAMPLING_DEFAULTS } from './fit_defaults.js';

/**
 * Fits `prior` to a likelihood map by eq. 9 of the paper:
 *
 *   min_nu  E_x [ w(x) (sigma(-F_nu(x)) - g(x))^2 ],
 *
 * the expectation estimated each step on cells (default, see CellQuadrature) or on
 * random pixels, with Adam and the prior's constraint projection after every step.
 * Stops at `maxSteps` or when the loss has stopped improving (see
 * ConvergenceMonitor). A prior whose start already fits the data in closed form
 * (`fittedByStart`: on one map, the convex prior's hull, a polar prior's best radial
 * shape) takes no steps. Trains `prior` in place and returns it with its certificate
 * and the run's statistics; `seconds` is the optimisation alone, without the
 * certificate.
 *
 * `data` is one map (a 2-D prior) or a SliceStack (a 3-D prior on (x, y, z): frames
 * at times, or a map lifted to depth); each slice is integrated like a map and every
 * pixel of every slice weighs the same. Priors with training stages (the
 * path-connected prior) run them in turn, each with its own optimiser and its share
 * of maxSteps.
 */
export async function fitPrior(prior: ImplicitPrior, given: LikelihoodData, options: FitOptions = {}): Promise<FitResult> {
  const data = prior.fitData?.(given) ?? given;
  const opts = { ...FIT_DEFAULTS, ...SAMPLING_DEFAULTS[options.sampling ?? FIT_DEFAULTS.sampling], ...options };
  validateFitOptions(opts);
  const dim = prior.model.inputs[0]!.shape[1];
  const wanted = isSliceStack(data) ? 3 : 2;
  if (dim !== wanted) throw new ConfigError(`a ${dim}-D prior cannot be fitted to ${isSliceStack(data) ? 'a stack of slices (3-D data)' : 'one map (2-D data)'}; it needs inputDim ${wanted}`);
  const started = performance.now();
  const source = batchSource(data, opts);
  // A fixed point set (cells, or every pixel) becomes tensors once, not every step.
  const fixed = source.fixed ? toTensors(source.fixed) : null;
  let last: StageStats = { steps: 0, finalLoss: NaN, converged: false, finalLearningRate: opts.learningRate };
  let steps = 0;
  let retried = false;
  const optimise = async (learningRate: number) => {
    if (opts.initialize) prior.initializeFromData?.(data, opts.seed);
    if (prior.fittedByStart) {
      last = { steps: 0, finalLoss: lossAt(prior, fixed ?? toTensors(source.next()), !fixed), converged: true, finalLearningRate: learningRate };
      return;
    }
    const stages = prior.trainingStages?.() ?? [{ name: 'fit', variables: prior.model.trainableWeights.map((w) => w.read() as tf.Variable), optimizer: 'adam', share: 1 } satisfies TrainingStage];
    for (const stage of stages) {
      const stageSteps = Math.max(1, Math.round(stage.share * opts.maxSteps));
      last = await runStage(prior, stage, stageSteps, { ...opts, learningRate }, () => fixed ?? toTensors(source.next()), steps);
      steps += last.steps;
    }
  };
  try {
    await optimise(opts.learningRate);
    // The authors' safeguard: a fit that ends far from its data (IoU < 0.5 with the map's
    // classes) is started again, here at a tenth of the learning rate. Measured: a
    // convex fit of a saturated 40x40 net output collapsed to an empty set at 1e-2
    // (IoU 0) and fitted it at 1e-3 (183 of 158 + specks pixels).
    const agreement = opts.retry && opts.initialize && !prior.fittedByStart && !prior.startedFromShape ? agreementWithData(prior, data) : 1;
    if (agreement < RETRY_BELOW) {
      retried = true;
      const first = { weights: readWeights(prior), last };
      await optimise(opts.learningRate / 10);
      // Keep whichever of the two fits agrees better with the data.
      if (agreementWithData(prior, data) < agreement) {
        writeWeights(prior, first.weights, 'the first fit');
        last = first.last;
      }
    }
  } finally {
    if (fixed) tf.dispose([fixed.points, fixed.targets, fixed.weights]);
  }
  const seconds = (performance.now() - started) / 1000;
  const certificate = prior.certify({ height: data.height, width: data.width, seed: opts.seed, ...(isSliceStack(data) ? { thirdRange: thirdRange(data) } : {}) });
  return { prior, certificate, steps, seconds, finalLoss: last.finalLoss, pointsPerStep: source.pointsPerStep, converged: last.converged, finalLearningRate: last.finalLearningRate, retried };
}

/** Below this IoU between the fitted mask and the data's classes, fitPrior starts again (see `retry`). */
const RETRY_BELOW = 0.5;

/** At most about this many pixels per slice go into agreementWithData (a stride over larger maps): an IoU against 0.5 needs no more. */
const AGREEMENT_PIXELS = 65536;

/** IoU of the prior's mask with the foreground class (blurred map >= 0.5) over the data's pixels (every slice of a stack; a regular subset of a large one). */
function agreementWithData(prior: ImplicitPrior, data: LikelihoodData): number {
  const slices: Slice[] = isSliceStack(data) ? [...data.slices] : [{ map: data, third: NaN }];
  const { height, width } = data;
  const stride = Math.max(1, Math.floor(Math.sqrt((height * width) / AGREEMENT_PIXELS)));
  const picked: number[] = [];
  for (let y = 0; y < height; y += stride) for (let x = 0; x < width; x += stride) picked.push(y * width + x);
  let inter = 0;
  let union = 0;
  for (const slice of slices) {
    const { coords, dim } = sliceCoordinates(height, width, isSliceStack(data) ? slice.third : undefined);
    const subset = new Float32Array(picked.length * dim);
    picked.forEach((p, k) => subset.set(coords.subarray(p * dim, (p + 1) * dim), k * dim));
    const scores = evaluateScores(prior, subset, dim);
    const smooth = smoothedMap(slice.map);
    picked.forEach((p, k) => {
      const a = scores[k]! <= 0;
      const b = smooth[p]! >= 0.5;
      if (a && b) inter++;
      if (a || b) union++;
    });
  }
  return union === 0 ? 1 : inter / union;
}

type StageOptions = Required<Pick<FitOptions, 'maxSteps' | 'learningRate' | 'checkEvery' | 'tolerance' | 'patience' | 'reductions'>> & Pick<FitOptions, 'onProgress'>;

/** The range of the third coordinate over a stack's slices. */
function thirdRange(stack: SliceStack): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const { third } of stack.slices) {
    for (const z of typeof third === 'number' ? [third] : third) {
      lo = Math.min(lo, z);
      hi = Math.max(hi, z);
    }
  }
  return lo < hi ? [lo, hi] : [lo - 1, hi + 1];
}

interface StageStats {
  steps: number;
  finalLoss: number;
  converged: boolean;
  finalLearningRate: number;
}

interface BatchTensors {
  points: tf.Tensor2D;
  targets: tf.Tensor2D;
  weights: tf.Tensor2D;
}

/** One stage's optimisation loop: its optimiser, its weights, its own convergence test. */
async function runStage(
  prior: ImplicitPrior, stage: TrainingStage, maxSteps: number, opts: StageOptions,
  batch: () => BatchTensors, stepsBefore: number,
): Promise<StageStats> {
  const rate = stage.learningRate ?? opts.learningRate;
  // Input-convex z-kernels step at rate / fan-in (rateMultiplier says why).
  const optimizer: AdjustableOptimizer = new PerVariableRateOptimizer(rate, stage.variables, (r) => (stage.optimizer === 'adamax' ? new AdjustableAdamax(r) : new AdjustableAdam(r)));
  const monitor = new ConvergenceMonitor(opts.checkEvery, opts.tolerance, opts.patience, opts.reductions);
  const decay = stage.decay && stage.decay.weight > 0 ? stage.decay : null;
  let finalLoss = NaN;
  let steps = 0;
  let converged = false;
  const earliestStop = Math.round((stage.minShare ?? 0) * maxSteps);
  try {
    for (let step = 1; step <= maxSteps; step++) {
      const loss = tf.tidy(() => {
        const b = batch();
        return optimizer.minimize(() => (decay ? tf.add(dataLoss(prior, b), weightDecayPenalty(decay)) : dataLoss(prior, b)) as tf.Scalar, true, stage.variables)!;
      });
      prior.applyConstraints();
      steps = step;
      // The loss reported and watched is eq. 9 with the penalty, without the weight decay (a training device, not part of the objective).
      const stepLoss = (await loss.data())[0]!;
      loss.dispose();
      // Before earliestStop the stage keeps its full rate: the monitor sees nothing, so it neither halves the rate nor stops.
      const decision = step > earliestStop ? monitor.observe(stepLoss) : 'continue';
      finalLoss = Number.isNaN(monitor.windowLoss) ? stepLoss : monitor.windowLoss;
      if (step % opts.checkEvery === 0 || step === maxSteps) opts.onProgress?.({ step: stepsBefore + step, maxSteps: opts.maxSteps, loss: finalLoss, stage: stage.name });
      if (opts.tolerance > 0 && decision === 'stop') {
        converged = true;
        break;
      }
      if (opts.tolerance > 0 && decision === 'reduce') optimizer.rate /= 2;
    }
  } finally {
    optimizer.dispose();
  }
  return { steps, finalLoss, converged, finalLearningRate: optimizer.rate };
}

/** Eq. 9 on one batch: the weighted squared error of sigma(-F), plus the prior's penalty. */
function dataLoss(prior: ImplicitPrior, b: BatchTensors): tf.Scalar {
  const p = probabilityOfScores(prior.score(b.points));
  const total = tf.mean(tf.mul(b.weights, tf.squaredDifference(p, b.targets))) as tf.Scalar;
  return prior.penalty ? tf.add(total, prior.penalty()) : total;
}

/** dataLoss's value without a step; `dispose` frees the batch. */
function lossAt(prior: ImplicitPrior, batch: BatchTensors, dispose: boolean): number {
  const value = tf.tidy(() => dataLoss(prior, batch).dataSync()[0]!);
  if (dispose) tf.dispose([batch.points, batch.targets, batch.weights]);
  return value;
}

/** A stage's weight decay, (weight / 2) |theta|^2 (PyTorch's coupled `weight_decay`): fits and joint updates add the same term. */
export function weightDecayPenalty(decay: NonNullable<TrainingStage['decay']>): tf.Scalar {
  return tf.mul(decay.weight / 2, tf.addN(decay.variables.map((v) => tf.sum(tf.square(v))))) as tf.Scalar;
}

function toTensors(b: PointBatch): BatchTensors {
  return { points: tf.tensor2d(b.points, [b.count, b.dim]), targets: tf.tensor2d(b.targets, [b.count, 1]), weights: tf.tensor2d(b.weights, [b.count, 1]) };
}

/** Where each step's points come from: a fixed set (the cells, or every pixel), or fresh random pixels. */
function batchSource(data: LikelihoodData, o: FitWeighting & { sampling: 'cells' | 'pixels'; pointsPerStep: number | 'all'; seed: number }): { fixed: PointBatch | null; next: () => PointBatch; pointsPerStep: number } {
  const slices: Slice[] = isSliceStack(data) ? [...data.slices] : [{ map: data, third: NaN }];
  const dim = isSliceStack(data) ? 3 : 2;
  const weights = pixelWeights(slices.map((s) => s.map), o);
  const pixelsPerSlice = data.height * data.width;
  // The pixel sampler (with a coordinate per pixel) only where pixels are used, not for cells.
  const pixels = () => {
    const grid = gridCoordinates(data.height, data.width);
    const coords = new Float32Array(slices.length * pixelsPerSlice * dim);
    slices.forEach((slice, s) => {
      for (let i = 0; i < pixelsPerSlice; i++) {
        const at = (s * pixelsPerSlice + i) * dim;
        coords[at] = grid[2 * i]!;
        coords[at + 1] = grid[2 * i + 1]!;
        if (dim === 3) coords[at + 2] = typeof slice.third === 'number' ? slice.third : slice.third[i]!;
      }
    });
    const likelihood = new Float32Array(slices.length * pixelsPerSlice);
    slices.forEach((slice, s) => likelihood.set(slice.map.data, s * pixelsPerSlice));
    const w = new Float32Array(likelihood.length);
    weights.forEach((ws, s) => w.set(ws, s * pixelsPerSlice));
    return new PointSampler(coords, dim, likelihood, w, seedrandom(`fit-${o.seed}`));
  };
  if (o.pointsPerStep === 'all') {
    const every = pixels().all();
    return { fixed: every, next: () => every, pointsPerStep: every.count };
  }
  const perStep = o.pointsPerStep;
  if (o.sampling === 'pixels') {
    const sampler = pixels();
    return { fixed: null, next: () => sampler.sample(perStep), pointsPerStep: perStep };
  }
  // The cell budget is shared by the slices: each gets its own quadrature.
  const fineCells = Math.max(1, Math.round(Math.sqrt(perStep / slices.length)));
  const cells = concatBatches(slices.map((slice, s) => new CellQuadrature(slice.map, weights[s]!, fineCells, dim === 3 ? slice.third : undefined).batch));
  return { fixed: cells, next: () => cells, pointsPerStep: cells.count };
}

interface FitWeighting {
  balance: boolean;
  foregroundWeight: number;
  backgroundWeight: number;
}

/**
 * The loss weight of every pixel of every map. A pixel's class (foreground or
 * background) is read from the box-blurred map, so isolated confidently-wrong pixels
 * (speckle) take the class of their surroundings. With `balance`, each class then
 * carries half of the total weight (over all maps): background usually covers most
 * of the image, and without balancing its area pulls the 0.5 level of sigma(-F)
 * inward whenever the map is noisy.
 */
function pixelWeights(maps: ProbabilityMap[], o: FitWeighting): Float32Array[] {
  const smooth = maps.map((m) => smoothedMap(m));
  let n = 0;
  let fg = 0;
  for (const sm of smooth) {
    n += sm.length;
    for (const v of sm) if (v >= 0.5) fg++;
  }
  let wf = o.foregroundWeight;
  let wb = o.backgroundWeight;
  if (o.balance && fg > 0 && fg < n) {
    wf *= n / (2 * fg);
    wb *= n / (2 * (n - fg));
  }
  return smooth.map((sm) => sm.map((v) => (v >= 0.5 ? wf : wb)));
}

function validateFitOptions(o: Required<Omit<FitOptions, 'onProgress'>>): void {
  const check = (ok: boolean, name: string, value: unknown, want: string) => {
    if (!ok) throw new ConfigError(`${name} must be ${want}, got ${JSON.stringify(value)}`);
  };
  check(Number.isInteger(o.maxSteps) && o.maxSteps >= 1, 'maxSteps', o.maxSteps, 'a positive integer');
  check(o.pointsPerStep === 'all' || (Number.isInteger(o.pointsPerStep) && o.pointsPerStep >= 1), 'pointsPerStep', o.pointsPerStep, "a positive integer or 'all'");
  check(o.learningRate > 0 && Number.isFinite(o.learningRate), 'learningRate', o.learningRate, 'a positive number');
  check(Number.isFinite(o.seed), 'seed', o.seed, 'a finite number');
  check(o.sampling === 'cells' || o.sampling === 'pixels', 'sampling', o.sampling, "'cells' or 'pixels'");
  check(o.foregroundWeight >= 0 && o.backgroundWeight >= 0 && o.foregroundWeight + o.backgroundWeight > 0,
    'foregroundWeight/backgroundWeight', [o.foregroundWeight, o.backgroundWeight], 'non-negative and not both 0');
  check(o.tolerance >= 0 && o.tolerance < 1, 'tolerance', o.tolerance, 'in [0, 1)');
  check(Number.isInteger(o.checkEvery) && o.checkEvery >= 1, 'checkEvery', o.checkEvery, 'a positive integer');
  check(Number.isInteger(o.patience) && o.patience >= 1, 'patience', o.patience, 'a positive integer');
  check(Number.isInteger(o.reductions) && o.reductions >= 0, 'reductions', o.reductions, 'a non-negative integer');
}
