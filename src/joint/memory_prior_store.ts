import type { PriorState, PriorStore } from './prior_state.js';
import { copyPriorState, priorStateProblem } from './prior_state_copy.js';
import { PriorStoreError } from '../errors.js';
import { checkKey, keyId, keyPlace, keyText, type PriorKey } from './prior_key.js';

/**
 * Per-sample priors held in this process (eq. 12), for runs whose priors fit in memory and
 * need not survive the process. States are copied on save and on load, so a caller that
 * keeps training on a loaded state, or reuses the arrays it saved, never changes the
 * stored entry: the same contract as DiskPriorStore.
 */
export class MemoryPriorStore implements PriorStore {
  /** By keyText: the key itself and its state. */
  private readonly entries = new Map<string, { key: PriorKey; state: PriorState }>();

  async load(key: PriorKey): Promise<PriorState | undefined> {
    const entry = this.entries.get(keyText(checkKey(key)));
    return entry === undefined ? undefined : copyPriorState(entry.state);
  }

  async save(key: PriorKey, state: PriorState): Promise<void> {
    checkKey(key);
    const problem = priorStateProblem(state);
    if (problem !== undefined) throw new PriorStoreError(`cannot save: ${problem}`, keyPlace(key));
    const copied = typeof key === 'string' ? key : { id: key.id, class: key.class };
    this.entries.set(keyText(key), { key: copied, state: copyPriorState(state) });
  }

  async has(key: PriorKey): Promise<boolean> {
    return this.entries.has(keyText(checkKey(key)));
  }

  async ids(): Promise<string[]> {
    return [...new Set([...this.entries.values()].map((e) => keyId(e.key)))];
  }

  async keys(): Promise<PriorKey[]> {
    return [...this.entries.values()].map((e) => (typeof e.key === 'string' ? e.key : { ...e.key }));
  }

  async delete(key: PriorKey): Promise<void> {
    this.entries.delete(keyText(checkKey(key)));
  }

  /** Number of stored entries. */
  get size(): number {
    return this.entries.size;
  }
}
