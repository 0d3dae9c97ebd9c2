import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { gridCoordinates } from '../coordinates.js';
import type { ProbabilityMap } from '../probability_map.js';
import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { PointSampler } from './point_sampler.js';
import { ConvergenceMonitor } from './convergence.js';

export interface FitOptions {
  /** Upper bound on optimiser steps. */
  maxSteps?: number;
  /**
   * Monte-Carlo points per step (the integral of eq. 9 is estimated on them), or
   * 'all' for the exact full-grid objective (every pixel, every step: slow, a reference).
   */
  pointsPerStep?: number | 'all';
  /** Adam learning rate. */
  learningRate?: number;
  /** Seeds point sampling and tfjs initialisers: equal seeds give equal fits on one backend. */
  seed?: number;
  /**
   * Weigh foreground (likelihood >= 0.5) and background pixels so that each class
   * contributes half of the objective, as the authors' code does by sampling equally
   * many of each. Multiplies foregroundWeight / backgroundWeight.
   */
  balance?: boolean;
  /** Weight of the squared error at pixels with likelihood >= 0.5 (e.g. < 1 where occluders hide the object). */
  foregroundWeight?: number;
  /** Weight of the squared error at pixels with likelihood < 0.5. */
  backgroundWeight?: number;
  /** Stop early once 1 - IoU between the masks of consecutive checks stays below this (0 disables). */
  tolerance?: number;
  /** Steps between two convergence checks. */
  checkEvery?: number;
  /** Consecutive quiet checks needed to stop. */
  patience?: number;
  /** Run the prior's data-dependent initialisation first (false: continue from the current parameters). */
  initialize?: boolean;
  onProgress?: (progress: FitProgress) => void;
}

export interface FitProgress {
  step: number;
  maxSteps: number;
  loss: number;
}

export interface FitStats {
  steps: number;
  seconds: number;
  finalLoss: number;
  pointsPerStep: number;
  /** True when the convergence test stopped the fit before maxSteps. */
  converged: boolean;
}

/**
 * Scores are clipped to +-SCORE_CLIP before the sigmoid. Far from a small object F
 * reaches ~100, sigma(-100) is a denormal float32, and denormal arithmetic made wasm
 * steps 4x slower (measured: 258 vs 65 ms/step). Beyond 20 the sigmoid's gradient is
 * below 2e-9 anyway, so the objective is unchanged in practice.
 */
const SCORE_CLIP = 20;

export const FIT_DEFAULTS = {
  maxSteps: 1000,
  pointsPerStep: 4096 as number | 'all',
  learningRate: 1e-3,
  seed: 0,
  balance: false,
  foregroundWeight: 1,
  backgroundWeight: 1,
  tolerance: 0.005,
  checkEvery: 20,
  patience: 3,
  initialize: true,
} as const;

/**
 * Fits `prior` to a likelihood map by eq. 9 of the paper:
 *
 *   min_nu  E_x [ w(x) (sigma(-F_nu(x)) - g(x))^2 ],
 *
 * the expectation estimated on `pointsPerStep` random pixels per step, Adam, and the
 * prior's constraint projection after every step. Stops at `maxSteps` or when the
 * mask has stopped changing (see ConvergenceMonitor). Trains `prior` in place.
 */
