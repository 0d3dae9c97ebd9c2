/**
 * The path-connected prior's trade-off (the paper's Fig. 7 and Fig. 16): weight decay
 * on the flow's couplings pulls the flow towards the identity, i.e. the mask towards
 * a convex one; a small decay lets it bend with the data. One generated map of a
 * thick C with an occluding bar, clutter and noise (the pc benchmark's first map) is
 * fitted with 5 values of `--flow-decay`.
 *
 *   node dist/examples/flow_decay.js
 *
 * Writes examples/output/flow_decay_masks.png (left to right: the map, the true
 * shape, then the masks for each decay value, smallest first) and
 * examples/output/flow_decay_grid.png (for the same decay values: a square grid in
 * the flow's output space, drawn where each pixel lands, i.e. the deformation D o T
 * pulled back onto the image, with the mask's outline).
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { pcMap } from '../bench/pc_maps.js';
import { createPrior, evaluateMask, fitPrior, gridCoordinates, initBackend, iou, maskBoundary, PathConnectedPrior, thresholdMap } from '../src/index.js';
import { repoRoot } from './photo_example.js';

const DECAYS = [1e-5, 1e-3, 1e-2, 1e-1, 1];
/** Grid lines per unit of the flow's output space. */
const GRID_DENSITY = 3;

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'examples/output');
mkdirSync(outDir, { recursive: true });
const backend = await initBackend();
console.log(`backend: ${backend.description}`);
const map = pcMap(0);
const n = map.size;
console.log(`${map.name}: thresholding at 0.5, IoU ${iou(thresholdMap(map.unaries), map.truth).toFixed(3)}`);

const grey = (values: ArrayLike<number>) => Uint8Array.from({ length: n * n * 3 }, (_, i) => Math.round(255 * values[Math.floor(i / 3)]!));
const maskTiles: Uint8Array[] = [grey(map.unaries.data), grey(map.truth)];
const gridTiles: Uint8Array[] = [];
const coords = gridCoordinates(n, n);
for (const decay of DECAYS) {
  const prior = createPrior({ kind: 'pc', flowDecay: decay }, { seed: 0 }) as PathConnectedPrior;
  const fit = await fitPrior(prior, map.unaries, { seed: 0 });
  const mask = evaluateMask(prior, n, n);
  console.log(`flow decay ${decay.toExponential(0)}: IoU ${iou(mask, map.truth).toFixed(3)}, ${fit.steps} steps, ${fit.seconds.toFixed(1)} s, certificate ${fit.certificate.passed ? 'passed' : 'FAILED'}`);
  maskTiles.push(grey(mask));
  // Where each pixel lands under the flow; alternate cells of a square grid there are drawn light and dark.
  const landed = tf.tidy(() => prior.flow().forward(tf.tensor2d(coords, [n * n, 2])).output.dataSync() as Float32Array);
  const outline = maskBoundary(mask, n, n);
  const tile = new Uint8Array(n * n * 3);
  for (let i = 0; i < n * n; i++) {
    const cell = (Math.floor(landed[2 * i]! * GRID_DENSITY) + Math.floor(landed[2 * i + 1]! * GRID_DENSITY)) & 1;
    const rgb: [number, number, number] = outline[i] ? [255, 40, 40] : cell ? [235, 235, 235] : [60, 60, 90];
    tile.set(rgb, 3 * i);
  }
  gridTiles.push(tile);
  prior.dispose();
}

async function row(tiles: Uint8Array[], file: string): Promise<void> {
  const gap = 4;
  await sharp({ create: { width: tiles.length * (n + gap) - gap, height: n, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((t, k) => ({ input: Buffer.from(t), raw: { width: n, height: n, channels: 3 as const }, left: k * (n + gap), top: 0 })))
    .png().toFile(file);
  console.log(`wrote ${path.relative(root, file)}`);
}
await row(maskTiles, path.join(outDir, 'flow_decay_masks.png'));
await row(gridTiles, path.join(outDir, 'flow_decay_grid.png'));
