import type { ImplicitPrior } from '../priors/implicit_prior.js';
import type { LikelihoodData } from '../slice_stack.js';
import { fitPrior, type FitOptions, type FitResult } from './fit_prior.js';

/**
 * Fits each candidate prior in turn and keeps the one with the lowest final loss (all
 * share eq. 9's objective on the same data, so their losses compare); the others are
 * disposed as soon as they lose. Returns the best fit and every candidate's final loss,
 * in order. The search over k (`--folds auto`) uses it.
 */
export async function fitBestOf(candidates: ReadonlyArray<() => ImplicitPrior>, data: LikelihoodData, options: FitOptions): Promise<{ best: FitResult; losses: number[] }> {
  let best: FitResult | null = null;
  const losses: number[] = [];
  for (const make of candidates) {
    const prior = make();
    const fit = await fitPrior(prior, data, options);
    losses.push(fit.finalLoss);
    if (!best || fit.finalLoss < best.finalLoss) {
      best?.prior.dispose();
      best = fit;
    } else {
      prior.dispose();
    }
  }
  return { best: best!, losses };
}
