import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * The raster formats shapeprior reads: PNG and JPEG, told by their signature bytes before
 * a decoder sees the file. libvips would also decode SVG, whose `<image href="file:...">`
 * pulls other local files into the pixels, and a dozen more formats nobody asked for.
 */
export const READABLE_FORMATS = ['png', 'jpeg'] as const;
export type ReadableFormat = (typeof READABLE_FORMATS)[number];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

/** The format of `file` by its first bytes; an InputError naming the file for anything else. */
export async function sniffImageFormat(file: string, what: string): Promise<ReadableFormat> {
  const head = Buffer.alloc(PNG_SIGNATURE.length);
  let bytesRead: number;
  const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`${what} ${file}: cannot open (${err.code ?? err.message})`);
  });
  try {
    ({ bytesRead } = await handle.read(head, 0, head.length, 0));
  } catch (err) {
    throw new InputError(`${what} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    await handle.close();
  }
  const start = head.subarray(0, bytesRead);
  if (start.length >= PNG_SIGNATURE.length && start.equals(PNG_SIGNATURE)) return 'png';
  if (start.length >= JPEG_SIGNATURE.length && start.subarray(0, JPEG_SIGNATURE.length).equals(JPEG_SIGNATURE)) return 'jpeg';
  throw new InputError(`${what} ${file}: not a PNG or JPEG file (only these are read)`);
}
