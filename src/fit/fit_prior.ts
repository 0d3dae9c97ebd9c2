import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { gridCoordinates } from '../coordinates.js';
import type { ProbabilityMap } from '../probability_map.js';
import type { Certificate, ImplicitPrior } from '../priors/implicit_prior.js';
import { PointSampler, type PointBatch } from './point_sampler.js';
import { AdjustableAdam } from './adjustable_adam.js';
import { CellQuadrature } from './cell_quadrature.js';
import { ConvergenceMonitor } from './convergence.js';
import { smoothedMap } from './moment_frame.js';

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
  onProgress?: (progress: FitProgress) => void;
}

export interface FitProgress {
  step: number;
  maxSteps: number;
  loss: number;
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
}

/**
 * Defaults that depend on the estimator. The cell quadrature's gradient has no
 * sampling noise: it takes Adam's 1e-2 (the authors' convex recipe) and a plateau
 * shows within 15-step windows. Random pixels need 1e-3 (the paper's; 1e-2 makes the
 * noisy steps too large) and 25-step windows to average the noise. Measured on
 * 256x256 occluded ellipses: cells IoU 0.982-0.990 in 225-300 steps (8-11 s); pixels
 * 0.95-0.97 in 300-400 steps; a fixed 3000-step full-grid fit 0.99.
 */
export const SAMPLING_DEFAULTS = {
  cells: { learningRate: 1e-2, checkEvery: 15, pointsPerStep: 3000 as number | 'all' },
  pixels: { learningRate: 1e-3, checkEvery: 25, pointsPerStep: 1024 as number | 'all' },
} as const;

/**
 * Scores are clipped to +-SCORE_CLIP before the sigmoid. Far from a small object F
 * reaches ~100, sigma(-100) is a denormal float32, and denormal arithmetic made wasm
 * steps 4x slower (measured: 258 vs 65 ms/step). Beyond 20 the sigmoid's gradient is
 * below 2e-9 anyway, so the objective is unchanged in practice.
 */
const SCORE_CLIP = 20;

export const FIT_DEFAULTS = {
  maxSteps: 1000,
  sampling: 'cells' as 'cells' | 'pixels',
  seed: 0,
  balance: true,
  foregroundWeight: 1,
  backgroundWeight: 1,
  tolerance: 0.01,
  patience: 2,
  reductions: 3,
  initialize: true,
} as const;

/**
 * Fits `prior` to a likelihood map by eq. 9 of the paper:
 *
 *   min_nu  E_x [ w(x) (sigma(-F_nu(x)) - g(x))^2 ],
 *
 * the expectation estimated each step on cells (default, see CellQuadrature) or on
 * random pixels, with Adam and the prior's constraint projection after every step.
 * Stops at `maxSteps` or when the loss has stopped improving (see
 * ConvergenceMonitor). Trains `prior` in place and returns it with its certificate
 * and the run's statistics; `seconds` is the optimisation alone, without the
 * certificate.
 */
