import { match, P } from 'ts-pattern';
import { ConvexPrior } from './convex_prior.js';
import { PeriodicPrior } from './periodic_prior.js';
import { PathConnectedPrior } from './path_connected_prior.js';
import { StarPrior } from './star_prior.js';
import { SymmetricPrior } from './symmetric_prior.js';
import { UnionPrior } from './union_prior.js';
import type { ImplicitPrior } from './implicit_prior.js';
import { resolvePriorConfig, type PriorConfig, type PriorConfigInput } from './prior_config.js';

export interface CreatePriorOptions {
  /** Seeds the weight initialisation, for reproducible fits. */
  seed?: number;
}

/** A fresh prior of the given kind (a kind name uses the paper's defaults). */
export function createPrior(config: PriorConfigInput, options: CreatePriorOptions = {}): ImplicitPrior {
  const resolved: PriorConfig = resolvePriorConfig(config);
  return match(resolved)
    .with({ kind: 'convex' }, (c) => new ConvexPrior(c, { seed: options.seed }))
    .with({ kind: P.union('star', 'radial') }, (c) => new StarPrior(c, { seed: options.seed }))
    .with({ kind: P.union('mirror', 'rotation') }, (c) => new SymmetricPrior(c, { seed: options.seed }))
    .with({ kind: 'periodic' }, (c) => new PeriodicPrior(c))
    .with({ kind: 'pc' }, (c) => new PathConnectedPrior(c, { seed: options.seed }))
    .with({ kind: 'union' }, (c) => new UnionPrior(c, { seed: options.seed }))
    .exhaustive();
}
