import * as tf from '@tensorflow/tfjs';
import { AffineNormalization } from '../../layers/affine_normalization.js';
import { FastDense } from '../../layers/fast_dense.js';
import { LevelSetSaturation } from '../../layers/level_set_saturation.js';
import { PolarCoordinates } from '../../layers/polar_coordinates.js';
import { RadialProfile } from '../../layers/radial_profile.js';
import { ConfigError } from '../errors.js';
import type { PolarHead } from './radial_smoothness.js';

export interface PolarGraphOptions {
  /** Prefix of every layer name (several nets can share one model). */
  prefix: string;
  seed: number | undefined;
  width: number;
  depth: number;
  knots: number;
  /** G(v, 0) = -1: star-shaped about the centre (only with features that exclude r). */
  starShaped: boolean;
  /** Name of the hidden layers of the net, numbered. */
  netName: string;
  /** What the net sees of the polar coordinates (v1, v2, r): it decides the guarantee. */
  features: (polar: tf.SymbolicTensor) => tf.SymbolicTensor;
}

/**
 * The polar priors' pipeline on `coords`: affine normalisation -> polar coordinates
 * about a learnable centre -> features -> tanh net -> radial-profile output ->
 * saturation. The star / radial priors and the symmetric priors differ only in the
 * features and in `starShaped`.
 */
export function polarGraph(coords: tf.SymbolicTensor, o: PolarGraphOptions): tf.SymbolicTensor {
  const x = new AffineNormalization({ name: `${o.prefix}frame` }).apply(coords) as tf.SymbolicTensor;
  const polar = new PolarCoordinates({ name: `${o.prefix}polar` }).apply(x) as tf.SymbolicTensor;
  let h = o.features(polar);
  for (let i = 0; i < o.depth; i++) {
    const seed = o.seed === undefined ? undefined : o.seed * 1000 + i;
    h = new FastDense({ units: o.width, activation: 'tanh', name: `${o.prefix}${o.netName}_${i}`, seed }).apply(h) as tf.SymbolicTensor;
  }
  const profile = new RadialProfile({ starShaped: o.starShaped, knots: o.knots, name: `${o.prefix}profile` }).apply([h, polar]) as tf.SymbolicTensor;
  return new LevelSetSaturation({ name: `${o.prefix}saturation` }).apply(profile) as tf.SymbolicTensor;
}

/**
 * The polar centre of a polar prior in frame coordinates; for a 3-D prior, of the
 * slice at frame coordinate z (the centre moves with z). The frame layer of the
 * polar priors never mixes z into (x, y), so a slice stays a slice.
 */
export function polarCentre(frame: AffineNormalization, polar: PolarCoordinates, z?: number): [number, number] {
    const dims = (frame.getWeights()[0]!.shape[0] as number);
  if (dims === 2) {
    const [x, y] = frame.toInput(polar.centreValue());
    return [x!, y!];
  }
  if (z === undefined) throw new ConfigError('a 3-D polar prior has a centre per slice: give the slice coordinate z');
  const zn = frame.fromInput([0, 0, z])[2]!;
  const [x, y] = frame.toInput([...polar.centreValue(zn), zn]);
  return [x!, y!];
}

/** The layers of a polar prior's model after its polar coordinates (named as polarGraph names them), for the smoothness penalty. */
export function polarHead(model: tf.LayersModel, o: { prefix: string; features: string; netName: string; depth: number; inputDim: 2 | 3 }): PolarHead {
  return {
    features: model.getLayer(`${o.prefix}${o.features}`),
    hidden: Array.from({ length: o.depth }, (_, i) => model.getLayer(`${o.prefix}${o.netName}_${i}`)),
    profile: model.getLayer(`${o.prefix}profile`),
    saturation: model.getLayer(`${o.prefix}saturation`),
    polarColumns: o.inputDim === 3 ? 4 : 3,
  };
}
