import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask, evaluateProbability } from '../src/priors/evaluate.js';
import { probabilityMap } from '../src/probability_map.js';
import { ImplicitPriorCallback } from '../src/joint/implicit_prior_callback.js';
import { withImplicitPrior, type JointSample } from '../src/joint/implicit_prior_trainer.js';
import { agreementLoss, alphaValue, binaryCrossEntropy, weightedBinaryCrossEntropy } from '../src/joint/joint_loss.js';
import { MemoryPriorStore } from '../src/joint/memory_prior_store.js';
import { initialState, writeWeights } from '../src/joint/prior_parameters.js';
import { scribbledEllipse } from '../src/synthetic.js';

/** The paper's per-pixel FCN (1x1 convolutions) on (intensity, x, y), seeded. */
function fcn(height: number, width: number, channels = 3): tf.LayersModel {
  const input = tf.input({ shape: [height, width, channels] });
  let h = input as tf.SymbolicTensor;
  for (let k = 0; k < 4; k++) h = tf.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: k }) }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function sampleOf(s: ReturnType<typeof scribbledEllipse>, id = 'img0'): JointSample {
  return { id, xs: tf.tensor3d(s.image, [s.height, s.width, 3]), ys: tf.tensor3d(s.labels, [s.height, s.width, 1]), weights: tf.tensor3d(s.weights, [s.height, s.width, 1]) };
}

function netMask(model: tf.LayersModel, sample: JointSample): Uint8Array {
  return tf.tidy(() => Uint8Array.from((model.predict(tf.expandDims(sample.xs, 0)) as tf.Tensor).dataSync(), (v) => (v >= 0.5 ? 1 : 0)));
}

