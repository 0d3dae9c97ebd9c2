/**
 * A floor plane in a depth image, from scribbles: green strokes on the floor (and the
 * wall it runs into), red strokes on the person sitting on it. In the image the floor
 * has a person-shaped hole, so it is not convex there; in (x, y, depth) it is a flat
 * slab and the person lies off it. The likelihood comes from the scribbles alone (the
 * nearest scribble in (x, y, depth)); a convex prior in (x, y, depth) turns it into
 * the plane, and a convex prior in the image cannot leave the hole out.
 *
 *   node dist/examples/depth_plane.js
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createPrior, evaluateMask, fitPrior, initBackend, liftedByDepth, probabilityMap, readDepth, writeOverlay, type RgbImage } from '../src/index.js';
import { repoRoot } from './photo_example.js';

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'examples/output');
mkdirSync(outDir, { recursive: true });
const backend = await initBackend();
// Half resolution: the fit's cost does not depend on it, the scribble classifier's does.
const [height, width] = [315, 476];
const depthFull = await readDepth(path.join(root, 'examples/data/depth.png'));
const depth = Float32Array.from((await sharp(path.join(root, 'examples/data/depth.png')).resize(width, height).extractChannel(0).raw().toBuffer()), (v) => v / 255);
const scribbles = await sharp(path.join(root, 'examples/data/depth_scribbles.png')).resize(width, height, { kernel: 'nearest' }).removeAlpha().raw().toBuffer();

// Scribbled pixels as points (x, y, depth); depth weighs more than position (it is what separates the person from the floor).
const DEPTH_WEIGHT = 4;
const fg: number[][] = [];
const bg: number[][] = [];
for (let i = 0; i < width * height; i++) {
  const [r, g, b] = [scribbles[3 * i]!, scribbles[3 * i + 1]!, scribbles[3 * i + 2]!];
  const p = [(i % width) / width, Math.floor(i / width) / width, DEPTH_WEIGHT * depth[i]!];
  if (g > 150 && r < 100 && b < 100) fg.push(p);
  else if (r > 150 && g < 100 && b < 100) bg.push(p);
}
const nearest = (set: number[][], p: number[]) => set.reduce((best, q) => Math.min(best, (p[0]! - q[0]!) ** 2 + (p[1]! - q[1]! ) ** 2 + (p[2]! - q[2]!) ** 2), Infinity);
const stride = (set: number[][]) => set.filter((_, k) => k % 4 === 0);
const [fgS, bgS] = [stride(fg), stride(bg)];
const likelihood = new Float32Array(width * height);
for (let i = 0; i < likelihood.length; i++) {
  const p = [(i % width) / width, Math.floor(i / width) / width, DEPTH_WEIGHT * depth[i]!];
  const df = Math.sqrt(nearest(fgS, p));
  const db = Math.sqrt(nearest(bgS, p));
  likelihood[i] = db / (df + db + 1e-9);
}
const unaries = probabilityMap(height, width, likelihood);

const deep = createPrior({ kind: 'convex', inputDim: 3 }, { seed: 0 });
const fit = await fitPrior(deep, liftedByDepth(unaries, depth), { seed: 0 });
const planeMask = evaluateMask(deep, height, width, depth);
const flat = createPrior('convex', { seed: 0 });
await fitPrior(flat, unaries, { seed: 0 });
const flatMask = evaluateMask(flat, height, width);

const grey: RgbImage = { height, width, data: Uint8Array.from({ length: width * height * 3 }, (_, k) => Math.round(255 * depth[Math.floor(k / 3)]!)) };
await writeOverlay(path.join(outDir, 'depth_plane_convex3d_overlay.png'), grey, planeMask);
await writeOverlay(path.join(outDir, 'depth_plane_convex2d_overlay.png'), grey, flatMask);
const thresholded = Uint8Array.from(likelihood, (v) => (v >= 0.5 ? 1 : 0));
await writeOverlay(path.join(outDir, 'depth_plane_threshold_overlay.png'), grey, thresholded);
// How much of the person (red scribbles' pixels) each mask wrongly includes.
const onPerson = (mask: Uint8Array) => {
  let n = 0;
  let inside = 0;
  for (let i = 0; i < mask.length; i++) {
    if (scribbles[3 * i]! > 150 && scribbles[3 * i + 1]! < 100) {
      n++;
      inside += mask[i]!;
    }
  }
  return inside / n;
};
const count = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);
console.log(`backend: ${backend.description}; depth image ${depthFull.width}x${depthFull.height}, fitted at ${width}x${height}`);
console.log(`scribbles: ${fg.length} floor pixels, ${bg.length} person pixels`);
console.log(`convex in (x, y, depth): ${fit.steps} steps, ${fit.seconds.toFixed(2)} s, ${count(planeMask)} px; certificate ${fit.certificate.violations} violations in ${fit.certificate.checked} -> ${fit.certificate.passed ? 'passed' : 'FAILED'}`);
console.log(`share of the person's scribbled pixels inside the mask: convex (x, y, depth) ${onPerson(planeMask).toFixed(3)}, convex in the image ${onPerson(flatMask).toFixed(3)}, thresholded ${onPerson(thresholded).toFixed(3)}`);
console.log(`wrote ${path.relative(process.cwd(), outDir)}/depth_plane_{convex3d,convex2d,threshold}_overlay.png`);
deep.dispose();
flat.dispose();
