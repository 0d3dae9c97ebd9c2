import CRC32 from 'crc-32';

/**
 * Encodes 8-bit grey pixels as a PNG (colour type 0), the format the CLI writes for
 * masks and reads for likelihood maps. A canvas can only export RGBA; this keeps the
 * page's downloads byte-for-byte the same kind of file. Deflate comes from the
 * browser's CompressionStream ('deflate' is the zlib format PNG's IDAT expects).
 */
export async function encodeGreyPng(pixels: Uint8Array, width: number, height: number): Promise<Blob> {
  if (pixels.length !== width * height) throw new RangeError(`a ${width}x${height} grey image needs ${width * height} bytes, got ${pixels.length}`);
  // Each scanline starts with its filter type: 0, none.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const compressed = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, grey, deflate, adaptive filtering, no interlace
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Blob([signature, chunk('IHDR', header), chunk('IDAT', compressed), chunk('IEND', new Uint8Array(0))], { type: 'image/png' });
}

function chunk(type: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setInt32(8 + data.length, CRC32.buf(out.subarray(4, 8 + data.length)));
  return out;
}

/** Saves a blob as a file through the browser's download (an <a download> click). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download may still be reading the URL when click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
