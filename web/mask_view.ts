import { maskBoundary } from '../src/io/pixels.js';

/**
 * Draws a mask over the photo: its canvas has the mask's own resolution and is
 * stretched over the photo (pixelated), the foreground lightly tinted and its boundary
 * (the library's maskBoundary, as in the CLI's --overlay) in a solid colour.
 */
export function drawMask(canvas: HTMLCanvasElement, mask: Uint8Array | null, width: number, height: number, live = false): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, width, height);
  if (!mask) return;
  const edge = maskBoundary(mask, width, height);
  const image = ctx.createImageData(width, height);
  // Live (mid-fit) masks in yellow, the final one in green.
  const [r, g, b] = live ? [255, 214, 0] : [0, 255, 64];
  for (let i = 0; i < mask.length; i++) {
    if (edge[i]) image.data.set([r, g, b, 255], 4 * i);
    else if (mask[i]) image.data.set([r, g, b, 56], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

/** Draws a likelihood map as a grey image filling the canvas (the background when there is no photo of its shape), pixels kept sharp. */
export function drawGrey(canvas: HTMLCanvasElement, bytes: Uint8Array, width: number, height: number): void {
  const source = new OffscreenCanvas(width, height);
  const image = new ImageData(width, height);
  for (let i = 0; i < bytes.length; i++) image.data.set([bytes[i]!, bytes[i]!, bytes[i]!, 255], 4 * i);
  source.getContext('2d')!.putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
}
