import * as path from 'node:path';
import { readRgb, type ProbabilityMap, type RgbImage } from '../src/index.js';
import { colourUnaries } from './photo_example.js';

/**
 * Foreground likelihood from colour alone: a soft threshold on redness, R minus the
 * larger of G and B. Crude on purpose: it is the kind of map a shape prior repairs
 * (occluders cut gaps into the object, similar colours elsewhere add specks).
 */
export function rednessUnaries(photo: RgbImage): ProbabilityMap {
  return colourUnaries(photo, (r, g, b) => (r - Math.max(g, b) - 40) / 12);
}

/** The demo scene: the upper half of tomatoes.jpg (where the red tomato hangs) and its redness map. */
export async function loadTomatoScene(repoRoot: string): Promise<{ photo: RgbImage; unaries: ProbabilityMap; source: string }> {
  const source = path.join(repoRoot, 'examples/data/tomatoes.jpg');
  const full = await readRgb(source);
  const height = Math.round(full.height / 2);
  const photo = { width: full.width, height, data: full.data.slice(0, full.width * height * 3) };
  return { photo, unaries: rednessUnaries(photo), source };
}
