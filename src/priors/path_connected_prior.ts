import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { ActNorm } from '../../layers/act_norm.js';
import { AffineCoupling } from '../../layers/affine_coupling.js';
import { AffineNormalization } from '../../layers/affine_normalization.js';
import { InputConvexDense } from '../../layers/input_convex_dense.js';
import { InvertibleLinear } from '../../layers/invertible_linear.js';
import { connectedComponents } from '../analysis/components.js';
import { foregroundPoints, momentFrame, sliceFrame } from '../analysis/moment_frame.js';
import { fitFlowToTargets } from '../flows/fit_flow.js';
import { NormalizingFlow } from '../flows/normalizing_flow.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';
import { convexGraph } from './convex_prior.js';
import { evaluateScores, sampleFramePoints } from './evaluate.js';
import type { Certificate, CertifyOptions, TrainingStage } from './implicit_prior.js';
import { graphModel, NetworkPrior, type PriorOptions } from './network_prior.js';
import type { ConvexPriorConfig, PathConnectedPriorConfig } from './prior_config.js';
import { radialInit } from './radial_init.js';
import { regionGuidedMap } from './region_guided_map.js';
import { procrustes, unbendingTargets, type UnbendingTargets } from './unbending_start.js';
import { certificate, certifySamples } from './certificate.js';

/** G's own config: the convex prior's fields of a path-connected config. */
function shapeNet(c: PathConnectedPriorConfig): ConvexPriorConfig {
  return { kind: 'convex', inputDim: c.inputDim, depth: c.depth, width: c.width, activation: c.activation, initGain: c.initGain };
}

/**
 * coords -> T (invertible linear) -> D (blocks of [affine coupling, ActNorm]) -> G
 * (the convex net, with its own fixed frame). Couplings alternate between x and y;
 * in 3-D the third coordinate only conditions them and is never moved.
 */
export function pathConnectedGraph(coords: tf.SymbolicTensor, config: PathConnectedPriorConfig, seed?: number, prefix = ''): tf.SymbolicTensor {
  const dim = config.inputDim;
  let h = new InvertibleLinear({ name: `${prefix}linear`, preserveLast: dim === 3 }).apply(coords) as tf.SymbolicTensor;
  for (let b = 0; b < config.blocks; b++) {
    const coupling = new AffineCoupling({ dim, transformed: b % 2, hidden: config.couplingWidth, seed: seed === undefined ? undefined : seed * 1000 + 500 + b, name: `${prefix}coupling_${b}` });
    h = coupling.apply(h) as tf.SymbolicTensor;
    h = new ActNorm({ name: `${prefix}actnorm_${b}` }).apply(h) as tf.SymbolicTensor;
  }
  return convexGraph(h, shapeNet(config), seed, prefix);
}

export function buildPathConnectedNet(config: PathConnectedPriorConfig, seed?: number): tf.LayersModel {
  return graphModel(pathConnectedGraph, config, seed, 'pc_prior');
}

/**
 * Stage shares of maxSteps: G alone, at most 150 of the default 1,000 steps. From the
 * unbending start G fits its disc within ~100 steps; run longer, it sharpens onto the
 * damaged map and leaves the flow little gradient (the pc benchmark's tuning U: IoU 0.80
 * after 135 shape steps, 0.61 after 270 and 0.74 at the end of the fit; 0.85 with 150).
 */
const SHAPE_SHARE = 0.15;
/**
 * The deform stage: at most 450 of the default 1,000 steps, so a 128 px fit stays within
 * a minute on one wasm core (a step costs 70-100 ms, the unbending start ~10 s). On the
 * pc benchmark 25 of 28 maps' deform stages stopped by themselves at 305 steps; the
 * held-out animal ran to an old cap of 850 with its IoU flat from step ~500 (0.737 at
 * 540, 0.733 at 850), and a held-out hand took 64.7 s for 530 deform steps (cap 550).
 */
const DEFORM_SHARE = 0.45;
/**
 * Share of the deform stage run before its convergence test may stop it (170 of 450
 * steps by default): the flow bends the shape slowly (an occluded star: IoU 0.754 ->
 * 0.798 over 420 steps, rising all the way), and a 15-step window read those gains as a
 * plateau and stopped it.
 */
