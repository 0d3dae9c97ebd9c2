import { InputError } from '../src/errors.js';
import { unariesFromPixels } from '../src/io/pixels.js';

/** A photo decoded by the browser, and its pixels at the working resolution (the grid the net and the prior see). */
export interface Photo {
  name: string;
  /** The full-resolution image, for display. */
  bitmap: ImageBitmap;
  width: number;
  height: number;
  /** RGB in [0, 1] at width x height. */
  rgb: Float32Array;
}

/** A likelihood map as 8-bit values (value / 255 = foreground probability), checked like the CLI's --unaries. */
export interface LikelihoodMapFile {
  name: string;
  width: number;
  height: number;
  bytes: Uint8Array;
}

async function decode(blob: Blob, what: string, raw: boolean): Promise<ImageBitmap> {
  if (blob.size === 0) throw new InputError(`${what}: empty file`);
  try {
    // No colour management for a map: its grey values are data, not colours.
    return await createImageBitmap(blob, raw ? { colorSpaceConversion: 'none', premultiplyAlpha: 'none' } : {});
  } catch {
    throw new InputError(`${what}: not a readable image (the browser could not decode it)`);
  }
}

function pixelsOf(source: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, 0, 0, width, height);
  return context.getImageData(0, 0, width, height).data;
}

/** The working size of a photo: its longer side scaled to `longSide` pixels (never up). */
export function workingSize(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export async function openPhoto(blob: Blob, name: string, longSide: number): Promise<Photo> {
  const bitmap = await decode(blob, `photo ${name}`, false);
  return photoAtSize({ name, bitmap, width: 0, height: 0, rgb: new Float32Array(0) }, longSide);
}

/** The same photo at another working resolution. */
export function photoAtSize(photo: Photo, longSide: number): Photo {
  const { width, height } = workingSize(photo.bitmap.width, photo.bitmap.height, longSide);
  const rgba = pixelsOf(photo.bitmap, width, height);
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c]! / 255;
  return { ...photo, width, height, rgb };
}

export async function openLikelihoodMap(blob: Blob, name: string): Promise<LikelihoodMapFile> {
  const what = `likelihood map ${name}`;
  const bitmap = await decode(blob, what, true);
  const { width, height } = bitmap;
  const rgba = pixelsOf(bitmap, width, height);
  bitmap.close();
  // The CLI's check: grey (equal channels) and opaque, else an error naming the pixel.
  // The browser always decodes to RGBA; an opaque file is checked as the RGB it was.
  let opaque = true;
  for (let i = 3; i < rgba.length && opaque; i += 4) opaque = rgba[i] === 255;
  const map = opaque
    ? unariesFromPixels(rgba.filter((_, i) => i % 4 !== 3), width, height, 3, what)
    : unariesFromPixels(rgba, width, height, 4, what);
  return { name, width, height, bytes: Uint8Array.from(map.data, (v) => Math.round(v * 255)) };
}
