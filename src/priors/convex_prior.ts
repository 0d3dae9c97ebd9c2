import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { AffineNormalization } from '../../layers/affine_normalization.js';
import { InputConvexDense } from '../../layers/input_convex_dense.js';
import { LevelSetSaturation } from '../../layers/level_set_saturation.js';
import { evaluateInChunks, evaluateScores, sampleInside } from './evaluate.js';
import type { Certificate, CertifyOptions } from './implicit_prior.js';
import { graphModel, NetworkPrior, type PriorOptions } from './network_prior.js';
import type { ConvexPriorConfig } from './prior_config.js';
import { radialInit } from './radial_init.js';
import type { LikelihoodData } from '../slice_stack.js';
import { certificate, certifySamples } from './certificate.js';
import { isSliceStack } from '../slice_stack.js';
import { bestHull } from '../analysis/best_hull.js';
import { polygonMoments, type Polygon } from '../analysis/convex_hull.js';
import { frameOfMoments } from '../analysis/moment_frame.js';
import { rowTimesMatrix } from '../../layers/small_matrix.js';
import { polygonInit } from './polygon_init.js';
import { convexRowMask } from './convex_rows.js';

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

/** Slope of the hull start's F at the boundary (normalised units): steep, the profile the fit ends at. */
const HULL_GAIN = 40;

/** Tolerance on F for float rounding when checking the midpoint property. */
const CERTIFY_TOLERANCE = 1e-5;

export class ConvexPrior extends NetworkPrior<ConvexPriorConfig> {
  constructor(config: ConvexPriorConfig, options: PriorOptions = {}) {
    super(config, options, (seed) => buildConvexNet(config, seed));
  }

  /**
   * Data-dependent start. On one map: the hull of the map's foreground regions that
   * best fits the map (bestHull), the normalisation sending the hull's moment ellipse
   * to the unit disc and the net set to that polygon (polygonInit): that start is the
   * fit (fittedByStart). Otherwise (3-D data, a map without foreground): the moment
   * ellipse (initializeFromMoments), which the fit's steps then move.
   */
  initializeFromData(data: LikelihoodData, seed = 0): void {
    const hull = isSliceStack(data) ? null : bestHull(data);
    if (hull !== null && this.startFromPolygon(hull)) {
      this.fittedByStart = true;
      return;
    }
    this.initializeFromMoments(data, seed);
  }

  /**
   * The start for gradient training (a fit from it with `initialize: false`, per-sample
   * priors in joint training): the normalisation maps the map's moment ellipse to the
   * unit disc and the net becomes a cone around it, a soft profile whose gradients
   * reach the whole image.
   */
  initializeFromMoments(data: LikelihoodData, seed = 0): void {
    this.fittedByStart = false;
    // Any affine map keeps convexity, so the full 3-D moment frame is fine (a tilted plane in depth space becomes a disc).
    this.normaliseToMomentFrame(data, 'moment');
    radialInit(this.icnnLayers(), this.config.inputDim, this.config.initGain, seed);
  }

  initializeForTraining(data: LikelihoodData, seed = 0): void {
    this.initializeFromMoments(data, seed);
  }

  /**
   * Whether the parameters are a hull start, untouched by any optimiser step since
   * (applyConstraints clears it). That start is the fit: measured on the speed
   * benchmark's maps (npm run bench -- --speed), it beats 300-600 Adam steps from the
   * moment ellipse on every held-out map, and Adam steps after it only jitter the
   * boundary by a pixel or two (README, "Speed").
   */
  fittedByStart = false;

  /** Projects the weights; after an optimiser step the parameters are no longer the start's closed-form fit. */
  override applyConstraints(): void {
    this.fittedByStart = false;
    super.applyConstraints();
  }

  /**
   * The 2-D mask on an H x W raster, exactly as evaluateMask defines it, from ~45
   * evaluations of F per row (convexRowMask: F before the saturation is convex along
   * every row). Null (evaluateMask then reads every pixel) for a 3-D prior, and for
   * weights that break convexity (negative z-weights set by hand, not yet projected).
   */
  gridMask(height: number, width: number): Uint8Array | null {
    if (this.config.inputDim !== 2 || !this.icnnLayers().every((l) => l.hasNonNegativeZWeights())) return null;
    this.convexPart ??= tf.model({ inputs: this.model.inputs, outputs: this.layer('icnn_out').output as tf.SymbolicTensor });
    const net = this.convexPart;
    return convexRowMask(height, width, (points) => evaluateInChunks((p) => net.apply(p) as tf.Tensor, points, 2));
  }

  /** The net without its saturation: convex in the input (see gridMask). */
  private convexPart: tf.LayersModel | undefined;

  private icnnLayers(): InputConvexDense[] {
    return this.model.layers.filter((l): l is InputConvexDense => l instanceof InputConvexDense);
  }

  /** Frame and net for a hull (false, nothing changed, when it has no area to normalise). */
  private startFromPolygon(hull: Polygon): boolean {
    if (hull.length < 3) return false;
    const { area, mean, cov } = polygonMoments(hull);
    if (!(area > 0) || !(cov[0][0] * cov[1][1] - cov[0][1] ** 2 > 0)) return false;
    const { shift, matrix } = frameOfMoments(mean, cov);
    tf.tidy(() => (this.layer('frame') as AffineNormalization).setTransform(shift, matrix));
    const normalised = hull.map(([x, y]) => rowTimesMatrix([x - shift[0]!, y - shift[1]!], matrix) as [number, number]);
    polygonInit(this.icnnLayers(), normalised, HULL_GAIN);
    return true;
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
