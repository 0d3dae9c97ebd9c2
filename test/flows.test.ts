import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ActNorm, AffineCoupling, InvertibleLinear, type FlowLayer } from '../layers/index.js';
import { NormalizingFlow } from '../src/flows/normalizing_flow.js';
import { randomizeWeights } from './helpers.js';

type Step = FlowLayer & tf.layers.Layer;

/** A model holding one flow layer, with random weights (any value must give an invertible map). */
function randomLayer(make: () => Step, dim: number, seed: number): { model: tf.LayersModel; layer: Step } {
  const input = tf.input({ shape: [dim] });
  const layer = make();
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  randomizeWeights(model, seed, 0.6);
  return { model, layer };
}

/** Autodiff against a float32 central difference: within 2% (or 0.02 near zero). */
function expectNear(autodiff: number, numeric: number, label: string): void {
  expect(Math.abs(autodiff - numeric), `${label}: ${autodiff} vs ${numeric}`).toBeLessThan(0.02 * Math.max(1, Math.abs(numeric)));
}

function randomPoints(n: number, dim: number, seed: number): tf.Tensor2D {
  return tf.randomUniform([n, dim], -1.5, 1.5, 'float32', seed) as tf.Tensor2D;
}

/** log |det J| of f at x by central differences (float64 arithmetic on float32 evaluations). */
function numericalLogDet(f: (x: tf.Tensor2D) => tf.Tensor2D, x: number[], h = 1e-3): number {
  const dim = x.length;
  const jac: number[][] = [];
  for (let j = 0; j < dim; j++) {
    const plus = [...x];
    const minus = [...x];
    plus[j]! += h;
    minus[j]! -= h;
    const [fp, fm] = tf.tidy(() => [f(tf.tensor2d([plus])).arraySync()[0]!, f(tf.tensor2d([minus])).arraySync()[0]!]);
    jac.push(fp!.map((v, i) => (v - fm![i]!) / (2 * h)));
  }
  // jac[j][i] = d f_i / d x_j; |det| is the same for J and its transpose.
  const det = dim === 2
    ? jac[0]![0]! * jac[1]![1]! - jac[0]![1]! * jac[1]![0]!
    : jac[0]![0]! * (jac[1]![1]! * jac[2]![2]! - jac[1]![2]! * jac[2]![1]!) - jac[0]![1]! * (jac[1]![0]! * jac[2]![2]! - jac[1]![2]! * jac[2]![0]!) + jac[0]![2]! * (jac[1]![0]! * jac[2]![1]! - jac[1]![1]! * jac[2]![0]!);
  return Math.log(Math.abs(det));
}

const makers: Array<[string, (dim: number, seed: number) => Step]> = [
  ['AffineCoupling (x)', (dim, seed) => new AffineCoupling({ dim, transformed: 0, seed })],
  ['AffineCoupling (y)', (dim, seed) => new AffineCoupling({ dim, transformed: 1, seed })],
  ['ActNorm', () => new ActNorm()],
  ['InvertibleLinear', () => new InvertibleLinear()],
  ['InvertibleLinear (preserveLast)', () => new InvertibleLinear({ preserveLast: true })],
];