describe('joint training with per-sample priors (eq. 12)', () => {
  it.each([
    { agreement: 'mse' as const, labelSmoothing: 0 },
    { agreement: 'cross-entropy' as const, labelSmoothing: 0.05 },
  ])('takes the gradient of a hand-written eq. 12: weak BCE + beta * agreement (%o)', async ({ agreement, labelSmoothing }) => {
    const s = scribbledEllipse({ height: 8, width: 8, seed: 1 });
    const sample = sampleOf(s);
    const model = fcn(8, 8);
    // A stored prior for the sample, so the step uses a known map P.
    const store = new MemoryPriorStore();
    const prior = createPrior({ kind: 'convex', width: 16 }, { seed: 3 });
    prior.initializeFromData!(probabilityMap(8, 8, Float32Array.from(s.truth, (v) => (v ? 0.9 : 0.1))));
    await store.save('img0', initialState(prior));
    const P = tf.tensor4d(evaluateProbability(prior, 8, 8), [1, 8, 8, 1]);
    const beta = 0.7;
    const lr = 0.1;
    const before = model.trainableWeights.map((w) => w.read().clone());
    // Hand-written: sum_s w CE(y', p) / sum_s w + beta * agreement, y' = y (1 - 2 e) + e the smoothed labels,
    // agreement = mean((p - P)^2) (eq. 12) or mean CE(P, p) (the prior's map as soft labels).
    const handGrads = tf.tidy(() => {
      const ce = (t: tf.Tensor, p: tf.Tensor) => tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))));
      const f = () => {
        const p = tf.clipByValue(model.apply(tf.expandDims(sample.xs, 0)) as tf.Tensor, 1e-6, 1 - 1e-6);
        const y = tf.add(tf.mul(tf.expandDims(sample.ys, 0), 1 - 2 * labelSmoothing), labelSmoothing);
        const w = tf.expandDims(sample.weights!, 0);
        const bce = tf.div(tf.sum(tf.mul(w, ce(y, p))), tf.sum(w));
        const term = agreement === 'mse' ? tf.mean(tf.square(tf.sub(p, P))) : tf.mean(ce(P, p));
        return tf.add(bce, tf.mul(beta, term)) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(f, model.trainableWeights.map((w) => w.read() as tf.Variable));
      return model.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!);
    });
    const trainer = withImplicitPrior(model, { kind: 'convex', width: 16 }, { beta, store, optimizer: tf.train.sgd(lr), agreement, labelSmoothing });
    await trainer.trainStep([sample]);
    model.trainableWeights.forEach((w, i) => {
      const step = tf.tidy(() => tf.div(tf.sub(before[i]!, w.read()), lr).dataSync());
      const want = handGrads[i]!.dataSync();
      for (let k = 0; k < want.length; k++) expect(Math.abs(step[k]! - want[k]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[k]!)));
    });
    // The prior moved towards the net and its state advanced by the steps of one visit.
    const saved = (await store.load('img0'))!;
    expect(saved.step).toBe(5);
    writeWeights(prior, saved.weights, 'test');
    tf.dispose([P, ...before, ...handGrads]);
    prior.dispose();
    trainer.dispose();
  });

  it('soft clipping (eq. 17): alpha = L_weak / penalty when the penalty > L_weak, else 1; 0 in the warm-up', () => {
    expect(alphaValue('soft-clip', 0.2, 0.8, 10, 0)).toBeCloseTo(0.25);
    expect(alphaValue('soft-clip', 0.8, 0.2, 10, 0)).toBe(1);
    expect(alphaValue(3, 0.8, 0.2, 10, 0)).toBe(3);
    expect(alphaValue('soft-clip', 0.2, 0.8, 4, 5)).toBe(0);
    // A float32 weak loss a hair below 0 (rounding) gives alpha 0, never a negative weight.
    expect(alphaValue('soft-clip', -1e-7, 0.8, 10, 0)).toBe(0);
    // The weak loss itself is >= 0, also for a saturated, perfect net.
    const bce = tf.tidy(() => binaryCrossEntropy(tf.tensor1d([1, 0]), tf.tensor1d([1, 0])).dataSync());
    expect(Math.min(...bce)).toBeGreaterThanOrEqual(0);
  });

  it('the cross-entropy agreement reaches a net sure of a wrong pixel; the squared difference hardly does; label smoothing keeps the sigmoid off 0 and 1', () => {
    // Gradient on the logits of sigmoid outputs towards a prior that says 1 everywhere.
    const logits = tf.tensor1d([-12, -4, 0, 4]);
    const prior = tf.ones([4]);
    const gradOf = (kind: 'mse' | 'cross-entropy') => tf.tidy(() => Array.from(tf.grad((z: tf.Tensor) => agreementLoss(kind, tf.sigmoid(z), prior))(logits).dataSync()));
    const mse = gradOf('mse');
    const ce = gradOf('cross-entropy');
    // Cross-entropy: (p - 1) / n on every logit, however sure (-0.25 at p ~ 0).
    expect(ce[0]).toBeCloseTo(-0.25, 3);
    expect(ce[1]).toBeCloseTo((1 / (1 + Math.exp(4)) - 1) / 4, 4);
    // Squared difference: the factor p (1 - p) leaves a sure wrong pixel ~1e-5 of that.
    expect(Math.abs(mse[0]!)).toBeLessThan(1e-4 * Math.abs(ce[0]!));
    // Smoothed labels: the weak loss is least at sigmoid = 0.95 / 0.05, not at exact 1 / 0 (where no gradient passes).
    const labels = tf.tensor1d([1, 0]);
    const lossAt = (p: number, smoothing: number) => tf.tidy(() => weightedBinaryCrossEntropy(labels, tf.tensor1d([p, 1 - p]), undefined, smoothing).dataSync()[0]!);
    expect(lossAt(0.95, 0.05)).toBeLessThan(lossAt(0.999, 0.05));
    expect(lossAt(0.999, 0)).toBeLessThan(lossAt(0.95, 0));
    expect(() => weightedBinaryCrossEntropy(labels, labels, undefined, 0.5)).toThrow(/labelSmoothing must be in \[0, 0.5\), got 0.5/);
    expect(() => withImplicitPrior(fcn(8, 8), 'convex', { labelSmoothing: -0.1 })).toThrow(/labelSmoothing/);
    expect(() => withImplicitPrior(fcn(8, 8), 'convex', { agreement: 'l1' as 'mse' })).toThrow(/agreement must be 'cross-entropy' or 'mse', got "l1"/);
    tf.dispose([logits, prior, labels]);
  });

  it('a convex prior fills the occluded bar: better net IoU and agreement than the same run with beta = 0, no tensor leak', async () => {
    const s = scribbledEllipse({ height: 32, width: 32, seed: 0 });
    const run = async (beta: number) => {
      const model = fcn(32, 32);
      // The paper's scribble schedule: Adam 0.02, the prior term off for a warm-up, then 0.002.
      const trainer = withImplicitPrior(model, 'convex', { beta, optimizer: tf.train.adam(0.02), warmupSteps: 150, learningRateAfterWarmup: 0.002 });
      const sample = sampleOf(s);
      const agreement: number[] = [];
      let count = 0;
      for (let step = 0; step < 350; step++) {
        if (step === 200) count = tf.memory().numTensors;
        const logs = await trainer.trainStep([sample]);
        if (step === 150 || step === 349) agreement.push(logs.agreement_iou);
      }
      const leaked = tf.memory().numTensors - count;
      const netIou = iou(netMask(model, sample), s.truth);
      trainer.dispose();
      tf.dispose([sample.xs, sample.ys, sample.weights!]);
      model.dispose();
      return { netIou, agreement, leaked };
    };
    const plain = await run(0);
    const joint = await run(1);
    expect(joint.leaked).toBe(0);
    expect(plain.leaked).toBe(0);
    // Measured: seeds 0 / 1 / 2 give 0.693 / 0.859 / 0.760 without priors and 0.887 / 0.946 / 0.932 with
    // (with the paper's MSE, no label smoothing and the moment-ellipse start: 0.656 / 0.652 / 0.661 and 0.958 / 0.973 / 0.842).
    expect(joint.netIou).toBeGreaterThan(plain.netIou + 0.1);
    expect(joint.netIou).toBeGreaterThan(0.85);
    expect(joint.agreement[1]!).toBeGreaterThan(joint.agreement[0]!);
    expect(joint.agreement[1]!).toBeGreaterThan(0.9);
  }, 120_000);

  it('sequential mode (eq. 15): the net alone, then each prior fitted to its fixed output, fills what the net misses', async () => {
    const s = scribbledEllipse({ height: 32, width: 32, seed: 1 });
    const model = fcn(32, 32);
    const store = new MemoryPriorStore();
    // Unsmoothed labels (the paper's BCE): the net then misses the bar most clearly (with the default smoothing it fills part of it itself).
    const trainer = withImplicitPrior(model, 'convex', { store, optimizer: tf.train.adam(0.02), labelSmoothing: 0 });
    const sample = sampleOf(s);
    expect(await trainer.fitSequential([sample], { epochs: 200 })).toEqual(['img0']);
    const netIou = iou(netMask(model, sample), s.truth);
    const priorIou = iou(await trainer.priorMask('img0', 32, 32), s.truth);
    await expect(trainer.priorMask('nobody', 32, 32)).rejects.toThrow(/no prior stored for sample "nobody"/);
    expect(priorIou).toBeGreaterThan(netIou + 0.05);
    trainer.dispose();
    tf.dispose([sample.xs, sample.ys, sample.weights!]);
  }, 120_000);

  it('logs its steps and epochs to TensorBoard (logDir): scalars and a net/prior image', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-joint-logs-'));
    const s = scribbledEllipse({ height: 16, width: 16, seed: 2 });
    const model = fcn(16, 16);
    const trainer = withImplicitPrior(model, { kind: 'convex', width: 32 }, { logDir: dir, imageEvery: 2, warmupSteps: 1 });
    const samples = [sampleOf(s, 'a'), sampleOf(s, 'b')];
    await trainer.fit(samples, { epochs: 2 });
    // Logging images (every 2 steps here) leaks nothing.
    const count = tf.memory().numTensors;
    for (let k = 0; k < 4; k++) await trainer.trainStep([samples[k % 2]!]);
    expect(tf.memory().numTensors).toBe(count);
    await trainer.close();
    const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(files).toHaveLength(1);
    const bytes = readFileSync(path.join(dir, files[0]!)).toString('latin1');
    for (const tag of ['batch_loss', 'batch_prior_loss', 'batch_alpha', 'batch_agreement_iou', 'batch_agreement_mse', 'epoch_weak_loss', 'net_red_prior_green']) expect(bytes).toContain(tag);
    expect(bytes).toContain('\x89PNG');
  });

  it('works inside a user\'s own model.fitDataset loop (ImplicitPriorCallback)', async () => {
    const samples = [0, 1, 2].map((seed) => scribbledEllipse({ height: 16, width: 16, seed }));
    const model = fcn(16, 16);
    const store = new MemoryPriorStore();
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-hook-logs-'));
    const hook = new ImplicitPriorCallback(model, { kind: 'convex', width: 32 }, { beta: 1, store, alpha: 'soft-clip', warmupSteps: 5, logDir: dir, imageEvery: 10 });
    model.compile({ optimizer: tf.train.adam(0.02), loss: hook.loss });
    const data = tf.data.array(samples.map((s, i) => ({ id: `s${i}`, xs: tf.tensor3d(s.image, [16, 16, 3]), ys: tf.tensor3d(s.labels, [16, 16, 1]), weights: tf.tensor3d(s.weights, [16, 16, 1]) })));
    const seen: tf.Logs[] = [];
    const tensorCounts: number[] = [];
    const history = await model.fitDataset(hook.wrap(data).batch(3), {
      epochs: 45, verbose: 0,
      callbacks: [hook, new tf.CustomCallback({
        onBatchEnd: async (_b, logs) => { seen.push({ ...logs! }); },
        onEpochEnd: async (epoch) => { if (epoch === 20 || epoch === 44) tensorCounts.push(tf.memory().numTensors); },
      })],
    });
    // No tensor leak across 24 epochs of the hook (wrapped samples, image steps, prior updates).
    expect(tensorCounts[1]).toBe(tensorCounts[0]);
    const losses = history.history['loss'] as number[];
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect((await store.ids()).sort()).toEqual(['s0', 's1', 's2']);
    // 5 warm-up batches leave the priors alone; 40 visits of 5 steps after them.
    expect((await store.load('s1'))!.step).toBe(40 * 5);
    expect(seen.slice(0, 5).every((l) => l['alpha'] === 0 && Number.isNaN(l['prior_loss']))).toBe(true);
    const joint = seen.slice(5);
    expect(joint[joint.length - 1]!['prior_loss']).toBeLessThan(joint[0]!['prior_loss'] as number);
    // Soft clipping keeps alpha in [0, 1] (it falls as the weak loss does); agreement grows as net and priors meet.
    expect(joint.every((l) => (l['alpha'] as number) >= 0 && (l['alpha'] as number) <= 1)).toBe(true);
    expect(joint.some((l) => (l['alpha'] as number) < 1)).toBe(true);
    expect(joint.at(-1)!['agreement_iou']).toBeGreaterThan(0.8);
    expect(joint.at(-1)!['agreement_mse']).toBeLessThan(joint[0]!['agreement_mse'] as number);
    const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(files).toHaveLength(1);
    const bytes = readFileSync(path.join(dir, files[0]!)).toString('latin1');
    for (const tag of ['batch_loss', 'batch_prior_loss', 'batch_alpha', 'batch_agreement_iou', 'batch_agreement_mse', 'epoch_agreement_iou', 'net_red_prior_green']) expect(bytes).toContain(tag);
    hook.dispose();
  }, 120_000);

  it('the trainer and the callback check their options alike (one core)', () => {
    const model = fcn(8, 8);
    const wide = tf.model({ inputs: model.inputs, outputs: tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(model.outputs[0]!) as tf.SymbolicTensor });
    for (const make of [(m: tf.LayersModel, o: object) => withImplicitPrior(m, 'convex', o), (m: tf.LayersModel, o: object) => new ImplicitPriorCallback(m, 'convex', o)]) {
      expect(() => make(model, { beta: -1 })).toThrow(/beta must be >= 0, got -1/);
      expect(() => make(model, { alpha: -2 })).toThrow(/alpha must be a non-negative number or 'soft-clip', got -2/);
      expect(() => make(model, { warmupSteps: 1.5 })).toThrow(/warmupSteps must be a non-negative integer, got 1.5/);
      expect(() => make(wide, {})).toThrow(/the model has 2 output channels: give one prior per class/);
    }
    // Several classes: keys are output channels; a channel beyond the net's, or no prior at all, is refused.
    expect(() => withImplicitPrior(wide, { 1: 'convex', 2: 'pc' })).toThrow(/class 2: the model has only 2 output channels \(0..1\)/);
    expect(() => new ImplicitPriorCallback(wide, { 0: null, 1: null })).toThrow(/no class has a prior/);
    expect(() => withImplicitPrior(wide, { 1: 'blob' } as never)).toThrow(/class 1: unknown prior kind "blob"/);
    const flat = tf.model({ inputs: model.inputs, outputs: tf.layers.flatten().apply(model.outputs[0]!) as tf.SymbolicTensor });
    expect(() => withImplicitPrior(flat, 'convex')).toThrow(/the model must output \[batch, height, width, K\] probabilities/);
  });

  it('the callback updates the priors of exactly the samples in each batch (wrapped data shuffled, filtered, batched) and names a batch it cannot place', async () => {
    const size = 16;
    // Four samples, each a disc in its own corner: a prior trained on another sample's output would sit in the wrong corner.
    const corners = [[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]] as const;
    const truths = corners.map(([cx, cy]) => {
      const t = new Uint8Array(size * size);
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) t[y * size + x] = Math.hypot((2 * x + 1) / size - 1 - cx, (2 * y + 1) / size - 1 - cy) < 0.35 ? 1 : 0;
      return t;
    });
    const sample = (i: number) => {
      const xs = new Float32Array(size * size * 3);
      truths[i]!.forEach((v, p) => { xs[3 * p] = v; xs[3 * p + 1] = ((p % size) * 2 + 1) / size - 1; xs[3 * p + 2] = (Math.floor(p / size) * 2 + 1) / size - 1; });
      return { id: `c${i}`, xs: tf.tensor3d(xs, [size, size, 3]), ys: tf.tensor3d(Float32Array.from(truths[i]!), [size, size, 1]) };
    };
    const model = fcn(size, size);
    const store = new MemoryPriorStore();
    const hook = new ImplicitPriorCallback(model, { kind: 'convex', width: 16, depth: 2 }, { beta: 1, store, warmupSteps: 4, priorLearningRate: 0.05, priorStepsPerVisit: 10 });
    model.compile({ optimizer: tf.train.adam(0.02), loss: hook.loss });
    const data = tf.data.array([0, 1, 2, 3].map(sample));
    await model.fitDataset(hook.wrap(data).shuffle(4, 'seed').batch(2), { epochs: 20, verbose: 0, callbacks: [hook] });
    const prior = createPrior({ kind: 'convex', width: 16, depth: 2 }, { seed: 0 });
    for (let i = 0; i < 4; i++) {
      writeWeights(prior, (await store.load(`c${i}`))!.weights, `c${i}`);
      const mask = evaluateMask(prior, size, size);
      const own = iou(mask, truths[i]!);
      expect(own).toBeGreaterThan(0.6);
      for (let j = 0; j < 4; j++) if (j !== i) expect(iou(mask, truths[j]!)).toBeLessThan(own);
    }
    prior.dispose();
    // Samples dropped after wrap (a filter on the wrapped data) are never trained, so their priors are never touched either.
    const filtered = new ImplicitPriorCallback(model, { kind: 'convex', width: 16, depth: 2 }, { beta: 1, store: new MemoryPriorStore(), warmupSteps: 0 });
    model.compile({ optimizer: tf.train.adam(0.02), loss: filtered.loss });
    const left = (e: { xs: tf.Tensor3D }) => tf.tidy(() => tf.sum(tf.mul(tf.slice(e.xs, [0, 0, 0], [-1, -1, 1]), tf.slice(e.xs, [0, 0, 1], [-1, -1, 1]))).dataSync()[0]! < 0);
    await model.fitDataset(filtered.wrap(tf.data.array([0, 1, 2, 3].map(sample))).filter(left).batch(2), { epochs: 3, verbose: 0, callbacks: [filtered] });
    expect((await filtered.priors.store.ids()).sort()).toEqual(['c0', 'c2']);
    // Batches from another hook's wrap carry tickets this hook never issued: an error that says what to do.
    const other = new ImplicitPriorCallback(model, { kind: 'convex', width: 16, depth: 2 }, { beta: 1, warmupSteps: 0 });
    const fresh = new ImplicitPriorCallback(model, { kind: 'convex', width: 16, depth: 2 }, { beta: 1, warmupSteps: 0 });
    model.compile({ optimizer: tf.train.adam(0.02), loss: fresh.loss });
    await expect(model.fitDataset(other.wrap(tf.data.array([0, 1].map(sample))).batch(2), { epochs: 1, verbose: 0, callbacks: [fresh] })).rejects.toThrow(/no wrapped sample waits for: train on hook.wrap\(samples\) of this hook/);
    for (const h of [hook, filtered, other, fresh]) h.dispose();
  }, 120_000);
});
