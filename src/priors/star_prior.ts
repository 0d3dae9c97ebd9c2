import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { AngularHarmonics } from '../../layers/angular_harmonics.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';
import { evaluateScores, sampleInside } from './evaluate.js';
import type { Certificate, CertifyOptions } from './implicit_prior.js';
import { graphModel, type PriorOptions } from './network_prior.js';
import { PolarPrior } from './polar_prior.js';
import { polarGraph } from './polar_graph.js';
import { starCentre } from './polar_start.js';
import type { PolarStartKind } from './polar_shape_start.js';
import type { RadialPriorConfig, StarPriorConfig } from './prior_config.js';
import { certificate, certifySamples } from './certificate.js';

type Config = StarPriorConfig | RadialPriorConfig;

/**
 * coords -> affine normalisation -> polar (v, r) about a learnable centre ->
 * angular harmonics of v -> direction net h(v) -> radial profile G(v, r) -> saturation.
 * An affine map sends rays to rays and segments to segments, so the normalisation
 * keeps both guarantees.
 */
export function buildStarNet(config: Config, seed?: number): tf.LayersModel {
  return graphModel(starGraph, config, seed, `${config.kind}_prior`);
}

/** The star / radial net on `coords`: the direction net sees v only (harmonics), never r. */
export function starGraph(coords: tf.SymbolicTensor, config: Config, seed?: number, prefix = ''): tf.SymbolicTensor {
  return polarGraph(coords, {
    prefix, seed, width: config.width, depth: config.depth, knots: config.knots, starShaped: config.kind === 'star', netName: 'direction',
    features: (polar) => new AngularHarmonics({ folds: 1, harmonics: config.harmonics, name: `${prefix}harmonics` }).apply(polar) as tf.SymbolicTensor,
  });
}

/** No weight of these priors is constrained: the guarantee holds for every parameter value. */
export class StarPrior extends PolarPrior<Config> {
  constructor(config: Config, options: PriorOptions = {}) {
    super(config, options, (seed) => buildStarNet(config, seed), { features: 'harmonics', netName: 'direction' });
  }

  /** The closed-form start (see PolarPrior.initializeFromData) looks for a star-shaped set; the radial prior starts from the same. */
  protected shapeStart(): PolarStartKind {
    return { kind: 'star' };
  }

  /**
   * Starts as the moment ellipse of the map (the normalisation maps it to the unit
   * disc, where the profile starts), centred on a map's point from which most of the
   * object is seen (see starCentre; the centroid of a lobed shape may lie outside it).
   */
  initializeForTraining(data: LikelihoodData): void {
    this.fittedByStart = false;
    this.normaliseToMomentFrame(data, 'slice');
    const centre = isSliceStack(data) ? null : starCentre(data);
    if (centre) this.startCentreAt(centre);
  }

  certify(options: CertifyOptions = {}): Certificate {
    return this.config.kind === 'star' ? this.certifyStar(options) : this.certifyRadial(options);
  }

  /** Star-shaped: for sampled points x of the set and t in [0, 1], c + t (x - c) is in the set too. */
  private certifyStar(options: CertifyOptions): Certificate {
    const property = 'star: the segment from the centre to any point of {F <= 0} lies in {F <= 0}';
    const rng = seedrandom(`star-${options.seed ?? 0}`);
    const samples = certifySamples(options);
    const dim = this.config.inputDim;
    const { points: pts, inside } = sampleInside(this, dim, options, rng);
    if (inside.length === 0) return certificate(property, 0, 0);
    const probes = new Float32Array(samples * dim);
    for (let p = 0; p < samples; p++) {
      const i = inside[Math.floor(rng() * inside.length)]!;
      const t = rng();
      // In 3-D the segment runs to the centre of the point's own slice.
      const z = dim === 3 ? pts[dim * i + 2]! : undefined;
      const [cx, cy] = this.centre(z);
      probes[dim * p] = cx + t * (pts[dim * i]! - cx);
      probes[dim * p + 1] = cy + t * (pts[dim * i + 1]! - cy);
      if (z !== undefined) probes[dim * p + 2] = z;
    }
    let violations = 0;
    for (const s of evaluateScores(this, probes, dim)) if (s > 1e-5) violations++;
    return certificate(property, samples, violations);
  }

  /** Radially convex: along sampled rays from the centre (t > 0), the points in the set form one interval. */
  private certifyRadial(options: CertifyOptions): Certificate {
    const property = 'radial: every ray from the centre meets {F <= 0} in one interval';
    const rays = Math.max(1, Math.round((certifySamples(options)) / 100));
    const steps = 100;
    const dim = this.config.inputDim;
    const reach = 4;
    const rng = seedrandom(`radial-${options.seed ?? 0}`);
    const [lo, hi] = options.thirdRange ?? [-1, 1];
    const pts = new Float32Array(rays * steps * dim);
    for (let k = 0; k < rays; k++) {
      const angle = (2 * Math.PI * (k + 0.5)) / rays;
      // 3-D: each ray in a random slice, from that slice's centre.
      const z = dim === 3 ? lo + rng() * (hi - lo) : undefined;
      const [cx, cy] = this.centre(z);
      for (let j = 0; j < steps; j++) {
        // r > 0: the centre itself (v = 0) belongs to every ray and is not part of the property.
        const r = (reach * (j + 1)) / steps;
        const at = dim * (k * steps + j);
        pts[at] = cx + r * Math.cos(angle);
        pts[at + 1] = cy + r * Math.sin(angle);
        if (z !== undefined) pts[at + 2] = z;
      }
    }
    const scores = evaluateScores(this, pts, dim);
    let violations = 0;
    for (let k = 0; k < rays; k++) {
      let runs = 0;
      for (let j = 0; j < steps; j++) {
        const inside = scores[k * steps + j]! <= 0;
        const before = j > 0 && scores[k * steps + j - 1]! <= 0;
        if (inside && !before) runs++;
      }
      if (runs > 1) violations++;
    }
    return certificate(property, rays, violations);
  }
}
