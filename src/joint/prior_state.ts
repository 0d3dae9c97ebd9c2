import type { PriorConfig } from '../priors/prior_config.js';
import type { StoredTensor } from '../priors/prior_weights.js';
import type { PriorKey } from './prior_key.js';

export type { StoredTensor } from '../priors/prior_weights.js';

/**
 * Everything that makes one training example's prior resumable: which prior it is
 * (kind and config), its parameters nu_i, the per-sample optimiser's state and how
 * many steps it has taken. Tensors are keyed by the prior model's weight names.
 */
export interface PriorState {
  config: PriorConfig;
  weights: Record<string, StoredTensor>;
  /** Per-sample Adam: first and second moments per weight name. */
  optimizer: { firstMoment: Record<string, StoredTensor>; secondMoment: Record<string, StoredTensor> };
  /** Optimiser steps taken on this sample's prior. */
  step: number;
}

/**
 * Where per-sample priors live between steps (eq. 12: one nu_i per training example,
 * or one nu^{i,j} per example and class, loaded before and saved after each step), by
 * PriorKey: a sample id, or { id, class }. Implementations: MemoryPriorStore and
 * DiskPriorStore. `load` of a key never saved returns undefined; a corrupt or foreign
 * entry throws an error naming the id, the class (and the file), never a silent fresh start.
 */
export interface PriorStore {
  load(key: PriorKey): Promise<PriorState | undefined>;
  save(key: PriorKey, state: PriorState): Promise<void>;
  has(key: PriorKey): Promise<boolean>;
  /** Every sample id with at least one entry, each once (order unspecified). */
  ids(): Promise<string[]>;
  /** Every entry's key (order unspecified). */
  keys(): Promise<PriorKey[]>;
  delete(key: PriorKey): Promise<void>;
}
