import { ConfigError } from '../errors.js';

/**
 * Which prior a store entry holds: a sample id alone (one prior per sample, for a net
 * with one foreground output: the key of every store written before classes existed),
 * or a sample id and a class, the output channel the prior belongs to (eq. 12 with
 * several classes: one prior nu^{i,j} per sample i and class j). The two never collide:
 * `"img-1"` and `{ id: "img-1", class: 0 }` are different entries.
 */
export type PriorKey = string | ClassPriorKey;

export interface ClassPriorKey {
  id: string;
  /** The net's output channel (a non-negative integer). */
  class: number;
}

/** The sample id of a key. */
export function keyId(key: PriorKey): string {
  return typeof key === 'string' ? key : key.id;
}

/** The class of a key, undefined for a plain id. */
export function keyClass(key: PriorKey): number | undefined {
  return typeof key === 'string' ? undefined : key.class;
}

/** One string per key, distinct for distinct keys (for maps and in-order queues inside a store). */
export function keyText(key: PriorKey): string {
  return typeof key === 'string' ? `s:${key}` : `c${key.class}:${key.id}`;
}

/** The key as error messages name it: `sample "a"`, or `sample "a", class 2`. */
export function describeKey(key: PriorKey): string {
  return typeof key === 'string' ? `sample ${JSON.stringify(key)}` : `sample ${JSON.stringify(key.id)}, class ${key.class}`;
}

/** The key for `id` in class `cls` (undefined: the plain id). */
export function priorKey(id: string, cls: number | undefined): PriorKey {
  return cls === undefined ? id : { id, class: cls };
}

/** A key given by a caller checked: a string, or { id: string, class: non-negative integer }. */
export function checkKey(key: PriorKey): PriorKey {
  if (typeof key === 'string') return key;
  if (typeof key !== 'object' || key === null || typeof key.id !== 'string' || !isClassNumber(key.class)) {
    throw new ConfigError(`a prior key is a sample id or { id, class } with class a non-negative integer, got ${JSON.stringify(key)}`);
  }
  return key;
}

/** Classes are output channels: integers in [0, 2^31). */
export function isClassNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31;
}

/** Where a PriorStoreError about `key` happened: its id and class. */
export function keyPlace(key: PriorKey): { id: string; priorClass?: number } {
  return typeof key === 'string' ? { id: key } : { id: key.id, priorClass: key.class };
}
