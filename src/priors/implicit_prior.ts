import type * as tf from '@tensorflow/tfjs';
import type { LikelihoodData } from '../slice_stack.js';
import type { PriorConfig } from './prior_config.js';

/** One stage of a fit (see ImplicitPrior.trainingStages). */
export interface TrainingStage {
  name: string;
  /** The weights this stage trains. */
  variables: tf.Variable[];
  optimizer: 'adam' | 'adamax';
  /** Learning rate; undefined: the fit's learningRate. */
  learningRate?: number;
  /**
   * L2 weight decay on some of the weights: (weight / 2) |theta|^2 is added to the
   * loss, i.e. PyTorch's (coupled) `weight_decay`.
   */
  decay?: { variables: tf.Variable[]; weight: number };
  /** Fraction of the fit's maxSteps this stage may take (the stages' shares sum to 1). */
  share: number;
  /**
   * Fraction of its own steps the stage runs before the convergence test may stop it
   * (default 0). A slow stage (a flow bending the shape) gains a little per window
   * for hundreds of steps, which a window test reads as a plateau.
   */
  minShare?: number;
}

/** What `certify` measured: a sampled check of the prior's guarantee. */
export interface Certificate {
  /** The property that was checked, e.g. 'convex: midpoint of two inside points is inside'. */
  property: string;
  /** How many sampled cases were checked. */
  checked: number;
  /** How many of them broke the property. */
  violations: number;
  passed: boolean;
}

export interface CertifyOptions {
  /** Image size whose frame is sampled (default: the square [-1, 1]^2). */
  height?: number;
  width?: number;
  samples?: number;
  seed?: number;
  /** 3-D priors: the range of the third coordinate (time or depth) to check; default [-1, 1]. */
  thirdRange?: [number, number];
}

/**
 * An implicit shape prior: a network F mapping frame coordinates to a score whose
 * sublevel set S = {F <= 0} is the foreground and belongs to the prior's shape class
 * for every value of the parameters.
 *
 * Sign convention (used everywhere in shapeprior): foreground where F <= 0;
 * foreground probability sigma(-F), so the mask {sigma(-F) >= 0.5} equals S.
 */
export interface ImplicitPrior {
  readonly config: PriorConfig;
  /** The network F as a tfjs model: savable with `model.save`, trainable by any tfjs optimiser. */
  readonly model: tf.LayersModel;
  /** F at `points` ([N, inputDim] frame coordinates) -> [N, 1]. Differentiable. */
  score(points: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional data-dependent initialisation from the map about to be fitted (fitPrior
   * calls it unless told to keep the current parameters, e.g. for a warm start).
   */
  initializeFromData?(data: LikelihoodData, seed?: number): void;
  /**
   * Optional: true while the parameters are a closed-form fit set by the last start
   * (the convex prior's hull, see ConvexPrior; a polar prior's radial shape, see
   * PolarPrior), untouched by any optimiser step since: fitPrior then takes no steps.
   */
  readonly fittedByStart?: boolean;
  /**
   * Optional: true while the parameters come from a start fitted to the map's own
   * outline (the path-connected prior's unbending start). fitPrior's retry (a restart
   * at a tenth of the rate) would begin from that same start and only move slower, so
   * it is skipped.
   */
  readonly startedFromShape?: boolean;
  /**
   * Optional: a start meant for gradient training, where initializeFromData fits in
   * closed form (the convex prior: the moment ellipse's soft cone rather than the
   * hull's steep one). Joint training starts per-sample priors with it.
   */
  initializeForTraining?(data: LikelihoodData, seed?: number): void;
  /**
   * Optional: the data this prior is fitted to, derived from the given data (the polar
   * priors read foreground far from their one object as background). fitPrior fits
   * to it, initialises from it, and certifies on its frame.
   */
  fitData?(data: LikelihoodData): LikelihoodData;
  /**
   * Optional: the prior's rule for its mask on a raster of pixel centres (evaluateMask
   * applies it to a 2-D mask or a slice at one time). The path-connected prior keeps
   * its largest 8-connected piece: its set is connected, but a bridge thinner than a
   * pixel contains no pixel centre, and the specks beyond it would make a mask of
   * several pieces.
   */
  rasterMask?(mask: Uint8Array, height: number, width: number): Uint8Array;
  /**
   * Optional: the 2-D mask {F <= 0} on an H x W raster of pixel centres, the same as
   * reading F at every pixel but faster (the convex prior: a search along each row);
   * null where it does not apply. evaluateMask uses it.
   */
  gridMask?(height: number, width: number): Uint8Array | null;
  /**
   * How a fit trains this prior, stage after stage (the path-connected prior's: the
   * convex net alone, then everything). Without it a fit is one stage: every
   * trainable weight, Adam.
   */
  trainingStages?(): TrainingStage[];
  /** A regulariser R(F) added to the fit's loss (eq. 9), e.g. the periodic prior's L1 sparsity. */
  penalty?(): tf.Scalar;
  /** Projects the parameters back onto the set where the guarantee holds (call after every optimiser step). */
  applyConstraints(): void;
  /** Checks the guarantee on sampled points of the current level set. */
  certify(options?: CertifyOptions): Certificate;
  dispose(): void;
}

/** Starts `prior` for gradient training: its initializeForTraining where it has one, else initializeFromData. */
export function startForTraining(prior: ImplicitPrior, data: LikelihoodData, seed?: number): void {
  if (prior.initializeForTraining) prior.initializeForTraining(data, seed);
  else prior.initializeFromData?.(data, seed);
}
