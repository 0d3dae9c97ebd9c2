import { describe, expect, it } from 'vitest';
import { fitPrior } from '../src/fit/fit_prior.js';
import { ConvexPrior } from '../src/priors/convex_prior.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateGridScores, evaluateMask } from '../src/priors/evaluate.js';
import { occludedEllipse } from '../src/synthetic.js';
import { randomizeWeights } from './helpers.js';

/** The mask read from F at every pixel (what evaluateMask's row search must equal). */
function everyPixel(prior: ConvexPrior, height: number, width: number): Uint8Array {
  return Uint8Array.from(evaluateGridScores(prior, height, width), (f) => (f <= 0 ? 1 : 0));
}

describe('the convex prior\'s mask by a search along each row', () => {
  it('equals reading F at every pixel: fitted, random and all-inside nets, odd sizes', async () => {
    const scene = occludedEllipse({ height: 96, width: 96, seed: 3 });
    const fitted = createPrior('convex', { seed: 0 }) as ConvexPrior;
    await fitPrior(fitted, scene.unaries, { seed: 0 });
    expect(fitted.gridMask(96, 96)).not.toBeNull();
    for (const [h, w] of [[96, 96], [37, 120], [150, 41]] as const) {
      const mask = evaluateMask(fitted, h, w);
      expect(mask).toEqual(everyPixel(fitted, h, w));
      expect(mask.some((v) => v === 1)).toBe(true);
    }
    for (const seed of [1, 2, 3]) {
      // Random weights: sets of any size and place, also empty or the whole raster.
      const prior = createPrior('convex', { seed }) as ConvexPrior;
      prior.initializeFromMoments(scene.unaries, seed);
      randomizeWeights(prior.model, seed, 0.5);
      // Unprojected (negative z-weights, F not convex): every pixel is read.
      expect(evaluateMask(prior, 64, 80), `seed ${seed}`).toEqual(everyPixel(prior, 64, 80));
      expect(prior.gridMask(64, 80)).toBeNull();
      prior.applyConstraints();
      expect(prior.gridMask(64, 80)).not.toBeNull();
      expect(evaluateMask(prior, 64, 80), `seed ${seed}`).toEqual(everyPixel(prior, 64, 80));
      prior.dispose();
    }
    fitted.dispose();
  });
});
