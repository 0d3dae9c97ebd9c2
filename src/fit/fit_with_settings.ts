import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { createPrior } from '../priors/create_prior.js';
import { SymmetricPrior } from '../priors/symmetric_prior.js';
import type { LikelihoodData } from '../slice_stack.js';
import { fitBestFolds, type FoldsSearchResult } from './fit_folds.js';
import { fitPrior, type FitOptions, type FitProgress, type FitResult } from './fit_prior.js';
import { priorConfigOf, type FitSettings } from './fit_settings.js';

/**
 * Fits the settings' prior to the data (--folds auto: the best of 2..8 folds; mirror:
 * the closed-form start searches the map's `axisStarts` best axes, see
 * SymmetricPrior.axisCandidates). `onPrior` receives the prior before its fit starts
 * (not with --folds auto, whose search makes several), e.g. to draw its mask while it
 * fits.
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
  const prior = createPrior(priorConfigOf(s, inputDim), { seed: s.seed });
  if (prior instanceof SymmetricPrior && s.axisStarts !== undefined) prior.axisCandidates = s.axisStarts;
  onPrior?.(prior);
  return fitPrior(prior, data, options);
}
