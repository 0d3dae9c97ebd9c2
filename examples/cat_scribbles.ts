/**
 * The scribbled cat photo as a scribble-setting image: `cat_scribbled.jpg` is `cat.jpg`
 * with red foreground scribbles on the cat (found as the pixels where the two differ);
 * it has no background scribbles, so a frame of background is taken along the image
 * border, as interactive tools do. Used by scribbles_cat.ts and its test.
 */
import * as path from 'node:path';
import sharp from 'sharp';

export interface CatScribbles {
  height: number;
  width: number;
  /** RGB in [0, 1], 3 values per pixel, and the photo's bytes for overlays. */
  rgb: Float32Array;
  photo: Uint8Array;
  /** 1 = foreground scribble; weight 1 = labelled (scribble or border), 0 = not. */
  labels: Float32Array;
  weights: Float32Array;
}

/**
 * gamma of eq. 13 (|dN/dxy|) for this photo, twenty times the Table 1 recipe's: with
 * background only along the border, a net free to vary with x and y follows the star
 * prior onto the white shutter and the pair grows into a dome (scribbles_cat.ts has the
 * measurements; SCRIBBLE_POSITION_PENALTY in scribble_setting.ts the recipe's value).
 */
export const CAT_POSITION_PENALTY = 0.2;

/** Border frame width (pixels) taken as background. */
const BORDER = 3;

/** The photo and its labels at `width` x `height`, read from `dataDir` (examples/data). */
export async function loadCatScribbles(dataDir: string, width: number, height: number): Promise<CatScribbles> {
  const load = async (name: string) => sharp(path.join(dataDir, name)).resize(width, height).removeAlpha().raw().toBuffer();
  const [plain, scribbled] = await Promise.all([load('cat.jpg'), load('cat_scribbled.jpg')]);
  const n = width * height;
  const rgb = new Float32Array(3 * n);
  const labels = new Float32Array(n);
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = plain[3 * i + k]! / 255;
    const diff = Math.abs(plain[3 * i]! - scribbled[3 * i]!) + Math.abs(plain[3 * i + 1]! - scribbled[3 * i + 1]!) + Math.abs(plain[3 * i + 2]! - scribbled[3 * i + 2]!);
    const [r, c] = [Math.floor(i / width), i % width];
    if (diff > 120 && scribbled[3 * i]! > 150) {
      labels[i] = 1;
      weights[i] = 1;
    } else if (r < BORDER || c < BORDER || r >= height - BORDER || c >= width - BORDER) {
      weights[i] = 1;
    }
  }
  return { height, width, rgb, photo: Uint8Array.from(plain), labels, weights };
}

/** The share of the foreground scribbles' pixels inside `mask` (1 = foreground). */
export function scribblesCovered(image: CatScribbles, mask: Uint8Array): number {
  let total = 0;
  let inside = 0;
  for (let i = 0; i < image.labels.length; i++) {
    if (!image.labels[i]) continue;
    total++;
    if (mask[i]) inside++;
  }
  return inside / total;
}
