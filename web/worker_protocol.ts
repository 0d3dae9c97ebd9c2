import type { FitSettings } from '../src/fit/fit_settings.js';
import type { Certificate } from '../src/priors/implicit_prior.js';

/** Messages between the page and its segmentation worker (all the tfjs work runs there, so the page stays responsive). */

export type BackendRequest = 'auto' | 'webgl' | 'wasm' | 'cpu';

export interface BackendReport {
  /** tfjs's backend name: 'webgl', 'wasm' or 'cpu'. */
  name: string;
  /** E.g. "webgl (WebGL 2, ANGLE SwiftShader)" or "wasm (SIMD, 2 threads)". */
  description: string;
}

export type WorkerRequest =
  | { id: number; type: 'init'; backend: BackendRequest }
  | { id: number; type: 'train'; height: number; width: number; rgb: Float32Array; labels: Float32Array; weights: Float32Array; steps: number; seed: number }
  /** `settings`: the CLI's `fit` flags, so the page fits what `shapeprior fit` would. */
  | { id: number; type: 'fit'; height: number; width: number; unaries: Uint8Array; settings: FitSettings };

export interface FitSummary {
  mask: Uint8Array;
  steps: number;
  seconds: number;
  converged: boolean;
  finalLoss: number;
  certificate: Certificate;
  /** The rotation prior's k (chosen by the search with folds 'auto'). */
  folds?: number;
}

export type WorkerReply =
  | { id: number; type: 'ready'; backend: BackendReport }
  | { id: number; type: 'progress'; phase: 'net' | 'fit'; step: number; steps: number; loss: number; stage?: string; mask?: Uint8Array }
  | { id: number; type: 'trained'; unaries: Uint8Array; seconds: number; finalLoss: number }
  | { id: number; type: 'fitted'; result: FitSummary }
  | { id: number; type: 'error'; message: string };
