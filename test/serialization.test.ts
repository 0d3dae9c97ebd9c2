import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AffineNormalization, InputConvexDense } from '../layers/index.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateScores } from '../src/priors/evaluate.js';
import { loadPrior, savePrior } from '../src/priors/persistence.js';
import { occludedEllipse } from '../src/synthetic.js';

const probe = Float32Array.from({ length: 2 * 500 }, (_, i) => Math.sin(i * 12.9898) * 1.2);

describe('serialisation', () => {
  it('round-trips a prior through model.save / tf.loadLayersModel on file:// without tfjs-node', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-model-'));
    const prior = createPrior('convex', { seed: 4 });
    // Data-dependent state (the normalisation) must survive too, not only trained weights.
    prior.initializeFromData!(occludedEllipse({ height: 64, width: 64 }).unaries, 4);
    await prior.model.save(`file://${dir}`);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(manifest.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    expect(loaded.layers.some((l) => l instanceof InputConvexDense)).toBe(true);
    expect(loaded.layers.some((l) => l instanceof AffineNormalization)).toBe(true);
    const a = tf.tidy(() => prior.model.predict(tf.tensor2d(probe, [500, 2])) as tf.Tensor).dataSync();
    const b = tf.tidy(() => loaded.predict(tf.tensor2d(probe, [500, 2])) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    prior.dispose();
    loaded.dispose();
  });

  it('restores the prior with its config and constraints through savePrior / loadPrior', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-prior-'));
    const prior = createPrior({ kind: 'convex', width: 48, depth: 2 }, { seed: 2 });
    await savePrior(prior, `file://${dir}`);
    const loaded = await loadPrior(`file://${dir}`);
    expect(loaded.config).toEqual(prior.config);
    expect(Array.from(evaluateScores(loaded, probe, 2))).toEqual(Array.from(evaluateScores(prior, probe, 2)));
    const constrained = loaded.model.weights.filter((w) => w.constraint != null);
    expect(constrained.length).toBe(2);
    prior.dispose();
    loaded.dispose();
  });

  it('refuses a model that is not a shapeprior prior, naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-plain-'));
    const plain = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    await plain.save(`file://${dir}`);
    await expect(loadPrior(`file://${dir}`)).rejects.toThrow(/not a shapeprior prior/);
    await expect(tf.loadLayersModel(`file://${dir}/missing/model.json`)).rejects.toThrow(/cannot read/);
  });
});
