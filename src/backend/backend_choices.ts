import { InputError } from '../errors.js';

// The backends' names without loading tfjs: the CLI parses --backend before it loads anything heavy.

/**
 * Backends in order of preference. The native ones are optional peer dependencies:
 * their install script downloads libtensorflow, so they are used when a user has
 * them and never required.
 */
export const BACKEND_CHOICES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const NATIVE_PACKAGES: Partial<Record<BackendChoice, string>> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

/** Parses a backend name from a flag or SHAPEPRIOR_BACKEND; throws naming the source on a bad value. */
export function parseBackendChoice(value: string, source: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new InputError(`${source}: unknown backend ${JSON.stringify(value)}; choose one of ${BACKEND_CHOICES.join(', ')}`);
}
