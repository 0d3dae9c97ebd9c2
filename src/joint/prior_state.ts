import type { PriorConfig } from '../priors/prior_config.js';
import type { StoredTensor } from '../priors/prior_weights.js';

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
 * loaded before and saved after each step). Implementations: MemoryPriorStore and
 * DiskPriorStore. `load` of an id never saved returns undefined; a corrupt or foreign
 * entry throws an error naming the id (and the file), never a silent fresh start.
 */
export interface PriorStore {
  load(id: string): Promise<PriorState | undefined>;
  save(id: string, state: PriorState): Promise<void>;
  has(id: string): Promise<boolean>;
  /** Every stored id (order unspecified). */
  ids(): Promise<string[]>;
  delete(id: string): Promise<void>;
}
