import * as tf from '@tensorflow/tfjs';
import type { AffineNormalization } from '../../layers/affine_normalization.js';
import type { PolarCoordinates } from '../../layers/polar_coordinates.js';
import type { RadialProfile } from '../../layers/radial_profile.js';
import { radiusAt, type RadialShape } from '../analysis/radial_shape.js';
import { pixelToFrame } from '../coordinates.js';
import { AdjustableAdam } from '../optimizers/adjustable_optimizers.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';
import { NetworkPrior, type PriorOptions } from './network_prior.js';
import { polarCentre, polarHead } from './polar_graph.js';
import { focusOnObject } from './polar_focus.js';
import { polarShapeStart, type PolarStartKind } from './polar_shape_start.js';
import type { MirrorPriorConfig, RadialPriorConfig, RotationPriorConfig, StarPriorConfig } from './prior_config.js';
import { RadialSmoothness } from './radial_smoothness.js';

/** The closed-form start's regression: rays, radii along each (as fractions of the shape's radius), Adam steps and rate. */
const SHAPE_RAYS = 128;
const SHAPE_RADII = [0.2, 0.5, 0.75, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2];
const SHAPE_STEPS = 400;
const SHAPE_LEARNING_RATE = 2e-2;

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

  constructor(config: C, options: PriorOptions, buildNet: (seed?: number) => tf.LayersModel, protected readonly head: { features: string; netName: string }) {
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

  /** Starts a mirror prior's axis at an angle (radians; the frames the polar priors use keep angles). */
  protected startAxisAt(angle: number): void {
    const value = tf.tensor1d([angle]);
    this.layer('symmetry').setWeights([value]);
    value.dispose();
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

  /**
   * On one map, the closed-form start: the best shape of the kind's class over a search
   * of centres (see polarShapeStart), fitted into the net; that is the fit. Otherwise
   * (slices, a map without an object) the start for training.
   */
  initializeFromData(data: LikelihoodData): void {
    const shape = isSliceStack(data) ? null : polarShapeStart(data, this.shapeStart(), this.config.smoothness);
    if (shape && this.startFromShape(shape, data.height, data.width)) return;
    this.initializeForTraining(data);
  }

  /** What the closed-form start searches for: a star-shaped set, or one with the kind's symmetry. */
  protected abstract shapeStart(): PolarStartKind;

  /** The start for gradient training (joint training, slices; see initializeFromData): it must clear fittedByStart. */
  abstract initializeForTraining(data: LikelihoodData): void;

  /**
   * Whether the parameters are the closed-form start (startFromShape), untouched by any
   * optimiser step since (applyConstraints, called after every step, clears it): on one
   * map that start is the fit (README, "The polar priors").
   */
  fittedByStart = false;

  override applyConstraints(): void {
    this.fittedByStart = false;
    super.applyConstraints();
  }

  /**
   * The prior becomes `shape` (pixels of an H x W map, see polarShapeStart): the frame
   * maps the shape's centre to the origin and its mean radius to 1, the polar centre
   * sits at the origin, and the net after the polar features is fitted (Adam,
   * SHAPE_STEPS) so that its score before the saturation is scale * (r / rho(theta) - 1)
   * on rays through the shape: zero on the shape's outline, the profile's own slope
   * across it. Mirror: the axis is the shape's. False (nothing usable changed) for a
   * shape without area.
   */
  protected startFromShape(shape: RadialShape, height: number, width: number): boolean {
    const s = 2 / Math.max(height, width);
    let mean = 0;
    for (const r of shape.radius) mean += r;
    mean = (mean / shape.radius.length) * s;
    if (!(mean > 0)) return false;
    const centre = pixelToFrame(shape.cy, shape.cx, height, width);
    tf.tidy(() => (this.layer('frame') as AffineNormalization).setTransform(centre, [[1 / mean, 0], [0, 1 / mean]]));
    this.startCentreAt(centre);
    if (this.config.kind === 'mirror') this.startAxisAt(shape.offset);
    const scale = (this.layer('profile') as RadialProfile).scale;
    const points: number[] = [];
    const targets: number[] = [];
    for (let k = 0; k < SHAPE_RAYS; k++) {
      const a = (2 * Math.PI * k) / SHAPE_RAYS;
      const rho = Math.max(radiusAt(shape, a), 0.5) * s;
      for (const t of SHAPE_RADII) {
        points.push(centre[0]! + t * rho * Math.cos(a), centre[1]! + t * rho * Math.sin(a));
        targets.push(scale * (t - 1));
      }
    }
    const head = [...Array.from({ length: this.config.depth }, (_, i) => `${this.head.netName}_${i}`), 'profile'].map((n) => this.layer(n));
    const variables = head.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
    const net = tf.model({ inputs: this.model.inputs, outputs: this.layer('profile').output as tf.SymbolicTensor });
    const optimizer = new AdjustableAdam(SHAPE_LEARNING_RATE);
    const x = tf.tensor2d(points, [points.length / 2, 2]);
    const y = tf.tensor2d(targets, [targets.length, 1]);
    try {
      for (let step = 0; step < SHAPE_STEPS; step++) {
        optimizer.minimize(() => tf.mean(tf.squaredDifference(net.apply(x) as tf.Tensor, y)) as tf.Scalar, false, variables);
      }
    } finally {
      optimizer.dispose();
      tf.dispose([x, y]);
    }
    this.fittedByStart = true;
    return true;
  }

  /** The polar (symmetry) centre in frame coordinates (3-D: of the slice at z). */
  centre(z?: number): [number, number] {
    return polarCentre(this.layer('frame') as AffineNormalization, this.layer('polar') as PolarCoordinates, z);
  }
}
