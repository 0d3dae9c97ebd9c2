import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { AffineNormalization } from '../../layers/affine_normalization.js';
import { InputConvexDense } from '../../layers/input_convex_dense.js';
import { LevelSetSaturation } from '../../layers/level_set_saturation.js';
import { evaluateScores, sampleInside } from './evaluate.js';
import type { Certificate, CertifyOptions } from './implicit_prior.js';
import { graphModel, NetworkPrior, type PriorOptions } from './network_prior.js';
import type { ConvexPriorConfig } from './prior_config.js';
import { radialInit } from './radial_init.js';
import type { LikelihoodData } from '../slice_stack.js';
import { certificate, certifySamples } from './certificate.js';

/**
 * The paper's input-convex net, hidden layers with linear skips from the input into
 * every later layer, between a fixed affine input normalisation and a level-set
 * preserving saturation (neither changes the set {F <= 0}, so it stays convex).
 */
export function buildConvexNet(config: ConvexPriorConfig, seed?: number): tf.LayersModel {
  return graphModel(convexGraph, config, seed, 'convex_prior');
}

/** The convex net on `coords`, its layer names prefixed (several nets can share one model). */
export function convexGraph(coords: tf.SymbolicTensor, config: ConvexPriorConfig, seed?: number, prefix = ''): tf.SymbolicTensor {
  const layerSeed = (i: number) => (seed === undefined ? undefined : seed * 1000 + 10 * i);
  const x = new AffineNormalization({ name: `${prefix}frame` }).apply(coords) as tf.SymbolicTensor;
  const hidden = (i: number) => new InputConvexDense({ units: config.width, activation: config.activation, name: `${prefix}icnn_${i}`, seed: layerSeed(i) });
  let z = hidden(0).apply(x) as tf.SymbolicTensor;
  for (let i = 1; i < config.depth; i++) z = hidden(i).apply([z, x]) as tf.SymbolicTensor;
  const output = new InputConvexDense({ units: 1, activation: 'linear', name: `${prefix}icnn_out`, seed: layerSeed(config.depth) });
  const convex = output.apply([z, x]) as tf.SymbolicTensor;
  return new LevelSetSaturation({ name: `${prefix}saturation` }).apply(convex) as tf.SymbolicTensor;
}

/** Tolerance on F for float rounding when checking the midpoint property. */
const CERTIFY_TOLERANCE = 1e-5;

export class ConvexPrior extends NetworkPrior<ConvexPriorConfig> {
  constructor(config: ConvexPriorConfig, options: PriorOptions = {}) {
    super(config, options, (seed) => buildConvexNet(config, seed));
  }

  /**
   * Data-dependent start: the normalisation maps the map's moment ellipse to the unit
   * disc and the net becomes a cone around it, so the first mask is that ellipse.
   */
  initializeFromData(data: LikelihoodData, seed = 0): void {
    // Any affine map keeps convexity, so the full 3-D moment frame is fine (a tilted plane in depth space becomes a disc).
    this.normaliseToMomentFrame(data, 'moment');
    const layers = this.model.layers.filter((l): l is InputConvexDense => l instanceof InputConvexDense);
    radialInit(layers, this.config.inputDim, this.config.initGain, seed);
  }

  /** Convexity of S: for pairs of sampled points inside S, the midpoint must be inside too. */
  certify(options: CertifyOptions = {}): Certificate {
    const dim = this.config.inputDim;
    const rng = seedrandom(String(options.seed ?? 0));
    const samples = certifySamples(options);
    const { points: pts, inside } = sampleInside(this, dim, options, rng);
    const property = 'convex: the midpoint of two points of {F <= 0} lies in {F <= 0}';
    if (inside.length < 2) return certificate(property, 0, 0);
    const pairs = samples;
    const mids = new Float32Array(pairs * dim);
    for (let p = 0; p < pairs; p++) {
      const a = inside[Math.floor(rng() * inside.length)]!;
      const b = inside[Math.floor(rng() * inside.length)]!;
      for (let d = 0; d < dim; d++) mids[p * dim + d] = (pts[a * dim + d]! + pts[b * dim + d]!) / 2;
    }
    const midScores = evaluateScores(this, mids, dim);
    let violations = 0;
    for (const s of midScores) if (s > CERTIFY_TOLERANCE) violations++;
    return certificate(property, pairs, violations);
  }
}
