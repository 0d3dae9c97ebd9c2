import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ImplicitPrior } from '../src/priors/implicit_prior.js';
import { evaluateScores } from '../src/priors/evaluate.js';
import { loadPrior, savePrior } from '../src/priors/persistence.js';
import { gridCoordinates } from '../src/coordinates.js';

/**
 * Draws every trainable weight of `model` from N(0, scale) (seeded), bypassing weight
 * constraints: guarantees must hold for all parameter values, not only fitted ones.
 * `scaleOf` may give some weights another scale (e.g. lattice frequencies).
 */
export function randomizeWeights(model: tf.LayersModel, seed: number, scale: number, scaleOf: (name: string) => number = () => scale): void {
  model.trainableWeights.forEach((w, i) => {
    const v = tf.randomNormal(w.shape as number[], 0, scaleOf(w.name), 'float32', seed * 101 + i);
    (w.read() as tf.Variable).assign(v);
    v.dispose();
  });
}

/** savePrior + loadPrior through file:// restore the config and give identical scores. */
export async function expectPriorRoundTrip(prior: ImplicitPrior): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), `shapeprior-${prior.config.kind}-`));
  await savePrior(prior, `file://${dir}`);
  const loaded = await loadPrior(`file://${dir}`);
  expect(loaded.config).toEqual(prior.config);
  const dim = prior.model.inputs[0]!.shape[1] as number;
  const probe = Float32Array.from({ length: 600 }, (_, i) => 1.2 * Math.sin(i * 12.9898));
  expect(Array.from(evaluateScores(loaded, probe, dim))).toEqual(Array.from(evaluateScores(prior, probe, dim)));
  loaded.dispose();
}

/**
 * A thick C (an annulus about the frame's centre with a gap to the right) as an n x n
 * likelihood map (0.85 on the C, 0.1 elsewhere) and its truth; with `bar`, a vertical
 * occluding bar at x = bar reads as background (the truth keeps the C whole).
 */
export function thickC(n: number, shape: { inner: number; outer: number; gap: number; bar?: number }): { map: Float32Array; truth: Uint8Array } {
  const coords = gridCoordinates(n, n);
  const map = new Float32Array(n * n);
  const truth = new Uint8Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const r = Math.hypot(x, y);
    const inC = r <= shape.outer && r >= shape.inner && Math.abs(Math.atan2(y, x)) >= shape.gap;
    truth[i] = inC ? 1 : 0;
    map[i] = inC && !(shape.bar !== undefined && Math.abs(x - shape.bar) < 0.05) ? 0.85 : 0.1;
  }
  return { map, truth };
}