export async function fitPrior(prior: ImplicitPrior, unaries: ProbabilityMap, options: FitOptions = {}): Promise<FitResult> {
  const opts = { ...FIT_DEFAULTS, ...SAMPLING_DEFAULTS[options.sampling ?? FIT_DEFAULTS.sampling], ...options };
  validateFitOptions(opts);
  const started = performance.now();
  if (opts.initialize) prior.initializeFromData?.(unaries, opts.seed);
  const weights = pixelWeights(unaries, opts);
  const source = batchSource(unaries, weights, opts);
  const monitor = new ConvergenceMonitor(opts.checkEvery, opts.tolerance, opts.patience, opts.reductions);
  const optimizer = new AdjustableAdam(opts.learningRate);
  const variables = prior.model.trainableWeights.map((w) => w.read() as tf.Variable);
  // A fixed point set (cells, or every pixel) becomes tensors once, not every step.
  const fixed = source.fixed ? toTensors(source.fixed) : null;
  let finalLoss = NaN;
  let steps = 0;
  let converged = false;
  try {
    for (let step = 1; step <= opts.maxSteps; step++) {
      const loss = tf.tidy(() => {
        const { points, targets, weights: w } = fixed ?? toTensors(source.next());
        return optimizer.minimize(() => {
          const p = tf.sigmoid(tf.neg(tf.clipByValue(prior.score(points), -SCORE_CLIP, SCORE_CLIP)));
          const data = tf.mean(tf.mul(w, tf.squaredDifference(p, targets))) as tf.Scalar;
          return prior.penalty ? tf.add(data, prior.penalty()) : data;
        }, true, variables)!;
      });
      prior.applyConstraints();
      steps = step;
      const stepLoss = (await loss.data())[0]!;
      loss.dispose();
      const decision = monitor.observe(stepLoss);
      finalLoss = Number.isNaN(monitor.windowLoss) ? stepLoss : monitor.windowLoss;
      if (step % opts.checkEvery === 0 || step === opts.maxSteps) opts.onProgress?.({ step, maxSteps: opts.maxSteps, loss: finalLoss });
      if (opts.tolerance > 0 && decision === 'stop') {
        converged = true;
        break;
      }
      if (opts.tolerance > 0 && decision === 'reduce') optimizer.rate /= 2;
    }
  } finally {
    optimizer.dispose();
    if (fixed) tf.dispose([fixed.points, fixed.targets, fixed.weights]);
  }
  const seconds = (performance.now() - started) / 1000;
  const certificate = prior.certify({ height: unaries.height, width: unaries.width, seed: opts.seed });
  return { prior, certificate, steps, seconds, finalLoss, pointsPerStep: source.pointsPerStep, converged, finalLearningRate: optimizer.rate };
}

function toTensors(b: PointBatch): { points: tf.Tensor2D; targets: tf.Tensor2D; weights: tf.Tensor2D } {
  return { points: tf.tensor2d(b.points, [b.count, 2]), targets: tf.tensor2d(b.targets, [b.count, 1]), weights: tf.tensor2d(b.weights, [b.count, 1]) };
}

/** Where each step's points come from: a fixed set (the cells, or every pixel), or fresh random pixels. */
function batchSource(map: ProbabilityMap, weights: Float32Array, o: { sampling: 'cells' | 'pixels'; pointsPerStep: number | 'all'; seed: number }): { fixed: PointBatch | null; next: () => PointBatch; pointsPerStep: number } {
  // The pixel sampler (with a coordinate per pixel) only where pixels are used, not for cells.
  const pixels = () => new PointSampler(gridCoordinates(map.height, map.width), map.data, weights, seedrandom(`fit-${o.seed}`));
  if (o.pointsPerStep === 'all') {
    const every = pixels().all();
    return { fixed: every, next: () => every, pointsPerStep: map.data.length };
  }
  const perStep = o.pointsPerStep;
  if (o.sampling === 'pixels') {
    const sampler = pixels();
    return { fixed: null, next: () => sampler.sample(perStep), pointsPerStep: perStep };
  }
  const cells = new CellQuadrature(map, weights, Math.max(1, Math.round(Math.sqrt(perStep))));
  return { fixed: cells.batch, next: () => cells.batch, pointsPerStep: cells.count };
}

/**
 * The loss weight of every pixel. A pixel's class (foreground or background) is read
 * from the box-blurred map, so isolated confidently-wrong pixels (speckle) take the
 * class of their surroundings. With `balance`, each class then carries half of the
 * total weight: background usually covers most of the image, and without balancing
 * its area pulls the 0.5 level of sigma(-F) inward whenever the map is noisy.
 */
function pixelWeights(map: ProbabilityMap, o: { balance: boolean; foregroundWeight: number; backgroundWeight: number }): Float32Array {
  const smooth = smoothedMap(map);
  const n = smooth.length;
  let fg = 0;
  for (const v of smooth) if (v >= 0.5) fg++;
  let wf = o.foregroundWeight;
  let wb = o.backgroundWeight;
  if (o.balance && fg > 0 && fg < n) {
    wf *= n / (2 * fg);
    wb *= n / (2 * (n - fg));
  }
  return smooth.map((v) => (v >= 0.5 ? wf : wb));
}

function validateFitOptions(o: Required<Omit<FitOptions, 'onProgress'>>): void {
  const check = (ok: boolean, name: string, value: unknown, want: string) => {
    if (!ok) throw new RangeError(`${name} must be ${want}, got ${JSON.stringify(value)}`);
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
