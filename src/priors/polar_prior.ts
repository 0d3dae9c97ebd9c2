import * as tf from '@tensorflow/tfjs';
import type { AffineNormalization } from '../../layers/affine_normalization.js';
import type { PolarCoordinates } from '../../layers/polar_coordinates.js';
import type { LikelihoodData } from '../slice_stack.js';
import { NetworkPrior, type PriorOptions } from './network_prior.js';
import { polarCentre, polarHead } from './polar_graph.js';
import { focusOnObject } from './polar_focus.js';
import type { MirrorPriorConfig, RadialPriorConfig, RotationPriorConfig, StarPriorConfig } from './prior_config.js';
import { RadialSmoothness } from './radial_smoothness.js';

type PolarConfig = StarPriorConfig | RadialPriorConfig | MirrorPriorConfig | RotationPriorConfig;

/**
 * What the polar kinds (star / radial, mirror / rotation) share beyond NetworkPrior: one
 * object about one centre (the map they are fitted to, their centre) and the smoothness
 * penalty on the radius along the rays. A kind names the layers its direction net reads
 * (`head`).
 */
export abstract class PolarPrior<C extends PolarConfig> extends NetworkPrior<C> {
  private smoothness: RadialSmoothness | null = null;
  protected readonly seed: number | undefined;

  constructor(config: C, options: PriorOptions, buildNet: (seed?: number) => tf.LayersModel, private readonly head: { features: string; netName: string }) {
    super(config, options, buildNet);
    this.seed = options.seed;
  }

  /** The map without foreground far from the object (see focusOnObject): one polar prior, one object. */
  fitData(data: LikelihoodData): LikelihoodData {
    return focusOnObject(data);
  }

  /** The roughness of the radius along the rays (config.smoothness; see RadialSmoothness). */
  penalty(): tf.Scalar {
    if (!(this.config.smoothness > 0)) return tf.scalar(0);
    // Made on first use: a net loaded from disk has the same layers.
    this.smoothness ??= new RadialSmoothness(
      polarHead(this.model, { prefix: this.prefix, ...this.head, depth: this.config.depth, inputDim: this.config.inputDim }), this.config.smoothness, this.seed);
    return this.smoothness.penalty();
  }

  /** Starts the polar centre at a frame point (a 3-D prior's drift with z is left as it is). */
  protected startCentreAt(framePoint: number[]): void {
    const polar = this.layer('polar') as PolarCoordinates;
    const [, ...rest] = polar.getWeights();
    const normalised = this.fromFrame(framePoint);
    const value = tf.tensor1d([normalised[0]!, normalised[1]!]);
    polar.setWeights([value, ...rest]);
    value.dispose();
  }

  /** The polar (symmetry) centre in frame coordinates (3-D: of the slice at z). */
  centre(z?: number): [number, number] {
    return polarCentre(this.layer('frame') as AffineNormalization, this.layer('polar') as PolarCoordinates, z);
  }
}
