import type { ImplicitPrior } from './implicit_prior.js';
import { resolvePriorConfig, type PriorConfigInput } from './prior_config.js';
import { priorOf } from './prior_registry.js';

export interface CreatePriorOptions {
  /** Seeds the weight initialisation, for reproducible fits. */
  seed?: number;
}

/** A fresh prior of the given kind (a kind name uses the paper's defaults). */
export function createPrior(config: PriorConfigInput, options: CreatePriorOptions = {}): ImplicitPrior {
  return priorOf(resolvePriorConfig(config), { seed: options.seed });
}