const DEFORM_MIN_SHARE = 170 / 450;
/** Motion compensation (frames): foreground points used and Adam steps. */
const MOTION_POINTS = 2000;
const MOTION_STEPS = 200;
/** Points on the path that joins two pieces the certificate's grid separates (see joinedThroughShape). */
const PATH_SAMPLES = 4096;
/** Tolerance of the flow certificate: |inverse(forward(x)) - x| per coordinate, float32 through every block. */
const INVERSE_TOLERANCE = 1e-3;
/** The disc the object is sent onto before G is fitted (G's frame maps radius 2 to its unit disc). */
const DISC_RADIUS = 2;
/**
 * Rate of the unbending start's regression (its steps: config.startSteps, default 400:
 * 150 left the start's mask far from the region it unbends, pc benchmark, 11 maps: IoU
 * with the region 0.49; 400 reach 0.67 and 800 add little, at ~25 ms a step). A rate of
 * 5e-2 diverges.
 */
const UNBEND_LEARNING_RATE = 2e-2;

/**
 * The path-connected prior (Prop. 2.3): {P <= 0} = (D o T)^-1({G <= 0}), the preimage
 * of a convex set under a diffeomorphism, hence path-connected and without holes for
 * every parameter value. Weights of G are projected onto the convex set after every
 * step like the convex prior's; D and T need no constraint (invertible by
 * construction).
 */
export class PathConnectedPrior extends NetworkPrior<PathConnectedPriorConfig> {
  /** See ImplicitPrior.startedFromShape: set by initializeFromData when D starts from the unbending map. */
  startedFromShape = false;

  constructor(config: PathConnectedPriorConfig, options: PriorOptions = {}) {
    super(config, options, (seed) => buildPathConnectedNet(config, seed));
  }

  /** The largest 8-connected piece of the mask (see ImplicitPrior.rasterMask): one piece, as the set is. */
  rasterMask(mask: Uint8Array, height: number, width: number): Uint8Array {
    const pieces = connectedComponents(mask, height, width, 8);
    if (pieces.length <= 1) return mask;
    const kept = new Uint8Array(mask.length);
    for (const i of pieces[0]!) kept[i] = 1;
    return kept;
  }

  /** D o T as a composite flow (forward, inverse, log-det). */
  flow(): NormalizingFlow {
    return new NormalizingFlow(this.flowSteps());
  }

  /** T, then each block's coupling and ActNorm, in the order the model applies them. */
  private flowSteps(): Array<InvertibleLinear | AffineCoupling | ActNorm> {
    const steps: Array<InvertibleLinear | AffineCoupling | ActNorm> = [this.layer('linear') as InvertibleLinear];
    for (let b = 0; b < this.config.blocks; b++) steps.push(this.layer(`coupling_${b}`) as AffineCoupling, this.layer(`actnorm_${b}`) as ActNorm);
    return steps;
  }

  private couplings(): AffineCoupling[] {
    return Array.from({ length: this.config.blocks }, (_, b) => this.layer(`coupling_${b}`) as AffineCoupling);
  }

  /** On one map: the map blended with its object region (config.regionWeight; see regionGuidedMap). */
  fitData(data: LikelihoodData): LikelihoodData {
    return regionGuidedMap(data, this.config.regionWeight);
  }

