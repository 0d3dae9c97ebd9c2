import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { LevelSetSaturation } from '../../layers/level_set_saturation.js';
import { PeriodicSines } from '../../layers/periodic_sines.js';
import { latticeFromSpectrum } from '../analysis/lattice_from_spectrum.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';
import { evaluateScores, sampleFramePoints } from './evaluate.js';
import type { Certificate, CertifyOptions } from './implicit_prior.js';
import { graphModel, NetworkPrior, type PriorOptions } from './network_prior.js';
import type { PeriodicPriorConfig } from './prior_config.js';
import { InternalError } from '../errors.js';
import { certificate, certifySamples } from './certificate.js';

/** coords -> lattice sine sum (eq. 8) -> saturation. */
export function buildPeriodicNet(config: PeriodicPriorConfig): tf.LayersModel {
  return graphModel(periodicGraph, config, undefined, 'periodic_prior');
}

/** The periodic net on `coords`, its layer names prefixed. */
export function periodicGraph(coords: tf.SymbolicTensor, config: PeriodicPriorConfig, _seed?: number, prefix = ''): tf.SymbolicTensor {
  const sines = new PeriodicSines({ harmonics: config.harmonics, name: `${prefix}sines` }).apply(coords) as tf.SymbolicTensor;
  return new LevelSetSaturation({ name: `${prefix}saturation` }).apply(sines) as tf.SymbolicTensor;
}

/** Relative tolerance on |F(x + p) - F(x)| for float rounding (the arguments of the sines reach hundreds of radians). */
const PERIOD_TOLERANCE = 1e-3;

export class PeriodicPrior extends NetworkPrior<PeriodicPriorConfig> {
  constructor(config: PeriodicPriorConfig, options: PriorOptions = {}) {
    super(config, options, () => buildPeriodicNet(config));
  }

  private get sines(): PeriodicSines {
    return this.layer('sines') as PeriodicSines;
  }

  /** Starts on the lattice of the map's strongest spectral peaks (see latticeFromSpectrum; of the first slice in 3-D), amplitudes small, not moving. */
  initializeFromData(data: LikelihoodData, seed = 0): void {
    const [a, b] = latticeFromSpectrum(isSliceStack(data) ? data.slices[0]!.map : data);
    const rng = seedrandom(`periodic-${seed}`);
    const terms = this.sines.terms;
    tf.tidy(() => this.sines.setWeights([
      ...(this.config.inputDim === 3 ? [tf.zeros([2])] : []),
      tf.tensor2d([a, b]),
      tf.tensor1d(Array.from({ length: terms }, () => 0.01 * (rng() - 0.5))),
      tf.tensor1d(Array.from({ length: terms }, () => 2 * Math.PI * rng())),
      tf.tensor1d([0]),
    ]));
  }

  /** The L1 sparsity penalty on the amplitudes. */
  penalty(): tf.Scalar {
    return tf.tidy(() => tf.mul(this.config.sparsity, tf.sum(tf.abs(this.sines.amplitudeWeights()))) as tf.Scalar);
  }

  /** The two lattice periods p1, p2 (frame coordinates): a . p1 = b . p2 = 2 pi, a . p2 = b . p1 = 0. */
  periods(): [[number, number], [number, number]] {
    const [[a1, a2], [b1, b2]] = this.sines.basisValue() as [[number, number], [number, number]];
    const det = a1 * b2 - a2 * b1;
    if (Math.abs(det) < 1e-12) throw new InternalError('periodic prior: the lattice vectors are parallel (the pattern repeats in one direction only)');
    const k = (2 * Math.PI) / det;
    return [[k * b2, -k * b1], [-k * a2, k * a1]];
  }

  /** The score repeats: F(x + p) = F(x) for sampled x and each lattice period p. */
  certify(options: CertifyOptions = {}): Certificate {
    const property = 'periodic: F is equal after a shift by each lattice period';
    const rng = seedrandom(`periodic-${options.seed ?? 0}`);
    const samples = certifySamples(options);
    const dim = this.config.inputDim;
    const pts = sampleFramePoints(samples, dim, options, rng);
    const base = evaluateScores(this, pts, dim);
    let violations = 0;
    for (const [px, py] of this.periods()) {
      // Shifted within the point's own slice (3-D: z unchanged).
      const shifted = pts.map((v, i) => v + (i % dim === 0 ? px : i % dim === 1 ? py : 0));
      const moved = evaluateScores(this, shifted, dim);
      for (let i = 0; i < samples; i++) if (Math.abs(moved[i]! - base[i]!) > PERIOD_TOLERANCE * (1 + Math.abs(base[i]!))) violations++;
    }
    return certificate(property, 2 * samples, violations);
  }
}
