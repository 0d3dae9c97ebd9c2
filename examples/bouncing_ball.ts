/**
 * Temporal super-resolution with a spatio-temporal path-connected prior: a red ball
 * bouncing on a beach, 8 frames. The prior is fitted in (x, y, t) to the colour
 * likelihood of the even frames only, then asked for the odd ones, which it has never
 * seen. Every frame's mask is one blob by construction (the flow never moves t, so
 * each slice is path-connected); thresholding the likelihood also picks up the ball's
 * reflection in the wet sand and specks.
 *
 *   node dist/examples/bouncing_ball.js
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectedComponents, createPrior, evaluateMask, fitPrior, framesAt, initBackend, iou, readRgb, thresholdMap, writeOverlay } from '../src/index.js';
import { colourUnaries, repoRoot } from './photo_example.js';

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'examples/output');
mkdirSync(outDir, { recursive: true });
const backend = await initBackend();
const frames = await Promise.all(Array.from({ length: 8 }, (_, i) => readRgb(path.join(root, `examples/data/temporal/frame_${i}.png`))));
// The ball is saturated red (R - G near 180); sand and its reflection of the ball are paler.
const maps = frames.map((f) => colourUnaries(f, (r, g) => (r - g - 100) / 12));
const fitted = [0, 2, 4, 6];
const prior = createPrior({ kind: 'pc', inputDim: 3 }, { seed: 0 });
const fit = await fitPrior(prior, framesAt(fitted.map((i) => maps[i]!), fitted), { seed: 0 });
console.log(`backend: ${backend.description}; frames ${frames[0]!.width}x${frames[0]!.height}, fitted on t = ${fitted.join(', ')}`);
console.log(`fit: ${fit.steps} steps, ${fit.seconds.toFixed(1)} s; certificate: ${fit.certificate.property}: ${fit.certificate.violations} violations -> ${fit.certificate.passed ? 'passed' : 'FAILED'}`);
const { height, width } = frames[0]!;
for (let t = 0; t < 8; t++) {
  const mask = evaluateMask(prior, height, width, t);
  const thresholded = thresholdMap(maps[t]!);
  const blobs = connectedComponents(mask, height, width, 8).length;
  const specks = connectedComponents(thresholded, height, width, 8).length;
  console.log(`t = ${t} (${fitted.includes(t) ? 'fitted' : 'unseen'}): IoU with the thresholded frame ${iou(mask, thresholded).toFixed(3)}; prior ${blobs} blob(s), thresholding ${specks} component(s)`);
  await writeOverlay(path.join(outDir, `ball_t${t}_pc_overlay.png`), frames[t]!, mask);
}
console.log(`wrote ${path.relative(process.cwd(), outDir)}/ball_t{0..7}_pc_overlay.png`);
prior.dispose();
