import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { iou } from '../src/metrics.js';
import { augmentSample, randomAugmentation } from '../src/joint/augmentation.js';
import { ImplicitPriorCallback } from '../src/joint/implicit_prior_callback.js';
import { withImplicitPrior, type JointSample } from '../src/joint/implicit_prior_trainer.js';
import { weightedBinaryCrossEntropy } from '../src/joint/joint_loss.js';
import { MemoryPriorStore } from '../src/joint/memory_prior_store.js';
import type { PriorKey } from '../src/joint/prior_key.js';
import type { PriorState, PriorStore } from '../src/joint/prior_state.js';
import { twoClassScene } from '../src/synthetic.js';

/** A per-pixel net (1x1 convolutions) with a softmax over background, class 1 and class 2. */
function classNet(size: number, kernelSize = 1, filters = 16): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 4] });
  let h = input as tf.SymbolicTensor;
  for (let k = 0; k < 3; k++) h = tf.layers.conv2d({ filters, kernelSize, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: k }) }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function sampleOf(s: ReturnType<typeof twoClassScene>, id: string): JointSample {
  return { id, xs: tf.tensor3d(s.image, [s.height, s.width, 4]), ys: tf.tensor3d(s.labels, [s.height, s.width, 3]) };
}

/** A MemoryPriorStore that adds up the time of its loads and saves (the store's share of the bookkeeping). */
class TimedStore implements PriorStore {
  ms = 0;
  private readonly inner = new MemoryPriorStore();
  private async timed<T>(op: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await op();
    } finally {
      this.ms += performance.now() - t0;
    }
  }
  load(key: PriorKey): Promise<PriorState | undefined> {
    return this.timed(() => this.inner.load(key));
  }
  save(key: PriorKey, state: PriorState): Promise<void> {
    return this.timed(() => this.inner.save(key, state));
  }
  has(key: PriorKey): Promise<boolean> {
    return this.inner.has(key);
  }
  ids(): Promise<string[]> {
    return this.inner.ids();
  }
  keys(): Promise<PriorKey[]> {
    return this.inner.keys();
  }
  delete(key: PriorKey): Promise<void> {
    return this.inner.delete(key);
  }
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

