import { promises as fs } from 'node:fs';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import writeFileAtomic from 'write-file-atomic';
import { probabilityMap, type ProbabilityMap } from '../probability_map.js';
import { InputError } from './input_error.js';

/** An 8-bit RGB photo, row-major, 3 bytes per pixel. */
export interface RgbImage {
  height: number;
  width: number;
  data: Uint8Array;
}

/**
 * Checks and decodes an image file once: `convert` may adjust the sharp pipeline
 * (e.g. to RGB) before the raw pixels are read. Every failure is an InputError
 * naming the file.
 */
async function decode(file: string, what: string, convert: (image: Sharp) => Sharp = (image) => image, keep16Bits = false): Promise<{ data: Buffer; info: OutputInfo; depth: string | undefined }> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new InputError(`${what} ${file}: file not found`);
  }
  if (!stat.isFile()) throw new InputError(`${what} ${file}: not a regular file`);
  if (stat.size === 0) throw new InputError(`${what} ${file}: empty file`);
  try {
    const image = sharp(file);
    const meta = await image.metadata();
    if (!meta.width || !meta.height) throw new InputError(`${what} ${file}: image has no pixels`);
    const { data, info } = await convert(image).raw(keep16Bits && meta.depth === 'ushort' ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    return { data, info, depth: meta.depth };
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${what} ${file}: not a readable image (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * Reads a likelihood map: an 8-bit grey image, value / 255 = foreground probability.
 * A colour file is accepted only when its colour channels are equal (a grey image
 * saved as RGB) and any alpha channel is fully opaque.
 */
export async function readUnaries(file: string): Promise<ProbabilityMap> {
  const { data, info, depth } = await decode(file, 'unaries');
  if (depth && depth !== 'uchar') throw new InputError(`unaries ${file}: expected 8 bits per channel, got ${depth}`);
  const { width, height, channels } = info;
  const colour = channels >= 3 ? 3 : 1;
  const hasAlpha = channels === 2 || channels === 4;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const base = i * channels;
    const v = data[base]!;
    if (colour === 3 && (data[base + 1] !== v || data[base + 2] !== v)) {
      throw new InputError(`unaries ${file}: has ${channels} channels that differ (pixel ${i % width},${Math.floor(i / width)}); expected a grey likelihood map`);
    }
    if (hasAlpha && data[base + channels - 1] !== 255) {
      throw new InputError(`unaries ${file}: has transparent pixels (pixel ${i % width},${Math.floor(i / width)}); expected an opaque grey likelihood map`);
    }
    out[i] = v / 255;
  }
  return probabilityMap(height, width, out);
}

/**
 * Reads a depth image (grey PNG/JPEG, 8 or 16 bits; colour files use their first
 * channel) as one value per pixel scaled to [0, 1] by the format's range (255 or
 * 65535), so 8-bit and 16-bit depth images of one scene agree.
 */
export async function readDepth(file: string): Promise<{ height: number; width: number; data: Float32Array }> {
  const { data, info, depth } = await decode(file, 'depth', (image) => image.extractChannel(0), true);
  const sixteen = depth === 'ushort';
  if (depth && depth !== 'uchar' && !sixteen) throw new InputError(`depth ${file}: expected 8 or 16 bits per channel, got ${depth}`);
  const n = info.width * info.height;
  // Copied: a Buffer's byte offset need not be 2-aligned.
  const values = sixteen ? new Uint16Array(Uint8Array.from(data).buffer, 0, n) : data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i]! / (sixteen ? 65535 : 255);
  return { height: info.height, width: info.width, data: out };
}

/** Reads a photo as 8-bit RGB (grey photos are expanded, alpha is dropped). */
export async function readRgb(file: string): Promise<RgbImage> {
  const { data, info } = await decode(file, 'image', (image) => image.removeAlpha().toColourspace('srgb'));
  if (info.channels === 3) return { height: info.height, width: info.width, data: new Uint8Array(data) };
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) rgb.fill(data[i * info.channels]!, 3 * i, 3 * i + 3);
  return { height: info.height, width: info.width, data: rgb };
}

async function writePngAtomic(file: string, pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  const image = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  // Without an explicit 'b-w', sharp widens single-channel data to sRGB on output.
  const png = await (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
  // Temporary file + rename: a crash or an error never leaves a partial PNG behind.
  await writeFileAtomic(file, png);
}

/** Writes a 0/1 mask as an 8-bit grey PNG: 255 = foreground, 0 = background. */
export async function writeMask(file: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  await writePngAtomic(file, mask.map((v) => (v ? 255 : 0)), width, height, 1);
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

function dilate(m: Uint8Array, width: number, height: number): Uint8Array {
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

export async function writeOverlay(file: string, photo: RgbImage, mask: Uint8Array): Promise<void> {
  await writePngAtomic(file, overlay(photo, mask), photo.width, photo.height, 3);
}

/** A likelihood map as a grey RGB image (to draw an overlay on, or to save for the CLI). */
export function probabilityToRgb(map: ProbabilityMap): RgbImage {
  const data = new Uint8Array(map.width * map.height * 3);
  for (let i = 0; i < map.data.length; i++) data.fill(Math.round(map.data[i]! * 255), 3 * i, 3 * i + 3);
  return { width: map.width, height: map.height, data };
}

/** Writes an RGB image as PNG (atomically). */
export async function writeRgb(file: string, image: RgbImage): Promise<void> {
  await writePngAtomic(file, image.data, image.width, image.height, 3);
}
