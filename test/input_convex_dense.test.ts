import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { explicitTransposeMatMul, InputConvexDense, LevelSetSaturation } from '../layers/index.js';
import { ConvexPrior } from '../src/priors/convex_prior.js';
import { resolvePriorConfig, type ConvexPriorConfig } from '../src/priors/prior_config.js';
import { occludedEllipse } from '../src/synthetic.js';
import { randomizeWeights } from './helpers.js';

const config = (over: Partial<ConvexPriorConfig> = {}) => resolvePriorConfig({ kind: 'convex', width: 32, ...over }) as ConvexPriorConfig;

/**
 * Largest violation of F((a+b)/2) <= (F(a)+F(b))/2 over random segments, relative to
 * the size of F (> 0 means not convex; float rounding alone stays near 1e-6).
 */
function worstMidpointViolation(prior: ConvexPrior, dim: number, pairs: number, seed: number): number {
  // The ICNN's own output: the saturation after it keeps level sets, not function convexity.
  const icnn = tf.model({ inputs: prior.model.inputs, outputs: prior.model.getLayer('icnn_out').output });
  const F = (x: tf.Tensor) => icnn.apply(x) as tf.Tensor;
  const rng = seedrandom(String(seed));
  const a = Array.from({ length: pairs * dim }, () => 3 * (rng() * 2 - 1));
  const b = Array.from({ length: pairs * dim }, () => 3 * (rng() * 2 - 1));
  return tf.tidy(() => {
    const ta = tf.tensor2d(a, [pairs, dim]);
    const tb = tf.tensor2d(b, [pairs, dim]);
    const fm = F(tf.div(tf.add(ta, tb), 2));
    const chord = tf.div(tf.add(F(ta), F(tb)), 2);
    const size = tf.add(1, tf.max(tf.abs(chord)));
    return tf.div(tf.max(tf.sub(fm, chord)), size).dataSync()[0]!;
  });
}

describe('InputConvexDense', () => {
  it('computes act(z Wz + x Wx + b) against a hand-computed case', () => {
    const layer = new InputConvexDense({ units: 2, activation: 'relu' });
    const z = tf.tensor2d([[1, 2]]);
    const x = tf.tensor2d([[3]]);
    layer.apply([z, x]);
    // weights in creation order: x_kernel [1,2], z_kernel [2,2], bias [2]
    layer.setWeights([tf.tensor2d([[1, -1]]), tf.tensor2d([[1, 0], [0.5, 2]]), tf.tensor1d([0, -10])]);
    const out = layer.apply([z, x]) as tf.Tensor;
    // unit 0: 1*1 + 2*0.5 + 3*1 + 0 = 5; unit 1: 1*0 + 2*2 - 3 - 10 = -9 -> relu 0
    expect(Array.from(out.dataSync())).toEqual([5, 0]);
  });

  it('rejects activations that would break convexity', () => {
    expect(() => new InputConvexDense({ units: 4, activation: 'tanh' as never })).toThrow(/convex and non-decreasing/);
  });

  it('is convex along random segments for random parameters, in 2-D and 3-D', () => {
    for (const inputDim of [2, 3] as const) {
      for (let seed = 1; seed <= 5; seed++) {
        const prior = new ConvexPrior(config({ inputDim }), { seed });
        randomizeWeights(prior.model, seed, 1);
        prior.applyConstraints();
        expect(worstMidpointViolation(prior, inputDim, 4000, seed)).toBeLessThan(1e-4);
        prior.dispose();
      }
    }
  });

  it('is convex straight from construction, before any projection', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const prior = new ConvexPrior(config(), { seed });
      for (const w of prior.model.weights.filter((v) => v.name.includes('z_kernel'))) {
        expect(w.read().min().dataSync()[0]).toBeGreaterThanOrEqual(0);
      }
      expect(worstMidpointViolation(prior, 2, 4000, seed)).toBeLessThan(1e-5);
      prior.dispose();
    }
  });

  it('is not convex when the projection is skipped (the check can fail)', () => {
    const prior = new ConvexPrior(config(), { seed: 3 });
    randomizeWeights(prior.model, 3, 1);
    expect(worstMidpointViolation(prior, 2, 4000, 3)).toBeGreaterThan(1e-2);
    prior.dispose();
  });

  it('stays convex after optimiser steps that push the z-weights negative', () => {
    const prior = new ConvexPrior(config(), { seed: 7 });
    const optimizer = tf.train.adam(0.05);
    const vars = prior.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const pts = tf.randomUniform([256, 2], -1, 1, 'float32', 1) as tf.Tensor2D;
    for (let step = 0; step < 30; step++) {
      // Rewarding a concave bump pulls Wz below zero; only the projection keeps F convex.
      optimizer.minimize(() => tf.mean(tf.mul(prior.score(pts), tf.sub(1, tf.sum(tf.square(pts), 1, true)))) as tf.Scalar, false, vars);
      prior.applyConstraints();
    }
    const zKernels = prior.model.weights.filter((w) => w.name.includes('z_kernel'));
    expect(zKernels.length).toBe(3);
    for (const w of zKernels) expect(w.read().min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(worstMidpointViolation(prior, 2, 4000, 11)).toBeLessThan(1e-4);
    pts.dispose();
    optimizer.dispose();
    prior.dispose();
  });
});

