import { probabilityMap, type ProbabilityMap } from './probability_map.js';
import { InputError } from './errors.js';

/**
 * Likelihood maps placed along a third coordinate, for 3-D priors on (x, y, z):
 * - spatio-temporal: one map per frame, `third` = the frame's time (a number);
 * - depth space: one map whose pixels are lifted to their depth, `third` = a
 *   per-pixel Float32Array (e.g. a depth image scaled to [0, 1]).
 * Every slice has the stack's height and width; (x, y) are frame coordinates of the
 * pixels as for a 2-D map (see coordinates.ts), z is used as given.
 */
export interface SliceStack {
  readonly height: number;
  readonly width: number;
  readonly slices: readonly Slice[];
}

export interface Slice {
  readonly map: ProbabilityMap;
  readonly third: number | Float32Array;
}

/** What a fit accepts: one map (a 2-D prior) or a stack of slices (a 3-D prior). */
export type LikelihoodData = ProbabilityMap | SliceStack;

export function isSliceStack(data: LikelihoodData): data is SliceStack {
  return (data as SliceStack).slices !== undefined;
}

/** Coordinates per point of the data: 2 for a map, 3 for a stack. */
export function dataDim(data: LikelihoodData): 2 | 3 {
  return isSliceStack(data) ? 3 : 2;
}

/** Frames at times: a spatio-temporal stack (maps must share one size; times finite and distinct). */
export function framesAt(maps: readonly ProbabilityMap[], times: readonly number[]): SliceStack {
  if (maps.length === 0) throw new InputError('a stack needs at least one frame');
  if (maps.length !== times.length) throw new InputError(`got ${maps.length} frames but ${times.length} times`);
  const { height, width } = maps[0]!;
  maps.forEach((m, i) => {
    if (m.height !== height || m.width !== width) throw new InputError(`frame ${i} is ${m.width}x${m.height}, frame 0 is ${width}x${height}: frames must share one size`);
  });
  times.forEach((t, i) => {
    if (!Number.isFinite(t)) throw new InputError(`time ${i} is ${t}, not a finite number`);
  });
  if (new Set(times).size !== times.length) throw new InputError(`times must be distinct, got ${times.join(', ')}`);
  return { height, width, slices: maps.map((map, i) => ({ map, third: times[i]! })) };
}

/** One map lifted to (x, y, depth): `depth` has a value per pixel. */
export function liftedByDepth(map: ProbabilityMap, depth: Float32Array): SliceStack {
  if (depth.length !== map.data.length) throw new InputError(`depth has ${depth.length} values, the map ${map.width}x${map.height} has ${map.data.length} pixels`);
  for (let i = 0; i < depth.length; i++) if (!Number.isFinite(depth[i]!)) throw new InputError(`depth value ${depth[i]} at pixel ${i} is not finite`);
  return { height: map.height, width: map.width, slices: [{ map: probabilityMap(map.height, map.width, map.data), third: depth }] };
}

/** The third coordinate of pixel i of a slice. */
export function thirdAt(slice: Slice, pixel: number): number {
  return typeof slice.third === 'number' ? slice.third : slice.third[pixel]!;
}
