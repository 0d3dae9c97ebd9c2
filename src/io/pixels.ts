import { probabilityMap, type ProbabilityMap } from '../probability_map.js';
import { InputError } from '../errors.js';

/**
 * Pixel-level image helpers without any file or codec: shared by the node I/O
 * (images.ts, decoding with sharp) and the browser page (decoding with the browser),
 * so both read likelihood maps and draw masks the same way.
 */

/** An 8-bit RGB photo, row-major, 3 bytes per pixel. */
export interface RgbImage {
  height: number;
  width: number;
  data: Uint8Array;
}

/**
 * A likelihood map from decoded 8-bit pixels (1-4 channels, row-major): value / 255 =
 * foreground probability. Colour pixels are accepted only when their colour channels
 * are equal (a grey image saved as RGB) and any alpha channel is fully opaque; `what`
 * names the source in the InputError otherwise.
 */
export function unariesFromPixels(data: ArrayLike<number>, width: number, height: number, channels: number, what: string): ProbabilityMap {
  const colour = channels >= 3 ? 3 : 1;
  const hasAlpha = channels === 2 || channels === 4;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const base = i * channels;
    const v = data[base]!;
    if (colour === 3 && (data[base + 1] !== v || data[base + 2] !== v)) {
      throw new InputError(`${what}: has ${channels} channels that differ (pixel ${i % width},${Math.floor(i / width)}); expected a grey likelihood map`);
    }
    if (hasAlpha && data[base + channels - 1] !== 255) {
      throw new InputError(`${what}: has transparent pixels (pixel ${i % width},${Math.floor(i / width)}); expected an opaque grey likelihood map`);
    }
    out[i] = v / 255;
  }
  return probabilityMap(height, width, out);
}

/** Pixels of the mask that touch a pixel of the other label (4-neighbourhood). */
export function maskBoundary(mask: Uint8Array, width: number, height: number): Uint8Array {
  const edge = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      if ((x > 0 && !mask[i - 1]) || (x < width - 1 && !mask[i + 1]) || (y > 0 && !mask[i - width]) || (y < height - 1 && !mask[i + width])) edge[i] = 1;
    }
  }
  return edge;
}

/**
 * The photo with the mask drawn on it: the foreground lightly tinted and its
 * boundary in a solid colour, thickened so it stays visible on large photos.
 */
export function overlay(photo: RgbImage, mask: Uint8Array, color: [number, number, number] = [0, 255, 64]): Uint8Array {
  const { width, height } = photo;
  const out = Uint8Array.from(photo.data);
  let edge = maskBoundary(mask, width, height);
  const thickness = Math.max(1, Math.round(Math.max(width, height) / 256));
  for (let t = 1; t < thickness; t++) edge = dilate(edge, width, height);
  for (let i = 0; i < mask.length; i++) {
    for (let c = 0; c < 3; c++) {
      if (edge[i]) out[3 * i + c] = color[c]!;
      else if (mask[i]) out[3 * i + c] = Math.round(0.8 * out[3 * i + c]! + 0.2 * color[c]!);
    }
  }
  return out;
}

/** The mask grown by one pixel (4-neighbourhood). */
export function dilate(m: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(m);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (m[i]) continue;
      if ((x > 0 && m[i - 1]) || (x < width - 1 && m[i + 1]) || (y > 0 && m[i - width]) || (y < height - 1 && m[i + width])) out[i] = 1;
    }
  }
  return out;
}

/** A likelihood map as a grey RGB image (to draw an overlay on, or to save for the CLI). */
export function probabilityToRgb(map: ProbabilityMap): RgbImage {
  const data = new Uint8Array(map.width * map.height * 3);
  for (let i = 0; i < map.data.length; i++) data.fill(Math.round(map.data[i]! * 255), 3 * i, 3 * i + 3);
  return { width: map.width, height: map.height, data };
}