describe('several classes: one prior per sample and class', () => {
  it('each class\'s prior has its own kind, certifies it and outlines its object; agreement per class in the logs; one mask per (id, class); no leak', async () => {
    const started = performance.now();
    const logDir = mkdtempSync(path.join(tmpdir(), 'shapeprior-classes-logs-'));
    const outDir = mkdtempSync(path.join(tmpdir(), 'shapeprior-classes-masks-'));
    const scenes = [twoClassScene({ seed: 0 }), twoClassScene({ seed: 1 })];
    const samples = scenes.map((s, i) => sampleOf(s, `s${i}`));
    const model = classNet(32);
    const store = new MemoryPriorStore();
    // Channel 0 is the softmax's background: left alone (null, or simply not named).
    const trainer = withImplicitPrior(model, { 0: null, 1: 'convex', 2: 'star' }, { store, optimizer: tf.train.adam(0.02), warmupSteps: 60, learningRateAfterWarmup: 0.005, logDir, imageEvery: 1000 });
    await trainer.fit(samples, { epochs: 90, batchSize: 2 });
    // Bookkeeping of a step leaks nothing, also with augmented views.
    const count = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const views = samples.map((s, i) => augmentSample(s, randomAugmentation(10 * k + i, { flipHorizontal: true })));
      await trainer.trainStep(views);
      tf.dispose(views.flatMap((v) => [v.xs, v.ys, v.weights!]));
    }
    expect(tf.memory().numTensors).toBe(count);
    const keys = (await store.keys()).map((k) => JSON.stringify(k)).sort();
    expect(keys).toEqual(['s0', 's1'].flatMap((id) => [1, 2].map((c) => JSON.stringify({ id, class: c }))).sort());
    const measured: string[] = [];
    for (const [i, s] of scenes.entries()) {
      for (const [c, kind] of [[1, 'convex'], [2, 'star']] as const) {
        const mask = await trainer.priorMask(`s${i}`, 32, 32, c);
        const prior = trainer.priorsOf(c).prior;
        expect(prior.config.kind).toBe(kind);
        const certificate = prior.certify({ height: 32, width: 32 });
        expect(certificate.passed).toBe(true);
        const net = tf.tidy(() => Uint8Array.from((tf.slice(model.predict(tf.expandDims(samples[i]!.xs, 0)) as tf.Tensor4D, [0, 0, 0, c], [1, 32, 32, 1])).dataSync(), (v) => (v >= 0.5 ? 1 : 0)));
        const truth = s.truth[c - 1]!;
        const [priorIou, netIou] = [iou(mask, truth), iou(net, truth)];
        measured.push(`s${i} class ${c} (${kind}): prior IoU ${priorIou.toFixed(3)}, net ${netIou.toFixed(3)}`);
        expect(priorIou).toBeGreaterThan(0.75);
      }
    }
    // Masks asked for at once (they share the working prior) are each their own sample's.
    const together = await Promise.all(['s0', 's1'].map((id) => trainer.priorMask(id, 32, 32, 1)));
    expect(together[0]).toEqual(await trainer.priorMask('s0', 32, 32, 1));
    expect(together[1]).toEqual(await trainer.priorMask('s1', 32, 32, 1));
    expect(together[0]).not.toEqual(together[1]);
    await expect(trainer.priorMask('s0', 32, 32)).rejects.toThrow(/name the class/);
    await expect(trainer.priorMask('s0', 32, 32, 0)).rejects.toThrow(/class 0 has no prior/);
    const exported = await trainer.exportMasks(outDir, { height: 48, width: 48 });
    expect(exported.masks.map((m) => [m.id, m.class, m.file, m.kind])).toEqual([
      ['s0', 1, 's0.c1.png', 'convex'], ['s0', 2, 's0.c2.png', 'star'], ['s1', 1, 's1.c1.png', 'convex'], ['s1', 2, 's1.c2.png', 'star'],
    ]);
    expect(readdirSync(outDir).sort()).toEqual(['s0.c1.png', 's0.c2.png', 's1.c1.png', 's1.c2.png', 'summary.json']);
    await trainer.close();
    const events = readdirSync(logDir).filter((f) => f.startsWith('events.out.tfevents.'));
    const bytes = readFileSync(path.join(logDir, events[0]!)).toString('latin1');
    for (const tag of ['batch_agreement_iou/class_1', 'batch_agreement_iou/class_2', 'batch_agreement_mse/class_1', 'epoch_agreement_iou/class_2', 'batch_agreement_iou']) expect(bytes).toContain(tag);
    expect(bytes).not.toContain('class_0');
    console.log(`classes: ${measured.join('; ')}; ${((performance.now() - started) / 1000).toFixed(1)} s`);
    tf.dispose(samples.flatMap((s) => [s.xs, s.ys]));
    model.dispose();
  }, 120_000);

  it('ImplicitPriorCallback trains class priors inside model.fitDataset and logs agreement per class', async () => {
    const s = twoClassScene({ seed: 2, height: 16, width: 16 });
    const model = classNet(16);
    const store = new MemoryPriorStore();
    const hook = new ImplicitPriorCallback(model, { 1: 'convex', 2: 'star' }, { store });
    model.compile({ optimizer: tf.train.adam(0.01), loss: hook.loss });
    const data = tf.data.array([0, 1]).map((i) => ({ id: `c${i as number}`, xs: tf.tensor3d(s.image, [16, 16, 4]), ys: tf.tensor3d(s.labels, [16, 16, 3]) }) as unknown as tf.TensorContainerObject);
    const seen: Array<Record<string, unknown>> = [];
    const after = new (class extends tf.Callback {
      override async onBatchEnd(_b: number, logs?: tf.Logs): Promise<void> {
        seen.push({ ...logs });
      }
    })();
    await model.fitDataset(hook.wrap(data).batch(2), { epochs: 2, callbacks: [hook, after] });
    expect((await store.keys()).map((k) => JSON.stringify(k)).sort()).toEqual(['c0', 'c1'].flatMap((id) => [1, 2].map((c) => JSON.stringify({ id, class: c }))).sort());
    expect((await store.load({ id: 'c0', class: 2 }))!.config.kind).toBe('star');
    expect(seen).toHaveLength(2);
    for (const logs of seen) for (const key of ['agreement_iou/class_1', 'agreement_iou/class_2', 'agreement_mse/class_1']) expect(typeof logs[key]).toBe('number');
    hook.dispose();
    model.dispose();
  });

  it('a class may hold a union prior (N objects, one member each)', async () => {
    const s = twoClassScene({ seed: 4, height: 16, width: 16 });
    const model = classNet(16);
    const store = new MemoryPriorStore();
    const trainer = withImplicitPrior(model, { 1: { kind: 'union', count: 2 }, 2: 'convex' }, { store, priorStepsPerVisit: 2 });
    const sample = sampleOf(s, 'u0');
    for (let k = 0; k < 2; k++) await trainer.trainStep([sample]);
    const state = (await store.load({ id: 'u0', class: 1 }))!;
    expect(state.config.kind).toBe('union');
    expect(state.step).toBe(4);
    expect((await trainer.priorMask('u0', 16, 16, 1)).length).toBe(256);
    expect(trainer.priorsOf(1).prior.certify({ height: 16, width: 16 }).passed).toBe(true);
    trainer.dispose();
    tf.dispose([sample.xs, sample.ys]);
    model.dispose();
  });

  it('bookkeeping of a K = 3 step (store load and save, agreement per class, logging) stays within 10% of a plain net step', async () => {
    const SIZE = 64;
    const s = twoClassScene({ seed: 3, height: SIZE, width: SIZE });
    const sample = sampleOf(s, 'b0');
    const model = classNet(SIZE, 3);
    const xs = tf.expandDims(sample.xs, 0);
    const ys = tf.expandDims(sample.ys, 0);
    const optimizer = tf.train.adam(1e-3);
    const plain: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const loss = optimizer.minimize(() => weightedBinaryCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor), true)!;
      loss.dataSync();
      loss.dispose();
      if (i >= 3) plain.push(performance.now() - t0); // the first steps set up kernels and the optimiser's slots
    }
    const store = new TimedStore();
    const logDir = mkdtempSync(path.join(tmpdir(), 'shapeprior-classes-bench-'));
    const trainer = withImplicitPrior(model, { 1: 'convex', 2: 'star' }, { store, optimizer: tf.train.adam(1e-3), logDir, priorStepsPerVisit: 1 });
    const bookkeeping: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = store.ms;
      await trainer.trainStep([sample]);
      const t = trainer.lastTimings;
      if (i >= 2) bookkeeping.push(store.ms - before + t.agreement + t.scalars + t.image); // the first visit starts each prior from the net's output
    }
    await trainer.close();
    const ratio = median(bookkeeping) / median(plain);
    console.log(`K = 3 bookkeeping ${median(bookkeeping).toFixed(2)} ms per step = ${(100 * ratio).toFixed(1)}% of the plain step (${median(plain).toFixed(1)} ms, ${SIZE}x${SIZE}, memory store)`);
    expect(ratio).toBeLessThanOrEqual(0.1);
    tf.dispose([xs, ys, sample.xs, sample.ys]);
    optimizer.dispose();
    model.dispose();
  });
});
