import { ConfigError } from '../errors.js';
import type { LikelihoodData } from '../slice_stack.js';
import { createPrior } from '../priors/create_prior.js';
import type { MirrorPriorConfig } from '../priors/prior_config.js';
import type { SymmetricPrior } from '../priors/symmetric_prior.js';
import { fitBestOf } from './fit_best_of.js';
import type { FitOptions, FitResult } from './fit_prior.js';

export interface AxisStartsResult extends FitResult {
  /** Final loss of the fit from each start (the map's axis candidates, best first). */
  lossByStart: number[];
}

/**
 * `--axis-starts N`: fits a mirror prior from each of the map's N best candidate axes
 * (see mirrorAxes) and keeps the lowest final loss, as `--folds auto` does for k. An
 * axis the fit starts across (an arrow's, across its shaft) is a local minimum it
 * rarely leaves; a second start from the next-best axis costs one more fit.
 */
export async function fitBestAxis(data: LikelihoodData, config: Partial<MirrorPriorConfig>, starts: number, options: FitOptions & { seed?: number } = {}): Promise<AxisStartsResult> {
  if (!Number.isInteger(starts) || starts < 1) throw new ConfigError(`fitBestAxis: starts must be a positive integer, got ${starts}`);
  const start = (axisStart: number) => () => {
    const prior = createPrior({ ...config, kind: 'mirror' }, { seed: options.seed }) as SymmetricPrior;
    prior.axisStart = axisStart;
    return prior;
  };
  const { best, losses } = await fitBestOf(Array.from({ length: starts }, (_, k) => start(k)), data, options);
  return { ...best, lossByStart: losses };
}
