import { PRIOR_KINDS, type PriorKind } from '../priors/prior_config.js';
import type { PriorState, StoredTensor } from './prior_state.js';

/**
 * A deep copy: no array or object of the result is shared with `state`, so a store's
 * entry cannot be changed through a state handed in or out. `values.slice()` copies only
 * the viewed range (structuredClone would copy a subarray's whole underlying buffer).
 */
export function copyPriorState(state: PriorState): PriorState {
  return {
    config: structuredClone(state.config),
    weights: copyTensors(state.weights),
    optimizer: { firstMoment: copyTensors(state.optimizer.firstMoment), secondMoment: copyTensors(state.optimizer.secondMoment) },
    step: state.step,
  };
}

function copyTensors(tensors: Record<string, StoredTensor>): Record<string, StoredTensor> {
  // fromEntries defines own properties, so even a weight named "__proto__" stays a key.
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: [...t.shape], values: t.values.slice() }]));
}

/**
 * What is wrong with `state`, or undefined when it can be stored. Checked on save so that
 * a bad state fails where it is produced, not when a later step loads it. Moments are
 * keyed by weight names (a weight without moments is fine: non-trainable, or no step yet).
 */
export function priorStateProblem(state: PriorState): string | undefined {
  if (typeof state !== 'object' || state === null) return 'the state is not an object';
  const config: unknown = state.config;
  const kind = typeof config === 'object' && config !== null ? (config as { kind?: unknown }).kind : undefined;
  if (!PRIOR_KINDS.includes(kind as PriorKind)) return `config is not a prior config (kind ${JSON.stringify(kind)})`;
  if (!Number.isSafeInteger(state.step) || state.step < 0) return `step ${String(state.step)} is not a non-negative integer`;
  const weightsProblem = tensorsProblem('weights', state.weights);
  if (weightsProblem !== undefined) return weightsProblem;
  if (typeof state.optimizer !== 'object' || state.optimizer === null) return 'optimizer is missing';
  for (const moment of ['firstMoment', 'secondMoment'] as const) {
    const tensors = state.optimizer[moment];
    const problem = tensorsProblem(`optimizer.${moment}`, tensors);
    if (problem !== undefined) return problem;
    for (const [name, t] of Object.entries(tensors)) {
      const weight = Object.hasOwn(state.weights, name) ? state.weights[name] : undefined;
      if (weight === undefined) return `optimizer.${moment} has "${name}", which is not a weight`;
      if (!sameShape(weight.shape, t.shape)) return `optimizer.${moment}["${name}"] has shape [${t.shape.join(', ')}], its weight [${weight.shape.join(', ')}]`;
    }
  }
  return undefined;
}

function tensorsProblem(group: string, tensors: Record<string, StoredTensor>): string | undefined {
  if (typeof tensors !== 'object' || tensors === null) return `${group} is not an object`;
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t?.values instanceof Float32Array)) return `${group}["${name}"].values is not a Float32Array`;
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `${group}["${name}"].shape is not a list of non-negative integers`;
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length) return `${group}["${name}"] has shape [${t.shape.join(', ')}] (${size} values) but ${t.values.length} values`;
  }
  return undefined;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