describe('flow layers', () => {
  for (const [name, make] of makers) {
    for (const dim of [2, 3]) {
      it(`${name}, ${dim}-D: inverse(forward(x)) = x and log-det = the numerical Jacobian's, for random parameters`, () => {
        for (let seed = 1; seed <= 3; seed++) {
          const { model, layer } = randomLayer(() => make(dim, seed), dim, seed);
          const x = randomPoints(200, dim, seed);
          const roundTrip = tf.tidy(() => tf.max(tf.abs(tf.sub(layer.inverse(layer.apply(x) as tf.Tensor2D), x))).dataSync()[0]!);
          expect(roundTrip).toBeLessThan(1e-4);
          const logDet = tf.tidy(() => layer.logDetJacobian(x).arraySync());
          const xs = x.arraySync();
          for (let i = 0; i < 10; i++) {
            const numeric = numericalLogDet((p) => layer.apply(p) as tf.Tensor2D, xs[i]!);
            expect(Math.abs(logDet[i]! - numeric)).toBeLessThan(5e-3);
          }
          x.dispose();
          model.dispose();
        }
      });
    }
  }

  it('a composite of them: forward, inverse and log-det of 12 random blocks', () => {
    const input = tf.input({ shape: [2] });
    const steps: Step[] = [new InvertibleLinear()];
    for (let b = 0; b < 12; b++) steps.push(new AffineCoupling({ dim: 2, transformed: b % 2, seed: b }), new ActNorm());
    const out = steps.reduce((h, s) => s.apply(h) as tf.SymbolicTensor, input);
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(model, 7, 0.3);
    const flow = new NormalizingFlow(steps);
    const x = randomPoints(100, 2, 3);
    const { y, logDet } = flow.forwardWithLogDet(x);
    // The flow is what the model computes.
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, model.predict(x) as tf.Tensor2D))).dataSync()[0]!)).toBeLessThan(1e-5);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(flow.inverse(y), x))).dataSync()[0]!)).toBeLessThan(1e-3);
    const ld = logDet.arraySync();
    const xs = x.arraySync();
    for (let i = 0; i < 5; i++) expect(Math.abs(ld[i]! - numericalLogDet((p) => flow.forward(p).output, xs[i]!))).toBeLessThan(2e-2);
    tf.dispose([x, y, logDet]);
    model.dispose();
  });

  it('composites nest, and backward returns the inverse with the negated log-det', () => {
    const input = tf.input({ shape: [2] });
    const inner: Step[] = [new AffineCoupling({ dim: 2, transformed: 0, seed: 1 }), new ActNorm(), new AffineCoupling({ dim: 2, transformed: 1, seed: 2 })];
    const outer: Step[] = [new InvertibleLinear(), new ActNorm()];
    const out = [outer[0]!, ...inner, outer[1]!].reduce((h, s) => s.apply(h) as tf.SymbolicTensor, input);
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(model, 11, 0.3);
    const nested = new NormalizingFlow([outer[0]!, new NormalizingFlow(inner), outer[1]!]);
    const flat = new NormalizingFlow([outer[0]!, ...inner, outer[1]!]);
    const x = randomPoints(50, 2, 4);
    const a = nested.forward(x);
    const b = flat.forward(x);
    const back = nested.backward(a.output);
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
    expect(maxAbs(tf.sub(a.output, b.output))).toBeLessThan(1e-6);
    expect(maxAbs(tf.sub(a.logDet, b.logDet))).toBeLessThan(1e-5);
    expect(maxAbs(tf.sub(back.output, x))).toBeLessThan(1e-3);
    // log |det J_f^-1(f(x))| = -log |det J_f(x)|.
    expect(maxAbs(tf.add(back.logDet, a.logDet))).toBeLessThan(1e-4);
    // The forward log-det is the Jacobian's, measured by finite differences.
    const xs = x.arraySync();
    const ld = a.logDet.arraySync();
    for (let i = 0; i < 3; i++) expect(Math.abs(ld[i]! - numericalLogDet((p) => nested.forward(p).output, xs[i]!))).toBeLessThan(2e-2);
    tf.dispose([x, a.output, a.logDet, b.output, b.logDet, back.output, back.logDet]);
    model.dispose();
  });

  it('InvertibleLinear with preserveLast never lets (x, y) into the last coordinate', () => {
    const { model, layer } = randomLayer(() => new InvertibleLinear({ preserveLast: true }), 3, 5);
    const a = tf.tensor2d([[0.3, -0.7, 0.25], [-1.2, 0.9, 0.25]]);
    const t = (layer.apply(a) as tf.Tensor2D).arraySync();
    expect(Math.abs(t[0]![2]! - t[1]![2]!)).toBeLessThan(1e-6);
    expect(Math.abs(t[0]![0]! - t[1]![0]!)).toBeGreaterThan(1e-3);
    a.dispose();
    model.dispose();
  });

  it('a fresh coupling is the identity (zero-initialised last layer)', () => {
    const input = tf.input({ shape: [2] });
    const coupling = new AffineCoupling({ dim: 2, transformed: 0, seed: 1 });
    const model = tf.model({ inputs: input, outputs: coupling.apply(input) as tf.SymbolicTensor });
    const x = randomPoints(50, 2, 1);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, x))).dataSync()[0]!)).toBe(0);
    x.dispose();
    model.dispose();
  });

  // Writing into the array tf.split returns rewires the gradient tape (the array is the tape's record of the
  // op's outputs): the coupling once did, and the pc prior's T got gradients up to 64x off through its 12 blocks.
  for (const [name, make] of makers) {
    it(`${name}: gradients with respect to the input and every weight match central differences`, () => {
      const dim = 3;
      const { model, layer } = randomLayer(() => make(dim, 4), dim, 4);
      const x = randomPoints(20, dim, 4);
      const loss = (input: tf.Tensor) => tf.sum(tf.sin(layer.apply(input) as tf.Tensor2D)) as tf.Scalar;
      const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const inputGrad = tf.grad(loss)(x);
      const { grads } = tf.variableGrads(() => loss(x), weights);
      const at = (v: tf.Tensor): number => loss(v).dataSync()[0]!;
      const central = (values: Float32Array, k: number, evaluate: (changed: Float32Array) => number): number => {
        const eps = 2e-3; // small enough not to straddle a leaky-ReLU kink often
        const up = values.slice();
        up[k]! += eps;
        const down = values.slice();
        down[k]! -= eps;
        return (evaluate(up) - evaluate(down)) / (2 * eps);
      };
      const xs = x.dataSync() as Float32Array;
      const gx = inputGrad.dataSync();
      for (let k = 0; k < xs.length; k += 7) {
        expectNear(gx[k]!, central(xs, k, (c) => tf.tidy(() => at(tf.tensor2d(c, x.shape)))), `d/dx[${k}]`);
      }
      for (const v of weights) {
        const values = v.dataSync().slice() as Float32Array;
        const g = grads[v.name]!.dataSync();
        for (let k = 0; k < values.length; k += Math.max(1, Math.floor(values.length / 4))) {
          const numeric = central(values, k, (c) => tf.tidy(() => { v.assign(tf.tensor(c, v.shape)); return at(x); }));
          v.assign(tf.tensor(values, v.shape));
          expectNear(g[k]!, numeric, `d/d${v.name}[${k}]`);
        }
      }
      tf.dispose([x, inputGrad, ...Object.values(grads)]);
      model.dispose();
    });
  }

  it('ActNorm data-dependent initialisation gives zero mean and unit variance', () => {
    const { model, layer } = randomLayer(() => new ActNorm(), 2, 2);
    const x = tf.tidy(() => tf.add(tf.mul(randomPoints(500, 2, 9), [3, 0.2]), [5, -1]) as tf.Tensor2D);
    (layer as ActNorm).initializeFrom(x);
    const { mean, variance } = tf.moments(layer.apply(x) as tf.Tensor2D, 0);
    for (const m of mean.arraySync() as number[]) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of variance.arraySync() as number[]) expect(Math.abs(v - 1)).toBeLessThan(1e-3);
    tf.dispose([x, mean, variance]);
    model.dispose();
  });
});
