import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { createPrior } from '../priors/create_prior.js';
import type { LikelihoodData } from '../slice_stack.js';
import type { MirrorPriorConfig } from '../priors/prior_config.js';
import { fitBestAxis } from './fit_axis_starts.js';
import { fitBestFolds, type FoldsSearchResult } from './fit_folds.js';
import { fitPrior, type FitOptions, type FitProgress, type FitResult } from './fit_prior.js';
import { priorConfigOf, type FitSettings } from './fit_settings.js';

/** Mirror fits from the map's two best axes by default: a wrong first axis costs far more than a second fit. */
export const AXIS_STARTS = 2;

/**
 * Fits the settings' prior to the data (--folds auto: the best of 2..8 folds; mirror:
 * the best of `axisStarts` fits, see fitBestAxis). `onPrior` receives the prior before
 * its fit starts (not with --folds auto or several axis starts, whose searches make
 * several), e.g. to draw its mask while it fits.
 */
export async function fitWithSettings(s: FitSettings, data: LikelihoodData, inputDim: 2 | 3, onProgress?: (p: FitProgress) => void, onPrior?: (prior: ImplicitPrior) => void): Promise<FitResult | FoldsSearchResult> {
  const options: FitOptions = {
    maxSteps: s.steps,
    sampling: s.sampling,
    ...(s.points === undefined ? {} : { pointsPerStep: s.points }),
    ...(s.lr === undefined ? {} : { learningRate: s.lr }),
    seed: s.seed,
    ...(onProgress ? { onProgress } : {}),
  };
  if (s.folds === 'auto') return fitBestFolds(data, { inputDim, ...(s.smoothness === undefined ? {} : { smoothness: s.smoothness }) }, options);
  const starts = s.axisStarts ?? AXIS_STARTS;
  if (s.prior === 'mirror' && inputDim === 2 && starts > 1) return fitBestAxis(data, priorConfigOf(s, inputDim) as Partial<MirrorPriorConfig>, starts, options);
  const prior = createPrior(priorConfigOf(s, inputDim), { seed: s.seed });
  onPrior?.(prior);
  return fitPrior(prior, data, options);
}
