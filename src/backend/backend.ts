import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm_training_kernels.js';
import { registerFileRouters } from '../io/file_router.js';
import { InputError } from '../errors.js';
import { BACKEND_CHOICES, NATIVE_PACKAGES, parseBackendChoice, type BackendChoice } from './backend_choices.js';

export { BACKEND_CHOICES, NATIVE_PACKAGES, parseBackendChoice, type BackendChoice } from './backend_choices.js';

export interface BackendInfo {
  choice: BackendChoice;
  /** tfjs's own backend name ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Human-readable, e.g. "wasm (SIMD, 1 thread)". */
  description: string;
}

let active: BackendInfo | null = null;

async function tryActivate(choice: BackendChoice): Promise<BackendInfo | null> {
  const pkg = NATIVE_PACKAGES[choice];
  try {
    if (pkg) {
      // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
      const specifier = pkg;
      await import(specifier);
      if (!(await tf.setBackend('tensorflow'))) return null;
      await tf.ready();
      return { choice, tfBackend: 'tensorflow', description: `${choice} (${pkg})` };
    }
    if (choice === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) return null;
      registerWasmTrainingKernels();
      await tf.ready();
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
      return { choice, tfBackend: 'wasm', description: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'})` };
    }
    if (!(await tf.setBackend('cpu'))) return null;
    await tf.ready();
    return { choice, tfBackend: 'cpu', description: 'cpu (pure JavaScript)' };
  } catch {
    return null;
  }
}

/**
 * Selects and initialises the tfjs backend once per process: the requested one
 * (argument, else SHAPEPRIOR_BACKEND), else the first that loads of
 * node-gpu > node > wasm > cpu. A requested backend that cannot load is an error,
 * not a silent fallback. Also makes `file://` save/load work without tfjs-node.
 */
export async function initBackend(requested?: BackendChoice): Promise<BackendInfo> {
  const fromEnv = process.env['SHAPEPRIOR_BACKEND'];
  const wanted = requested ?? (fromEnv ? parseBackendChoice(fromEnv, 'SHAPEPRIOR_BACKEND') : undefined);
  if (active && (!wanted || wanted === active.choice)) return active;
  const order = wanted ? [wanted] : BACKEND_CHOICES;
  for (const choice of order) {
    const info = await tryActivate(choice);
    if (info) {
      active = info;
      registerFileRouters();
      return info;
    }
  }
  const hint = wanted && NATIVE_PACKAGES[wanted] ? ` (is ${NATIVE_PACKAGES[wanted]} installed?)` : '';
  throw new InputError(`backend ${wanted ?? BACKEND_CHOICES.join('/')} could not be initialised${hint}`);
}

export function activeBackend(): BackendInfo | null {
  return active;
}
