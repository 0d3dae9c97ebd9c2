import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { AngularHarmonics } from '../../layers/angular_harmonics.js';
import { MirrorHarmonics } from '../../layers/mirror_harmonics.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';
import { evaluateScores, sampleFramePoints } from './evaluate.js';
import type { Certificate, CertifyOptions } from './implicit_prior.js';
import { graphModel, type PriorOptions } from './network_prior.js';
import { PolarPrior } from './polar_prior.js';
import { polarGraph } from './polar_graph.js';
import { mirrorAxes, rotationCentre } from './polar_start.js';
import type { PolarStartKind } from './polar_shape_start.js';
import type { MirrorPriorConfig, RotationPriorConfig } from './prior_config.js';
import { ConfigError } from '../errors.js';
import { certificate, certifySamples } from './certificate.js';

type Config = MirrorPriorConfig | RotationPriorConfig;

/** Candidate mirror axes the closed-form start searches by default (`--axis-starts`). */
export const AXIS_CANDIDATES = 2;

/**
 * coords -> similarity normalisation -> polar (v, r) about a learnable centre ->
 * symmetric features of v (even about a learnable axis, or of period 2*pi/k) plus r ->
 * free net -> radial-profile output -> saturation. The net sees the direction only
 * through the symmetric features, so the score, not just the set, is symmetric; it is
 * otherwise unconstrained, as in the paper. The profile output starts it as a disc
 * (coefficients = bias at initialisation: G = scale (r - 1)).
 */
export function buildSymmetricNet(config: Config, seed?: number): tf.LayersModel {
  return graphModel(symmetricGraph, config, seed, `${config.kind}_prior`);
}

/** The mirror / rotation net on `coords`: the net sees v only through symmetric features (and r). */
export function symmetricGraph(coords: tf.SymbolicTensor, config: Config, seed?: number, prefix = ''): tf.SymbolicTensor {
  const symmetry = config.kind === 'mirror'
    ? new MirrorHarmonics({ harmonics: config.harmonics, appendRadius: true, name: `${prefix}symmetry` })
    : new AngularHarmonics({ folds: config.folds, harmonics: config.harmonics, appendRadius: true, name: `${prefix}symmetry` });
  return polarGraph(coords, {
    prefix, seed, width: config.width, depth: config.depth, knots: config.knots, starShaped: false, netName: 'shape',
    features: (polar) => symmetry.apply(polar) as tf.SymbolicTensor,
  });
}

/**
 * Relative tolerance on |F(x) - F(Tx)|: float32 rounding of the moved points,
 * amplified by a net with random weights, reached 2e-4 at |F| ~ 1; a net that is not
 * symmetric differs by 0.1 and more.
 */
const SYMMETRY_TOLERANCE = 1e-3;

export class SymmetricPrior extends PolarPrior<Config> {
  /**
   * Mirror: how many of the map's candidate axes (best first, see mirrorAxes) the
   * closed-form start searches (`--axis-starts`); the start for training takes the
   * best one.
   */
  axisCandidates = AXIS_CANDIDATES;

  constructor(config: Config, options: PriorOptions = {}) {
    super(config, options, (seed) => buildSymmetricNet(config, seed), { features: 'symmetry', netName: 'shape' });
  }

  /** The closed-form start (see PolarPrior.initializeFromData): a mirror shape about the map's `axisCandidates` best axes, or a k-fold shape. */
  protected shapeStart(): PolarStartKind {
    return this.config.kind === 'mirror' ? { kind: 'mirror', axes: this.axisCandidates } : { kind: 'rotation', folds: this.config.folds };
  }

  /**
   * The start for gradient training (joint training, slices): a similarity frame (a
   * reflection or rotation about a point stays one in frame coordinates); on a map,
   * mirror starts on the map's best axis (through a point deep inside),
   * rotation on the centre of best k-fold overlap (see polar_start); the net a disc.
   */
  initializeForTraining(data: LikelihoodData): void {
    this.fittedByStart = false;
    this.normaliseToMomentFrame(data, 'similarity');
    if (isSliceStack(data)) return;
    if (this.config.kind === 'mirror') {
      const axis = mirrorAxes(data, 1)[0];
      if (!axis) return;
      this.startCentreAt(axis.centre);
      this.startAxisAt(axis.angle);
    } else {
      const centre = rotationCentre(data, this.config.folds);
      if (centre) this.startCentreAt(centre);
    }
  }

  /** Mirror: the axis direction (radians, frame coordinates); the similarity frame keeps angles. */
  axisAngle(): number {
    if (this.config.kind !== 'mirror') throw new ConfigError('axisAngle: only mirror priors have an axis');
    return (this.layer('symmetry') as MirrorHarmonics).axisAngle();
  }

  /** The symmetry T as a map of frame coordinates (3-D: within the slice at z): the reflection in the axis, or a rotation by 2*pi/k. */
  symmetry(z?: number): (x: number, y: number) => [number, number] {
    const [cx, cy] = this.centre(z);
    if (this.config.kind === 'mirror') {
      const a = this.axisAngle();
      const [c2, s2] = [Math.cos(2 * a), Math.sin(2 * a)];
      return (x, y) => [cx + c2 * (x - cx) + s2 * (y - cy), cy + s2 * (x - cx) - c2 * (y - cy)];
    }
    const t = (2 * Math.PI) / this.config.folds;
    const [c, s] = [Math.cos(t), Math.sin(t)];
    return (x, y) => [cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy)];
  }

  /** The score is invariant: F(T x) = F(x) at sampled points, so the set is symmetric too. */
  certify(options: CertifyOptions = {}): Certificate {
    const property = this.config.kind === 'mirror'
      ? 'mirror: F is equal at points mirrored in the axis'
      : `rotation: F is equal at points rotated by 2*pi/${this.config.folds} about the centre`;
    const rng = seedrandom(`${this.config.kind}-${options.seed ?? 0}`);
    const samples = certifySamples(options);
    const dim = this.config.inputDim;
    const pts = sampleFramePoints(samples, dim, options, rng);
    const moved = Float32Array.from(pts);
    const T2 = dim === 2 ? this.symmetry() : null;
    for (let i = 0; i < samples; i++) {
      // 3-D: the symmetry of the point's own slice (the centre moves with z).
      const T = T2 ?? this.symmetry(pts[dim * i + 2]!);
      [moved[dim * i], moved[dim * i + 1]] = T(pts[dim * i]!, pts[dim * i + 1]!);
    }
    const a = evaluateScores(this, pts, dim);
    const b = evaluateScores(this, moved, dim);
    let violations = 0;
    for (let i = 0; i < samples; i++) if (Math.abs(a[i]! - b[i]!) > SYMMETRY_TOLERANCE * (1 + Math.abs(a[i]!))) violations++;
    return certificate(property, samples, violations);
  }
}
