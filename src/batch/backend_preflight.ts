import { createRequire } from 'node:module';
import { NATIVE_PACKAGES, type BackendChoice } from '../backend/backend_choices.js';
import { InputError } from '../errors.js';

/**
 * Refuses a native backend whose package is not installed before a batch creates its
 * output directory or starts a worker: each worker would fail to load it, and a single
 * fit reports the same as bad input. `source` names where the choice came from.
 */
export function checkBackendInstalled(choice: BackendChoice | undefined, source: string): void {
  const pkg = choice === undefined ? undefined : NATIVE_PACKAGES[choice];
  if (pkg === undefined) return;
  try {
    createRequire(import.meta.url).resolve(pkg);
  } catch {
    throw new InputError(`${source}: backend ${choice} could not be initialised (is ${pkg} installed?)`);
  }
}