export async function fitPrior(prior: ImplicitPrior, unaries: ProbabilityMap, options: FitOptions = {}): Promise<FitStats> {
  const opts = { ...FIT_DEFAULTS, ...options };
  validateFitOptions(opts);
  const started = performance.now();
  if (opts.initialize) prior.initializeFromData?.(unaries, opts.seed);
  const rng = seedrandom(`fit-${opts.seed}`);
  const coords = gridCoordinates(unaries.height, unaries.width);
  const [fgWeight, bgWeight] = classWeights(unaries, opts);
  const sampler = new PointSampler(coords, unaries.data, fgWeight, bgWeight, rng);
  const monitor = new ConvergenceMonitor(prior, unaries.height, unaries.width, opts.tolerance, opts.patience);
  const optimizer = tf.train.adam(opts.learningRate);
  const variables = prior.model.trainableWeights.map((w) => w.read() as tf.Variable);
  let finalLoss = NaN;
  let steps = 0;
  let converged = false;
  try {
    for (let step = 1; step <= opts.maxSteps; step++) {
      const batch = opts.pointsPerStep === 'all' ? sampler.all() : sampler.sample(opts.pointsPerStep);
      const loss = tf.tidy(() => {
        const points = tf.tensor2d(batch.points, [batch.count, 2]);
        const target = tf.tensor2d(batch.targets, [batch.count, 1]);
        const weight = tf.tensor2d(batch.weights, [batch.count, 1]);
        return optimizer.minimize(() => {
          const p = tf.sigmoid(tf.neg(tf.clipByValue(prior.score(points), -SCORE_CLIP, SCORE_CLIP)));
          return tf.mean(tf.mul(weight, tf.squaredDifference(p, target))) as tf.Scalar;
        }, true, variables)!;
      });
      prior.applyConstraints();
      steps = step;
      const reportLoss = step % opts.checkEvery === 0 || step === opts.maxSteps;
      if (reportLoss) {
        finalLoss = (await loss.data())[0]!;
        opts.onProgress?.({ step, maxSteps: opts.maxSteps, loss: finalLoss });
      }
      loss.dispose();
      if (opts.tolerance > 0 && step % opts.checkEvery === 0 && monitor.check()) {
        converged = true;
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  const pointsPerStep = opts.pointsPerStep === 'all' ? unaries.data.length : opts.pointsPerStep;
  return { steps, seconds: (performance.now() - started) / 1000, finalLoss, pointsPerStep, converged };
}

/** Per-class loss weights; with `balance`, each class present gets half of the total weight. */
function classWeights(map: ProbabilityMap, o: { balance: boolean; foregroundWeight: number; backgroundWeight: number }): [number, number] {
  if (!o.balance) return [o.foregroundWeight, o.backgroundWeight];
  let fg = 0;
  for (const v of map.data) if (v >= 0.5) fg++;
  const n = map.data.length;
  if (fg === 0 || fg === n) return [o.foregroundWeight, o.backgroundWeight];
  return [(o.foregroundWeight * n) / (2 * fg), (o.backgroundWeight * n) / (2 * (n - fg))];
}

function validateFitOptions(o: Required<Omit<FitOptions, 'onProgress'>>): void {
  const check = (ok: boolean, name: string, value: unknown, want: string) => {
    if (!ok) throw new RangeError(`${name} must be ${want}, got ${JSON.stringify(value)}`);
  };
  check(Number.isInteger(o.maxSteps) && o.maxSteps >= 1, 'maxSteps', o.maxSteps, 'a positive integer');
  check(o.pointsPerStep === 'all' || (Number.isInteger(o.pointsPerStep) && o.pointsPerStep >= 1), 'pointsPerStep', o.pointsPerStep, "a positive integer or 'all'");
  check(o.learningRate > 0 && Number.isFinite(o.learningRate), 'learningRate', o.learningRate, 'a positive number');
  check(Number.isFinite(o.seed), 'seed', o.seed, 'a finite number');
  check(o.foregroundWeight >= 0 && o.backgroundWeight >= 0 && o.foregroundWeight + o.backgroundWeight > 0,
    'foregroundWeight/backgroundWeight', [o.foregroundWeight, o.backgroundWeight], 'non-negative and not both 0');
  check(o.tolerance >= 0 && o.tolerance < 1, 'tolerance', o.tolerance, 'in [0, 1)');
  check(Number.isInteger(o.checkEvery) && o.checkEvery >= 1, 'checkEvery', o.checkEvery, 'a positive integer');
  check(Number.isInteger(o.patience) && o.patience >= 1, 'patience', o.patience, 'a positive integer');
}
