import { fitBestAxis } from '../fit/fit_axis_starts.js';
import { fitBestFolds, type FoldsSearchResult } from '../fit/fit_folds.js';
import { fitPrior, type FitOptions, type FitProgress, type FitResult } from '../fit/fit_prior.js';
import { InputError } from '../io/input_error.js';
import { createPrior } from '../priors/create_prior.js';
import type { ImplicitPrior } from '../priors/implicit_prior.js';
import type { MirrorPriorConfig, PriorConfigInput, PriorKind } from '../priors/prior_config.js';
import type { LikelihoodData } from '../slice_stack.js';

/**
 * Everything that decides a fit, from the `fit` flags: plain data, so a batch can send
 * it to its worker threads. One fit and a batch both fit through `fitWithSettings`,
 * which is what makes a batch's mask equal the one `fit` gives for the same seed.
 */
export interface FitSettings {
  prior: PriorKind;
  folds?: number | 'auto';
  sparsity?: number;
  flowDecay?: number;
  member?: PriorKind;
  objects?: number;
  /** Polar kinds (star, radial, mirror, rotation): weight of the radius smoothness penalty. */
  smoothness?: number;
  /** Mirror: fits from this many candidate axes, keeps the best (default AXIS_STARTS). */
  axisStarts?: number;
  steps: number;
  sampling: 'cells' | 'pixels';
  points?: number;
  lr?: number;
  seed: number;
}

const POLAR: PriorKind[] = ['star', 'radial', 'mirror', 'rotation'];
/** Mirror fits from the map's two best axes by default: a wrong first axis costs far more than a second fit. */
export const AXIS_STARTS = 2;

/** Rejects options that do not apply to the chosen prior, naming the flag. */
export function checkSettings(s: FitSettings): void {
  if (s.folds !== undefined && s.prior !== 'rotation') throw new InputError(`--folds applies to --prior rotation only, not ${s.prior}`);
  if (s.smoothness !== undefined && !POLAR.includes(s.prior)) throw new InputError(`--smoothness applies to --prior star, radial, mirror or rotation only, not ${s.prior}`);
  if (s.axisStarts !== undefined && s.prior !== 'mirror') throw new InputError(`--axis-starts applies to --prior mirror only, not ${s.prior}`);
  if (s.sparsity !== undefined && s.prior !== 'periodic') throw new InputError(`--sparsity applies to --prior periodic only, not ${s.prior}`);
  if ((s.member !== undefined || s.objects !== undefined) && s.prior !== 'union') throw new InputError(`--member and --objects apply to --prior union only, not ${s.prior}`);
  if (s.flowDecay !== undefined && s.prior !== 'pc' && !(s.prior === 'union' && s.member === 'pc')) {
    throw new InputError(`--flow-decay applies to --prior pc (or --prior union --member pc) only, not ${s.prior}`);
  }
}

/**
 * The prior's config: the kind, with --folds (rotation), --sparsity (periodic),
 * --flow-decay (pc, or a pc union member), --member and --objects (union), and
 * inputDim 3 for 3-D data (--frames or --depth).
 */
export function priorConfigOf(s: FitSettings, inputDim: 2 | 3): PriorConfigInput {
  const member = (kind: PriorKind): Record<string, unknown> => ({
    kind,
    inputDim,
    ...(kind === 'rotation' && typeof s.folds === 'number' ? { folds: s.folds } : {}),
    ...(kind === 'periodic' && s.sparsity !== undefined ? { sparsity: s.sparsity } : {}),
    ...(POLAR.includes(kind) && s.smoothness !== undefined ? { smoothness: s.smoothness } : {}),
    ...(kind === 'pc' && s.flowDecay !== undefined ? { flowDecay: s.flowDecay } : {}),
  });
  if (s.prior === 'union') {
    return { kind: 'union', ...(s.objects === undefined ? {} : { count: s.objects }), member: member(s.member ?? 'convex') } as PriorConfigInput;
  }
  return member(s.prior) as PriorConfigInput;
}

/**
 * Fits the settings' prior to the data (--folds auto: the best of 2..8 folds).
 * Mirror: the best of `axisStarts` fits (see fitBestAxis).
 * `onPrior` receives the prior before its fit starts (not with --folds auto or
 * several axis starts, whose searches make several), e.g. to draw its mask while it fits.
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
