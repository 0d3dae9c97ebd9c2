import * as tf from '@tensorflow/tfjs';
import type { AffineNormalization } from '../../layers/affine_normalization.js';
import { applyWeightConstraints } from '../../layers/weight_constraints.js';
import { momentFrame, similarityFrame, sliceFrame } from '../analysis/moment_frame.js';
import type { LikelihoodData } from '../slice_stack.js';
import type { Certificate, CertifyOptions, ImplicitPrior } from './implicit_prior.js';
import type { PriorConfig } from './prior_config.js';

/** How a prior object gets its network: a fresh one (seeded), or an existing model (loaded, or a union's part). */
export interface PriorOptions {
  /** An existing network to wrap instead of building one (loadPrior, union members). */
  model?: tf.LayersModel;
  /** Seeds the weight initialisation of a fresh network. */
  seed?: number;
  /** The net's layer names are prefixed when it shares a model with others (a union's members). */
  prefix?: string;
}

/** A kind's network on shared input coordinates, its layer names prefixed (several nets can share one model). */
export type PriorGraph<C> = (coords: tf.SymbolicTensor, config: C, seed?: number, prefix?: string) => tf.SymbolicTensor;

/** A kind's network as a model of its own: an input of the config's dimension, then the graph. */
export function graphModel<C extends { inputDim: number }>(graph: PriorGraph<C>, config: C, seed: number | undefined, name: string): tf.LayersModel {
  const coords = tf.input({ shape: [config.inputDim], name: 'coords' });
  return tf.model({ inputs: coords, outputs: graph(coords, config, seed), name });
}

/**
 * What every prior built as one tfjs model shares: scoring, the projection of its
 * constrained weights, and the data-dependent input normalisation (a layer named
 * 'frame'). A kind adds its network, its start and its certificate.
 */
export abstract class NetworkPrior<C extends PriorConfig> implements ImplicitPrior {
  readonly model: tf.LayersModel;
  protected readonly prefix: string;

  /** `buildNet` makes a fresh network when `options` brings none. */
  constructor(readonly config: C, options: PriorOptions, buildNet: (seed?: number) => tf.LayersModel) {
    this.model = options.model ?? buildNet(options.seed);
    this.prefix = options.prefix ?? '';
  }

  /** One of this net's layers, by its unprefixed name. */
  protected layer(name: string): tf.layers.Layer {
    return this.model.getLayer(this.prefix + name);
  }

  score(points: tf.Tensor2D): tf.Tensor2D {
    return this.model.apply(points) as tf.Tensor2D;
  }

  /** Projects every constrained weight (a no-op for kinds whose guarantee needs none). */
  applyConstraints(): void {
    applyWeightConstraints(this.model);
  }

  abstract initializeFromData(data: LikelihoodData, seed?: number): void;

  abstract certify(options?: CertifyOptions): Certificate;

  /**
   * Sets the 'frame' layer from the data's foreground moments: 'moment' sends the
   * moment ellipse (ellipsoid) to the unit disc (ball); 'slice' does so per slice of
   * the third coordinate without mixing it into (x, y) (the same as 'moment' in 2-D);
   * 'similarity' keeps angles in (x, y) (one scale), and z on its own.
   */
  protected normaliseToMomentFrame(data: LikelihoodData, frame: 'moment' | 'slice' | 'similarity'): void {
    const { shift, matrix } = frame === 'similarity' ? similarityFrame(data) : frame === 'slice' ? sliceFrame(data) : momentFrame(data);
    tf.tidy(() => (this.layer('frame') as AffineNormalization).setTransform(shift, matrix));
  }

  /** The 'frame' layer's map inverted: frame coordinates of a point in normalised coordinates. */
  protected toFrame(normalised: number[]): number[] {
    return (this.layer('frame') as AffineNormalization).toInput(normalised);
  }

  /** Normalised coordinates of a frame point (the 'frame' layer's map). */
  protected fromFrame(point: number[]): number[] {
    return (this.layer('frame') as AffineNormalization).fromInput(point);
  }

  dispose(): void {
    this.model.dispose();
  }
}
