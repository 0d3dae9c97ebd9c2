import type { FitSettings } from '../fit/fit_settings.js';
import { fitWithSettings } from '../fit/fit_with_settings.js';
import { InputError } from '../errors.js';
import { readRgb, readUnaries, writeMask, writeOverlay } from '../io/images.js';
import type { Certificate } from '../priors/implicit_prior.js';
import { evaluateMask } from '../priors/evaluate.js';

/** One map of a batch: what to read and where its mask (and overlay) go. */
export interface FitJob {
  input: string;
  mask: string;
  /** With --image-dir: the photo to draw the mask on, and where that overlay goes. */
  photo?: string;
  overlay?: string;
  /** Most pixels the map (and photo) may have (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
}

/** What a batch records of each input (OUT/summary.json); `error` only when it failed. */
export interface FitJobResult {
  input: string;
  mask: string;
  overlay?: string;
  status: 'fitted' | 'skipped' | 'failed';
  steps?: number;
  converged?: boolean;
  seconds?: number;
  finalLoss?: number;
  foregroundPixels?: number;
  certificate?: Certificate;
  /** --folds auto: the folds it chose. */
  folds?: number;
  error?: string;
}

/**
 * Fits one likelihood map exactly as `shapeprior fit --unaries` does (the same settings,
 * the same fit function) and writes its mask atomically (temporary file + rename), so a
 * mask that exists is complete. Never throws: a bad input or a failing fit becomes a
 * 'failed' result naming the problem, and the batch goes on.
 */
export async function runFitJob(settings: FitSettings, job: FitJob): Promise<FitJobResult> {
  const base = { input: job.input, mask: job.mask, ...(job.overlay ? { overlay: job.overlay } : {}) };
  try {
    const limits = job.maxPixels === undefined ? {} : { maxPixels: job.maxPixels };
    const unaries = await readUnaries(job.input, limits);
    const photo = job.photo ? await readRgb(job.photo, limits) : null;
    if (photo && (photo.width !== unaries.width || photo.height !== unaries.height)) {
      throw new InputError(`image ${job.photo} is ${photo.width}x${photo.height} but unaries ${job.input} is ${unaries.width}x${unaries.height}; they must be the same size`);
    }
    const stats = await fitWithSettings(settings, unaries, 2);
    const { prior } = stats;
    let mask: Uint8Array;
    try {
      mask = evaluateMask(prior, unaries.height, unaries.width);
    } finally {
      prior.dispose();
    }
    await writeMask(job.mask, mask, unaries.width, unaries.height);
    if (photo && job.overlay) await writeOverlay(job.overlay, photo, mask);
    return {
      ...base,
      status: 'fitted',
      steps: stats.steps,
      converged: stats.converged,
      seconds: Number(stats.seconds.toFixed(3)),
      finalLoss: stats.finalLoss,
      foregroundPixels: mask.reduce((a, v) => a + v, 0),
      certificate: stats.certificate,
      ...(prior.config.kind === 'rotation' && settings.folds === 'auto' ? { folds: prior.config.folds } : {}),
    };
  } catch (err) {
    const e = err as Error;
    return { ...base, status: 'failed', error: err instanceof InputError ? e.message : `internal error: ${e.message}` };
  }
}