describe('LevelSetSaturation', () => {
  it('is strictly increasing with h(0) = 0, so it keeps every level set of its input', () => {
    for (const level of [0.5, 3, 20]) {
      const layer = new LevelSetSaturation({ initialLevel: level });
      const x = tf.linspace(-50, 50, 2001).reshape([2001, 1]);
      const y = (layer.apply(x) as tf.Tensor).dataSync();
      const xs = x.dataSync();
      for (let i = 0; i < xs.length; i++) {
        expect(Math.sign(y[i]!)).toBe(Math.sign(xs[i]!));
        if (i > 0) expect(y[i]!).toBeGreaterThan(y[i - 1]! - 1e-7);
        expect(Math.abs(y[i]!)).toBeLessThanOrEqual(level + 1e-5);
      }
      // Near 0 it is the identity, so the slope at the boundary is the net's own.
      expect(Math.abs((layer.apply(tf.tensor2d([[1e-3]])) as tf.Tensor).dataSync()[0]! - 1e-3)).toBeLessThan(1e-6);
    }
  });

  it('leaves the prior mask equal to the ICNN sublevel set {F <= 0}', () => {
    const prior = new ConvexPrior(config(), { seed: 8 });
    prior.initializeFromData(occludedEllipse({ height: 48, width: 48 }).unaries, 8);
    const icnn = tf.model({ inputs: prior.model.inputs, outputs: prior.model.getLayer('icnn_out').output });
    const pts = tf.randomUniform([5000, 2], -1.5, 1.5, 'float32', 4);
    const raw = (icnn.predict(pts) as tf.Tensor).dataSync();
    const saturated = prior.score(pts as tf.Tensor2D).dataSync();
    let inside = 0;
    for (let i = 0; i < raw.length; i++) {
      expect(saturated[i]! <= 0).toBe(raw[i]! <= 0);
      if (raw[i]! <= 0) inside++;
    }
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(raw.length);
    prior.dispose();
  });
});

describe('explicitTransposeMatMul', () => {
  it('has the same value and gradients as tf.matMul to float tolerance', () => {
    const a = tf.randomNormal([64, 13], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([13, 7], 0, 1, 'float32', 2) as tf.Tensor2D;
    const weight = tf.randomNormal([64, 7], 0, 1, 'float32', 3);
    const loss = (mm: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.sin(mm(x as tf.Tensor2D, y as tf.Tensor2D)), weight));
    const [ga, gb] = tf.grads(loss(explicitTransposeMatMul))([a, b]);
    const [ra, rb] = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
    expect(tf.max(tf.abs(tf.sub(explicitTransposeMatMul(a, b), tf.matMul(a, b)))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(ga!, ra!))).dataSync()[0]).toBeLessThan(1e-4);
    expect(tf.max(tf.abs(tf.sub(gb!, rb!))).dataSync()[0]).toBeLessThan(1e-4);
  });

  it('gives the whole convex net the same gradients as a plain tf.matMul formulation', () => {
    const prior = new ConvexPrior(config({ depth: 2 }), { seed: 5 });
    const pts = tf.randomUniform([128, 2], -1, 1, 'float32', 9) as tf.Tensor2D;
    const vars = prior.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(prior.score(pts))) as tf.Scalar, vars);
    // The same network written with plain matMuls, reading the same variables.
    const byName = (n: string) => vars.find((v) => v.name.includes(n))!;
    const frame = prior.model.getLayer('frame').getWeights();
    const plain = () => {
      const x = tf.matMul(tf.sub(pts, frame[0]!), frame[1]! as tf.Tensor2D);
      const h0 = tf.relu(tf.add(tf.matMul(x, byName('icnn_0/x_kernel')), byName('icnn_0/bias')));
      const h1 = tf.relu(tf.add(tf.add(tf.matMul(h0, byName('icnn_1/z_kernel')), tf.matMul(x, byName('icnn_1/x_kernel'))), byName('icnn_1/bias')));
      const f = tf.add(tf.add(tf.matMul(h1, byName('icnn_out/z_kernel')), tf.matMul(x, byName('icnn_out/x_kernel'))), byName('icnn_out/bias'));
      const a = tf.exp(byName('saturation/log_level'));
      return tf.mean(tf.square(tf.mul(a, tf.tanh(tf.div(f, a))))) as tf.Scalar;
    };
    const reference = tf.variableGrads(plain, vars).grads;
    expect(Object.keys(grads).length).toBe(vars.length);
    for (const name of Object.keys(grads)) {
      const diff = tf.max(tf.abs(tf.sub(grads[name]!, reference[name]!))).dataSync()[0]!;
      const scale = tf.max(tf.abs(reference[name]!)).dataSync()[0]!;
      expect(diff).toBeLessThanOrEqual(1e-5 + 1e-4 * scale);
    }
    prior.dispose();
  });
});
