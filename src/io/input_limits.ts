import { ConfigError, InputError } from '../errors.js';

/**
 * Budgets that keep a small file or an allowed flag from asking for gigabytes. Measured
 * on the wasm backend (convex prior, peak RSS of the CLI): a fit costs ~230 MB plus ~45
 * bytes per map pixel (2048x2048: 425 MB), and ~13 KB per sampled point of a step
 * (`--sampling pixels --points 16384`: 343 MB; 65536: 1.09 GB). Images are checked by the
 * size their header declares, before any pixel is decoded.
 */

/** Default most pixels of one map (or of all frames together): 4096 x 4096, measured 0.89 GB at peak. */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;
/** Upper end of `--max-pixels`: libvips' own default limit (16383 x 16383). */
export const MAX_PIXELS_CEILING = 16383 * 16383;
/** Most points per optimiser step (`--points`): ~0.35 GB for the convex prior. */
export const MAX_POINTS_PER_STEP = 16384;
/** Most masks one `--frames` fit writes (`--times`). */
export const MAX_MASK_TIMES = 1000;

/** Throws naming the file when `width x height` exceeds the pixel budget. */
export function checkPixelCount(what: string, width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new InputError(`${what}: ${width}x${height} is ${pixels} pixels, more than the limit of ${maxPixels} (raise it with --max-pixels, at about 45 bytes of memory per pixel)`);
  }
}

/** Throws unless `maxPixels` is a usable budget (a positive integer up to the ceiling). */
export function checkMaxPixels(maxPixels: number): void {
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1 || maxPixels > MAX_PIXELS_CEILING) {
    throw new ConfigError(`maxPixels must be an integer in [1, ${MAX_PIXELS_CEILING}], got ${maxPixels}`);
  }
}
