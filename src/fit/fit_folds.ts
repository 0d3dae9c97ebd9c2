import type { LikelihoodData } from '../slice_stack.js';
import { createPrior } from '../priors/create_prior.js';
import type { RotationPriorConfig } from '../priors/prior_config.js';
import { fitBestOf } from './fit_best_of.js';
import type { FitOptions, FitResult } from './fit_prior.js';
import { ConfigError } from '../errors.js';

export interface FoldsSearchResult extends FitResult {
  /** Final loss of every k tried. */
  lossByFolds: Record<number, number>;
}

/**
 * `--folds auto`: fits a k-fold rotation prior for every k in `candidates` and keeps
 * the one with the lowest final loss (all share the objective, so losses compare).
 * On starfish maps the right k = 5 scored 0.014-0.021 and k = 4 0.045-0.047.
 */
export async function fitBestFolds(
  unaries: LikelihoodData,
  config: Partial<RotationPriorConfig> = {},
  options: FitOptions & { candidates?: number[]; seed?: number } = {},
): Promise<FoldsSearchResult> {
  const candidates = options.candidates ?? [2, 3, 4, 5, 6, 7, 8];
  if (candidates.length === 0) throw new ConfigError('fitBestFolds: no candidate fold counts');
  const { best, losses } = await fitBestOf(candidates.map((folds) => () => createPrior({ ...config, kind: 'rotation', folds }, { seed: options.seed })), unaries, options);
  return { ...best, lossByFolds: Object.fromEntries(candidates.map((k, i) => [k, losses[i]!])) };
}
