import type { PriorState, PriorStore } from './prior_state.js';
import { copyPriorState, priorStateProblem } from './prior_state_copy.js';
import { PriorStoreError } from '../errors.js';

/**
 * Per-sample priors held in this process (eq. 12), for runs whose priors fit in memory and
 * need not survive the process. States are copied on save and on load, so a caller that
 * keeps training on a loaded state, or reuses the arrays it saved, never changes the
 * stored entry: the same contract as DiskPriorStore.
 */
export class MemoryPriorStore implements PriorStore {
  private readonly entries = new Map<string, PriorState>();

  async load(id: string): Promise<PriorState | undefined> {
    const state = this.entries.get(id);
    return state === undefined ? undefined : copyPriorState(state);
  }

  async save(id: string, state: PriorState): Promise<void> {
    const problem = priorStateProblem(state);
    if (problem !== undefined) throw new PriorStoreError(`cannot save: ${problem}`, { id });
    this.entries.set(id, copyPriorState(state));
  }

  async has(id: string): Promise<boolean> {
    return this.entries.has(id);
  }

  async ids(): Promise<string[]> {
    return [...this.entries.keys()];
  }

  async delete(id: string): Promise<void> {
    this.entries.delete(id);
  }

  /** Number of stored entries. */
  get size(): number {
    return this.entries.size;
  }
}
