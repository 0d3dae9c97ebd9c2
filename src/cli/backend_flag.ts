import { initBackend, type BackendChoice, type BackendInfo } from '../backend/backend.js';
import { InputError } from '../errors.js';

/**
 * initBackend for a command: a backend that cannot load is bad input (exit 2). A bad
 * SHAPEPRIOR_BACKEND names itself in the message; a failing --backend gets the flag's name.
 */
export async function initBackendOfFlag(choice: BackendChoice | undefined): Promise<BackendInfo> {
  try {
    return await initBackend(choice);
  } catch (err) {
    throw new InputError(`${choice ? '--backend: ' : ''}${(err as Error).message}`);
  }
}
