import * as path from 'node:path';
import { probabilityMap, readRgb, type ProbabilityMap, type RgbImage } from '../src/index.js';

/**
 * Foreground likelihood from colour alone: a soft threshold on redness, R minus the
 * larger of G and B. Crude on purpose: it is the kind of map a shape prior repairs
 * (occluders cut gaps into the object, similar colours elsewhere add specks).
 */
export function rednessUnaries(photo: RgbImage, threshold = 40, softness = 12): ProbabilityMap {
  const p = new Float32Array(photo.width * photo.height);
  for (let i = 0; i < p.length; i++) {
    const [r, g, b] = [photo.data[3 * i]!, photo.data[3 * i + 1]!, photo.data[3 * i + 2]!];
    p[i] = 1 / (1 + Math.exp(-(r - Math.max(g, b) - threshold) / softness));
  }
  return probabilityMap(photo.height, photo.width, p);
}

/** The demo scene: the upper half of tomatoes.jpg (where the red tomato hangs) and its redness map. */
export async function loadTomatoScene(repoRoot: string): Promise<{ photo: RgbImage; unaries: ProbabilityMap; source: string }> {
  const source = path.join(repoRoot, 'examples/data/tomatoes.jpg');
  const full = await readRgb(source);
  const height = Math.round(full.height / 2);
  const photo = { width: full.width, height, data: full.data.slice(0, full.width * height * 3) };
  return { photo, unaries: rednessUnaries(photo), source };
}

/** The repository root, whether this runs from examples/ (tsx) or dist/examples/ (compiled). */
export function repoRoot(moduleDir: string): string {
  return moduleDir.includes(`${path.sep}dist${path.sep}`) ? path.resolve(moduleDir, '../..') : path.resolve(moduleDir, '..');
}