  /**
   * T starts as the moment frame and G as the convex prior's cone on a disc. D: on one
   * 2-D map, fitted to unbend the map's object onto that disc (see unbend; the first
   * mask follows the object's outline); on slices (3-D), or a map without an object
   * region, the paper's stage (a), D = identity, with each ActNorm started from the
   * foreground points that reach it (Glow's data-dependent start; the first mask is
   * the moment ellipse).
   */
  initializeFromData(data: LikelihoodData, seed = 0): void {
    const dim = this.config.inputDim;
    const frame = dim === 3 ? sliceFrame(data) : momentFrame(data);
    (this.layer('linear') as InvertibleLinear).setAffine(frame.shift, frame.matrix);
    for (const coupling of this.couplings()) coupling.resetToIdentity();
    const unbending = dim === 2 && !isSliceStack(data) ? unbendingTargets(data, DISC_RADIUS) : null;
    if (unbending) this.unbend(unbending);
    else this.normalizeOnForeground(data);
    // Measured on the pc benchmark's tuning maps: a retry from the unbending start changed
    // only the animal (IoU 0.580 -> 0.509) and the hand (0.637 -> 0.644), at twice the time.
    this.startedFromShape = unbending !== null;
    // The object now fills a disc of radius 2 (ActNorm: unit variance per axis; unbending: radius 2), which G's frame maps to the unit disc of the cone.
    const half = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j): number => (i === j ? 0.5 : 0)));
    tf.tidy(() => (this.layer('frame') as AffineNormalization).setTransform(new Array<number>(dim).fill(0), half));
    const convexLayers = this.model.layers.filter((l): l is InputConvexDense => l instanceof InputConvexDense && l.name.startsWith(`${this.prefix}icnn_`));
    radialInit(convexLayers, dim, this.config.initGain, seed);
  }

  /**
   * D fitted (couplings and ActNorms, T fixed) to send the map's object onto a disc:
   * the harmonic map of its region (see unbendingTargets), turned onto T's own
   * orientation. Measured on the pc benchmark's tuning maps: the identity start ends
   * as a convex-looking blob that fills the hole of a C; this one starts from the
   * object's own, bent outline.
   */
  private unbend(u: UnbendingTargets): void {
    for (let b = 0; b < this.config.blocks; b++) (this.layer(`actnorm_${b}`) as ActNorm).resetToIdentity();
    tf.tidy(() => {
      const h = (this.layer('linear') as InvertibleLinear).apply(tf.tensor2d(u.points, [u.count, 2])) as tf.Tensor2D;
      const r = procrustes(u.targets, h.dataSync() as Float32Array, u.inside);
      const target = tf.matMul(tf.tensor2d(u.targets, [u.count, 2]), tf.tensor2d(r));
      // D alone: the flow's steps after T.
      const steps = this.flowSteps().slice(1) as Array<AffineCoupling | ActNorm>;
      const variables = steps.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
      fitFlowToTargets(new NormalizingFlow(steps), h, target as tf.Tensor2D, variables, this.config.startSteps, UNBEND_LEARNING_RATE, tf.tensor2d(u.weights, [u.count, 1]));
    });
  }

  /** Glow's data-dependent start: each ActNorm normalises the foreground points that reach it (D the identity). */
  private normalizeOnForeground(data: LikelihoodData): void {
    const dim = this.config.inputDim;
    const fg = foregroundPoints(data);
    if (isSliceStack(data) && data.slices.length > 1 && data.slices.every((s) => typeof s.third === 'number')) this.compensateMotion(fg);
    tf.tidy(() => {
      let h = (this.layer('linear') as InvertibleLinear).apply(tf.tensor2d(fg.points, [fg.count, dim])) as tf.Tensor2D;
      for (let b = 0; b < this.config.blocks; b++) {
        const norm = this.layer(`actnorm_${b}`) as ActNorm;
        h = this.layer(`coupling_${b}`).apply(h) as tf.Tensor2D;
        if (fg.count >= 2) norm.initializeFrom(h);
        else norm.resetToIdentity();
        h = norm.apply(h) as tf.Tensor2D;
      }
    });
  }

  /**
   * Frames of a moving object: the union of its positions is no start for G (a
   * bouncing ball's frames hardly overlap). So D starts as motion compensation: its
   * couplings are fitted (on the foreground points, ActNorms off) to move each
   * frame's foreground centroid onto the mean centroid, shape and spread unchanged;
   * the couplings see t, so between frames the shift is interpolated smoothly. The
   * guarantee does not depend on this start: any D keeps the set path-connected.
   */
  private compensateMotion(fg: { count: number; points: Float32Array }): void {
    const step = Math.max(1, Math.floor(fg.count / MOTION_POINTS));
    const rows: number[] = [];
    for (let i = 0; i < fg.count; i += step) rows.push(i);
    for (let b = 0; b < this.config.blocks; b++) (this.layer(`actnorm_${b}`) as ActNorm).resetToIdentity();
    tf.tidy(() => {
      const pts = tf.tensor2d(rows.flatMap((i) => [fg.points[3 * i]!, fg.points[3 * i + 1]!, fg.points[3 * i + 2]!]), [rows.length, 3]);
      const h = (this.layer('linear') as InvertibleLinear).apply(pts) as tf.Tensor2D;
      // Per frame (distinct t), the centroid of its points after T; targets: each frame moved onto the mean centroid.
      const hv = h.arraySync();
      const byTime = new Map<number, number[]>();
      rows.forEach((_, k) => {
        const t = hv[k]![2]!;
        const acc = byTime.get(t) ?? [0, 0, 0];
        acc[0]! += hv[k]![0]!;
        acc[1]! += hv[k]![1]!;
        acc[2]!++;
        byTime.set(t, acc);
      });
      const centroids = [...byTime.values()].map(([x, y, n]) => [x! / n!, y! / n!]);
      const mean = [0, 1].map((d) => centroids.reduce((a, c) => a + c[d]!, 0) / centroids.length);
      const target = tf.tensor2d(hv.map((p) => {
        const [x, y, n] = byTime.get(p[2]!)!;
        return [p[0]! - x! / n! + mean[0]!, p[1]! - y! / n! + mean[1]!, p[2]!];
      }));
      const couplingWeights = this.couplings().flatMap((c) => c.trainableWeights.map((w) => w.read() as tf.Variable));
      const flow = new NormalizingFlow(this.couplings());
      fitFlowToTargets(flow, h, target, couplingWeights, MOTION_STEPS, 1e-2);
    });
  }

  /**
   * The paper's stages (b) and (c): G alone with Adam, then G, D and T together with
   * Adamax and weight decay on D's couplings (their zero is the identity, so decay
   * pulls the shape towards convex).
   */
  trainingStages(): TrainingStage[] {
    const own = (w: tf.LayerVariable) => w.originalName.startsWith(this.prefix);
    const variables = (pred: (name: string) => boolean) => this.model.trainableWeights.filter((w) => own(w) && pred(w.originalName.slice(this.prefix.length))).map((w) => w.read() as tf.Variable);
    const isFlow = (name: string) => /^(linear|coupling_\d+|actnorm_\d+)\//.test(name);
    return [
      { name: 'shape', variables: variables((n) => !isFlow(n)), optimizer: 'adam', share: SHAPE_SHARE },
      {
        name: 'deform', variables: variables(() => true), optimizer: 'adamax', learningRate: this.config.flowLearningRate, share: DEFORM_SHARE, minShare: DEFORM_MIN_SHARE,
        decay: { variables: variables((n) => n.startsWith('coupling_')), weight: this.config.flowDecay },
      },
    ];
  }

  /**
   * Two checks. Path-connected: the mask, evaluated on a grid over the frame plus a
   * margin, is one 8-connected component (in 3-D: on 9 slices across the range of
   * the third coordinate, each one component); where the grid shows more than one
   * piece, each further piece must be joined to the largest by a path inside the set
   * (see joinedThroughShape), else it counts as a violation. Flow: inverse(forward(x))
   * = x at sampled points.
   */
  certify(options: CertifyOptions = {}): Certificate {
    const dim = this.config.inputDim;
    const rng = seedrandom(`pc-${options.seed ?? 0}`);
    const samples = certifySamples(options);
    const pts = sampleFramePoints(samples, dim, options, rng);
    const flow = this.flow();
    const roundTrip = tf.tidy(() => {
      const x = tf.tensor2d(pts, [samples, dim]);
      return tf.abs(tf.sub(flow.inverse(flow.forward(x).output), x)).max(1).dataSync() as Float32Array;
    });
    let violations = 0;
    for (const e of roundTrip) if (!(e <= INVERSE_TOLERANCE)) violations++;
    const slices = dim === 2 ? [undefined] : evenlySpaced(options.thirdRange ?? [-1, 1], 9);
    let extra = 0;
    for (const z of slices) {
      const grid = this.piecesOnGrid(options, z);
      for (const piece of grid.others) if (!this.joinedThroughShape(grid.largest, piece, grid.cellSize)) extra++;
    }
    violations += extra;
    const where = dim === 2 ? 'the mask' : `each of ${slices.length} slices`;
    const property = `pc: ${where} is one connected component (pieces apart on the grid joined by a path in the set); flow: inverse(forward(x)) = x within ${INVERSE_TOLERANCE}`;
    return certificate(property, samples + slices.length, violations);
  }

  /**
   * The mask's 8-connected pieces on a grid over the frame with a 25% margin: a point
   * of the largest piece, a point of every other one, and the grid's cell size.
   */
  private piecesOnGrid(options: CertifyOptions, z: number | undefined): { largest: number[]; others: number[][]; cellSize: number } {
    const h = options.height ?? 256;
    const w = options.width ?? 256;
    // At most 384 cells across the image, plus the margin (the set may reach past the image).
    const cells = Math.min(384, Math.max(h, w)) / Math.max(h, w);
    const gh = Math.max(8, Math.round(1.5 * h * cells));
    const gw = Math.max(8, Math.round(1.5 * w * cells));
    const halfX = (1.5 * w) / Math.max(h, w);
    const halfY = (1.5 * h) / Math.max(h, w);
    const dim = this.config.inputDim;
    const coords = new Float32Array(gh * gw * dim);
    for (let r = 0; r < gh; r++) {
      for (let c = 0; c < gw; c++) {
        const i = (r * gw + c) * dim;
        coords[i] = ((c + 0.5) / gw) * 2 * halfX - halfX;
        coords[i + 1] = ((r + 0.5) / gh) * 2 * halfY - halfY;
        if (dim === 3) coords[i + 2] = z!;
      }
    }
    const scores = evaluateScores(this, coords, dim);
    const mask = new Uint8Array(gh * gw);
    for (let i = 0; i < mask.length; i++) mask[i] = scores[i]! <= 0 ? 1 : 0;
    const point = (cell: number) => Array.from(coords.subarray(cell * dim, (cell + 1) * dim));
    const [largest, ...others] = connectedComponents(mask, gh, gw, 8).map((piece) => point(piece[0]!));
    return { largest: largest ?? [], others, cellSize: Math.min((2 * halfX) / gw, (2 * halfY) / gh) };
  }

  /**
   * Whether points p and q of the set are joined by a path inside it, built from the
   * guarantee itself: the straight segment between D(T(p)) and D(T(q)) lies in G's
   * convex sublevel set, so its preimage under the flow is a path in {P <= 0}. Checked
   * at PATH_SAMPLES points of that preimage: P <= 0 at each, and consecutive points
   * closer than half a grid cell (the path is continuous at the grid's resolution). A
   * grid separates pieces that a bridge thinner than one cell joins; this tells such a
   * bridge from a real second piece.
   */
  joinedThroughShape(p: number[], q: number[], cellSize: number): boolean {
    const flow = this.flow();
    return tf.tidy(() => {
      const ends = flow.forward(tf.tensor2d([p, q])).output;
      const t = tf.linspace(0, 1, PATH_SAMPLES).reshape([PATH_SAMPLES, 1]);
      const [u, v] = tf.split(ends, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
      const segment = tf.add(u, tf.mul(t, tf.sub(v, u))) as tf.Tensor2D;
      const path = flow.inverse(segment) as tf.Tensor2D;
      const inside = tf.max(this.score(path)).dataSync()[0]! <= 0;
      const hops = tf.max(tf.sqrt(tf.sum(tf.square(tf.sub(path.slice(1, PATH_SAMPLES - 1), path.slice(0, PATH_SAMPLES - 1))), 1))).dataSync()[0]!;
      return inside && hops < cellSize / 2;
    });
  }
}

function evenlySpaced([lo, hi]: [number, number], n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}
