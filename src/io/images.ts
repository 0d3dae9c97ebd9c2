import { promises as fs } from 'node:fs';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import writeFileAtomic from 'write-file-atomic';
import type { ProbabilityMap } from '../probability_map.js';
import { InputError } from '../errors.js';
import { sniffImageFormat } from './image_formats.js';
import { checkMaxPixels, checkPixelCount, DEFAULT_MAX_PIXELS } from './input_limits.js';
import { checkReplaceable } from './output_paths.js';
import { overlay, unariesFromPixels, type RgbImage } from './pixels.js';

// The pixel-level helpers live in pixels.ts (no sharp, no fs: the browser page uses them too).
export { maskBoundary, overlay, probabilityToRgb, unariesFromPixels, type RgbImage } from './pixels.js';

/** How much an image read may decode: at most `maxPixels` pixels (default DEFAULT_MAX_PIXELS, 4096 x 4096). */
export interface ReadImageOptions {
  maxPixels?: number;
}

/**
 * Checks and decodes an image file once: `convert` may adjust the sharp pipeline
 * (e.g. to RGB) before the raw pixels are read. Every failure is an InputError
 * naming the file.
 */
async function decode(file: string, what: string, options: ReadImageOptions, convert: (image: Sharp) => Sharp = (image) => image, keep16Bits = false): Promise<{ data: Buffer; info: OutputInfo; depth: string | undefined }> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkMaxPixels(maxPixels);
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new InputError(`${what} ${file}: file not found`);
  }
  if (!stat.isFile()) throw new InputError(`${what} ${file}: not a regular file`);
  if (stat.size === 0) throw new InputError(`${what} ${file}: empty file`);
  await sniffImageFormat(file, what);
  try {
    // The size the header declares is checked before decoding (reading it decodes no
    // pixel); libvips' own limit on the decoding pipeline is a second guard.
    const meta = await sharp(file, { limitInputPixels: false }).metadata();
    if (meta.format !== 'png' && meta.format !== 'jpeg') throw new InputError(`${what} ${file}: not a PNG or JPEG file (only these are read)`);
    if (!meta.width || !meta.height) throw new InputError(`${what} ${file}: image has no pixels`);
    checkPixelCount(`${what} ${file}`, meta.width, meta.height, maxPixels);
    const image = sharp(file, { limitInputPixels: maxPixels });
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
export async function readUnaries(file: string, options: ReadImageOptions = {}): Promise<ProbabilityMap> {
  const { data, info, depth } = await decode(file, 'unaries', options);
  if (depth && depth !== 'uchar') throw new InputError(`unaries ${file}: expected 8 bits per channel, got ${depth}`);
  return unariesFromPixels(data, info.width, info.height, info.channels, `unaries ${file}`);
}

/**
 * Reads a depth image (grey PNG/JPEG, 8 or 16 bits; colour files use their first
 * channel) as one value per pixel scaled to [0, 1] by the format's range (255 or
 * 65535), so 8-bit and 16-bit depth images of one scene agree.
 */
export async function readDepth(file: string, options: ReadImageOptions = {}): Promise<{ height: number; width: number; data: Float32Array }> {
  const { data, info, depth } = await decode(file, 'depth', options, (image) => image.extractChannel(0), true);
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
export async function readRgb(file: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  const { data, info } = await decode(file, 'image', options, (image) => image.removeAlpha().toColourspace('srgb'));
  if (info.channels === 3) return { height: info.height, width: info.width, data: new Uint8Array(data) };
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) rgb.fill(data[i * info.channels]!, 3 * i, 3 * i + 3);
  return { height: info.height, width: info.width, data: rgb };
}

async function writePngAtomic(file: string, pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  const image = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  // Without an explicit 'b-w', sharp widens single-channel data to sRGB on output.
  const png = await (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
  // The rename would replace a device node or FIFO as readily as a PNG: checked again here,
  // not only before the fit, since the fit may take minutes.
  await checkReplaceable(file);
  // Temporary file + rename: a crash or an error never leaves a partial PNG behind.
  await writeFileAtomic(file, png);
}

/** Writes a 0/1 mask as an 8-bit grey PNG: 255 = foreground, 0 = background. */
export async function writeMask(file: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  await writePngAtomic(file, mask.map((v) => (v ? 255 : 0)), width, height, 1);
}

export async function writeOverlay(file: string, photo: RgbImage, mask: Uint8Array): Promise<void> {
  await writePngAtomic(file, overlay(photo, mask), photo.width, photo.height, 3);
}

/** Writes an RGB image as PNG (atomically). */
export async function writeRgb(file: string, image: RgbImage): Promise<void> {
  await writePngAtomic(file, image.data, image.width, image.height, 3);
}
