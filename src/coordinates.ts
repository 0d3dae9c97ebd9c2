/**
 * The coordinate frame every prior lives in.
 *
 * Pixel (row, col) of an H x W image is the centre of its cell, mapped so that the
 * longer side spans [-1, 1] and the frame is centred on the image. The scaling is
 * isotropic (a circle stays a circle, which symmetry priors need) and independent
 * of resolution: evaluating the same prior on a 2x finer grid of the same image
 * samples the same continuous shape (super-sampling).
 */
export function pixelToFrame(row: number, col: number, height: number, width: number): [number, number] {
  const s = 2 / Math.max(height, width);
  return [(col + 0.5 - width / 2) * s, (row + 0.5 - height / 2) * s];
}

/** The (fractional) pixel (row, col) at frame point (x, y) of an H x W image: pixelToFrame's inverse. */
export function frameToPixel(x: number, y: number, height: number, width: number): [number, number] {
  const s = 2 / Math.max(height, width);
  return [y / s + height / 2 - 0.5, x / s + width / 2 - 0.5];
}

/** Frame coordinates (x, y) of every pixel centre, row-major, as an [H*W, 2] buffer. */
export function gridCoordinates(height: number, width: number): Float32Array {
  const out = new Float32Array(height * width * 2);
  const s = 2 / Math.max(height, width);
  let k = 0;
  for (let r = 0; r < height; r++) {
    const y = (r + 0.5 - height / 2) * s;
    for (let c = 0; c < width; c++) {
      out[k++] = (c + 0.5 - width / 2) * s;
      out[k++] = y;
    }
  }
  return out;
}
