import * as tf from '@tensorflow/tfjs';
import type { PolarCoordinates } from '../../layers/polar_coordinates.js';

/** Sets a 2-D polar layer's centre (normalised coordinates, the layer's input); a 3-D layer's drift is left as it is. */
export function setPolarCentre(polar: PolarCoordinates, centre: number[]): void {
  const [c, ...rest] = polar.getWeights();
  if (!c) throw new Error('setPolarCentre: the polar layer is not built');
  const value = tf.tensor1d([centre[0]!, centre[1]!]);
  polar.setWeights([value, ...rest]);
  value.dispose();
}
