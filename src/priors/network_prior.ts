import * as tf from '@tensorflow/tfjs';
import type { AffineNormalization } from '../../layers/affine_normalization.js';
import { applyWeightConstraints } from '../../layers/weight_constraints.js';
import { momentFrame, similarityFrame } from '../fit/moment_frame.js';
import type { ProbabilityMap } from '../probability_map.js';
import type { Certificate, CertifyOptions, ImplicitPrior } from './implicit_prior.js';
import type { PriorConfig } from './prior_config.js';

/**
 * What every prior built as one tfjs model shares: scoring, the projection of its
 * constrained weights, and the data-dependent input normalisation (a layer named
 * 'frame'). A kind adds its network, its start and its certificate.
 */
export abstract class NetworkPrior<C extends PriorConfig> implements ImplicitPrior {
  /** `prefix`: the net's layer names are prefixed when it shares a model with others (a union). */
  constructor(readonly config: C, readonly model: tf.LayersModel, protected readonly prefix = '') {}

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

  abstract initializeFromData(map: ProbabilityMap, seed?: number): void;

  abstract certify(options?: CertifyOptions): Certificate;

  /**
   * Sets the 'frame' layer so that the map's moment ellipse becomes the unit disc, or
   * with `similarity` its moment disc (one scale: angles are kept).
   */
  protected normaliseToMomentFrame(map: ProbabilityMap, similarity = false): void {
    const { shift, matrix } = similarity ? similarityFrame(map) : momentFrame(map);
    tf.tidy(() => (this.layer('frame') as AffineNormalization).setTransform(shift, matrix));
  }

  /** The 'frame' layer's map inverted: frame coordinates of a point in normalised coordinates. */
  protected toFrame(normalised: number[]): number[] {
    return (this.layer('frame') as AffineNormalization).toInput(normalised);
  }

  dispose(): void {
    this.model.dispose();
  }
}
