import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  createPrior, evaluateMask, fitPrior, initBackend, iou, probabilityToRgb, thresholdMap, writeMask, writeOverlay, writeRgb,
  type Certificate, type FitOptions, type FitStats, type ImplicitPrior, type PriorConfigInput, type ProbabilityMap, type RgbImage,
} from '../src/index.js';

export interface PhotoExample {
  /** Short name, used for the output files. */
  name: string;
  photo: RgbImage;
  /** Where the photo came from, for the report. */
  source: string;
  unaries: ProbabilityMap;
  prior: PriorConfigInput;
  outDir: string;
  /** fitPrior options (seed 0 unless given). */
  fit?: FitOptions;
  /** Sets the starting parameters instead of the prior's data-dependent start (the fit then keeps them). */
  initialize?: (prior: ImplicitPrior) => void;
  /** Called with the fitted prior and its mask before the prior is disposed: for measurements and outputs of its own. */
  inspect?: (prior: ImplicitPrior, mask: Uint8Array) => void | Promise<void>;
}

/** What runPhotoExample measured, for examples that print more. */
export interface PhotoResult {
  /** The prior's mask on the photo's grid (1 = foreground). */
  mask: Uint8Array;
  /** The likelihood map thresholded at 0.5. */
  thresholded: Uint8Array;
  fit: FitStats & { certificate: Certificate };
}

/**
 * What every photo example does: fit the prior to the likelihood map, write the map,
 * the thresholded mask and the prior's mask (as overlays on the photo) to `outDir`,
 * and print what was measured.
 */
export async function runPhotoExample(ex: PhotoExample): Promise<PhotoResult> {
  const backend = await initBackend();
  mkdirSync(ex.outDir, { recursive: true });
  const kind = typeof ex.prior === 'string' ? ex.prior : ex.prior.kind;
  const thresholded = thresholdMap(ex.unaries);
  const prior = createPrior(ex.prior, { seed: 0 });
  ex.initialize?.(prior);
  const { prior: _, ...fit } = await fitPrior(prior, ex.unaries, { seed: 0, ...ex.fit, ...(ex.initialize ? { initialize: false } : {}) });
  const mask = evaluateMask(prior, ex.photo.height, ex.photo.width);
  try {
    await ex.inspect?.(prior, mask);
  } finally {
    prior.dispose();
  }

  const file = (suffix: string) => path.join(ex.outDir, `${ex.name}_${suffix}.png`);
  await writeRgb(file('unaries'), probabilityToRgb(ex.unaries));
  await writeOverlay(file('threshold_overlay'), ex.photo, thresholded);
  await writeOverlay(file(`${kind}_overlay`), ex.photo, mask);
  await writeMask(file(`${kind}_mask`), mask, ex.photo.width, ex.photo.height);

  const count = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);
  const { certificate } = fit;
  console.log(`backend: ${backend.description}`);
  console.log(`photo: ${ex.photo.width}x${ex.photo.height} (${ex.source}), prior: ${kind}`);
  console.log(`fit: ${fit.steps} steps${fit.converged ? ' (converged)' : ''}, ${fit.seconds.toFixed(2)} s, ${fit.pointsPerStep} points/step, final loss ${fit.finalLoss.toFixed(5)}`);
  console.log(`foreground pixels: thresholded unaries ${count(thresholded)}, ${kind} prior ${count(mask)}; IoU between them ${iou(thresholded, mask).toFixed(3)}`);
  console.log(`certificate: ${certificate.property}: ${certificate.violations} violations in ${certificate.checked} checks -> ${certificate.passed ? 'passed' : 'FAILED'}`);
  console.log(`wrote ${path.relative(process.cwd(), ex.outDir)}/${ex.name}_{unaries,threshold_overlay,${kind}_overlay,${kind}_mask}.png`);
  return { mask, thresholded, fit };
}

/** A likelihood map from a per-pixel colour score: p = sigmoid(score(r, g, b)). */
export function colourUnaries(photo: RgbImage, score: (r: number, g: number, b: number) => number): ProbabilityMap {
  const p = new Float32Array(photo.width * photo.height);
  for (let i = 0; i < p.length; i++) p[i] = 1 / (1 + Math.exp(-score(photo.data[3 * i]!, photo.data[3 * i + 1]!, photo.data[3 * i + 2]!)));
  return { height: photo.height, width: photo.width, data: p };
}

/** The repository root, whether this runs from examples/ (tsx) or dist/examples/ (compiled). */
export function repoRoot(moduleDir: string): string {
  return moduleDir.includes(`${path.sep}dist${path.sep}`) ? path.resolve(moduleDir, '../..') : path.resolve(moduleDir, '..');
}
