import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { readWeights, weightKey } from '../priors/prior_weights.js';
import type { PriorState, StoredTensor } from './prior_state.js';

export { readWeights, weightKey, writeWeights } from '../priors/prior_weights.js';

/** A fresh state for `prior` as it is now: its parameters, zero optimiser moments, step 0. */
export function initialState(prior: ImplicitPrior): PriorState {
  const weights = readWeights(prior);
  const zeros = (): Record<string, StoredTensor> => Object.fromEntries(
    prior.model.trainableWeights.map((w) => [weightKey(w), { shape: [...w.shape] as number[], values: new Float32Array(w.shape.reduce((a: number, b) => a * (b ?? 1), 1)) }]),
  );
  return { config: prior.config, weights, optimizer: { firstMoment: zeros(), secondMoment: zeros() }, step: 0 };
}

