import { InputError } from './errors.js';
/** A per-pixel foreground likelihood ("unaries", g in eq. 9), row-major, values in [0, 1]. */
export interface ProbabilityMap {
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

export function probabilityMap(height: number, width: number, data: Float32Array): ProbabilityMap {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new InputError(`probability map must be at least 1x1, got ${width}x${height}`);
  }
  if (data.length !== height * width) {
    throw new InputError(`probability map of ${width}x${height} needs ${height * width} values, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 1)) throw new InputError(`probability map value ${v} at pixel ${i} is outside [0, 1]`);
  }
  return { height, width, data };
}

/** The map thresholded at 0.5 (the baseline every prior is compared with). */
export function thresholdMap(map: ProbabilityMap, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(map.data.length);
  for (let i = 0; i < out.length; i++) out[i] = map.data[i]! >= threshold ? 1 : 0;
  return out;
}
