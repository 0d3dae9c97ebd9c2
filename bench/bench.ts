/**
 * npm run bench [-- --json] [-- --reference]
 *
 * Measures, on the backend shapeprior picks (wasm here):
 *  1. one Adam step of the paper's 3x130 ICNN on 65,536 points, with the
 *     explicit-transpose gradient and with tfjs's plain matMul gradient;
 *  2. whole convex fits of 256x256 occluded-ellipse maps with the defaults
 *     (steps to convergence, seconds, IoU against the ground truth), and the first
 *     map once more with random pixels per step (the paper's Monte-Carlo estimate);
 *  3. the demo photo (960x640 crop of tomatoes.jpg), and every other prior kind on a
 *     generated 256x256 map of its own class;
 *  4. with --reference, also the yardstick the speed must not cost quality against:
 *     a fixed 3000-step full-grid fit (every pixel, every step) of the first map
 *     (about an hour on one core).
 * Prints a table, or one JSON object with --json.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { repoRoot } from '../examples/photo_example.js';
import { loadTomatoScene } from '../examples/tomato_scene.js';
import {
  createPrior, evaluateMask, fitPrior, initBackend, iou, occludedEllipse, occludedStar, perforatedSheet, thresholdMap, twoOccludedEllipses,
  type PriorConfigInput, type ProbabilityMap, type SyntheticCase,
} from '../src/index.js';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const withReference = args.has('--reference');
const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const log = (s: string) => { if (!json) process.stderr.write(`${s}\n`); };

interface StepResult { gradient: string; points: number; msPerStep: number; repeats: number }

/** Median ms of one Adam step of the 3x130 ICNN on `points` points. */
function timeTrainStep(points: number, plainGradient: boolean, repeats: number): StepResult {
  const prior = createPrior('convex', { seed: 0 });
  const vars = prior.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const byName = (n: string) => vars.find((v) => v.name.includes(n))!;
  // tfjs's own gradients: the same network written with tf.matMul, reading the same variables.
  const plainScore = (x: tf.Tensor2D) => {
    let z = tf.relu(tf.add(tf.matMul(x, byName('icnn_0/x_kernel')), byName('icnn_0/bias')));
    for (const layer of ['icnn_1', 'icnn_2']) {
      z = tf.relu(tf.add(tf.add(tf.matMul(z, byName(`${layer}/z_kernel`)), tf.matMul(x, byName(`${layer}/x_kernel`))), byName(`${layer}/bias`)));
    }
    return tf.add(tf.add(tf.matMul(z, byName('icnn_out/z_kernel')), tf.matMul(x, byName('icnn_out/x_kernel'))), byName('icnn_out/bias'));
  };
  const x = tf.randomUniform([points, 2], -1, 1, 'float32', 1) as tf.Tensor2D;
  const y = tf.randomUniform([points, 1], 0, 1, 'float32', 2);
  const optimizer = tf.train.adam(1e-3);
  const times: number[] = [];
  for (let i = 0; i < repeats + 1; i++) {
    const t0 = performance.now();
    const loss = optimizer.minimize(() => {
      const f = plainGradient ? plainScore(x) : prior.score(x);
      return tf.mean(tf.squaredDifference(tf.sigmoid(tf.neg(f)), y)) as tf.Scalar;
    }, true, vars)!;
    loss.dataSync();
    loss.dispose();
    prior.applyConstraints();
    if (i > 0) times.push(performance.now() - t0); // the first step includes one-time kernel setup
  }
  x.dispose();
  y.dispose();
  optimizer.dispose();
  prior.dispose();
  return { gradient: plainGradient ? 'tfjs matMul (transposed operands)' : 'explicit transpose (shapeprior)', points, msPerStep: median(times), repeats };
}

interface FitResult { map: string; size: string; steps: number; converged: boolean; seconds: number; msPerStep: number; pointsPerStep: number; iou: number | null; thresholdIou: number | null; peakRssMb: number }

async function timeFit(name: string, map: ProbabilityMap, truth: Uint8Array | null, options: Parameters<typeof fitPrior>[2] = {}, config: PriorConfigInput = 'convex'): Promise<FitResult & { mask: Uint8Array }> {
  const prior = createPrior(config, { seed: 0 });
  const t0 = performance.now();
  const stats = await fitPrior(prior, map, { seed: 0, ...options });
  const mask = evaluateMask(prior, map.height, map.width);
  const seconds = (performance.now() - t0) / 1000;
  prior.dispose();
  return {
    map: name, size: `${map.width}x${map.height}`, steps: stats.steps, converged: stats.converged, seconds,
    msPerStep: (stats.seconds * 1000) / stats.steps, pointsPerStep: stats.pointsPerStep,
    iou: truth ? iou(mask, truth) : null, thresholdIou: truth ? iou(thresholdMap(map), truth) : null, peakRssMb: peakRssMb(), mask,
  };
}

const backend = await initBackend();
log(`backend: ${backend.description}`);
log('timing one train step of the 3x130 ICNN on 65,536 points ...');
const steps = [timeTrainStep(65536, false, 5), timeTrainStep(65536, true, 3), timeTrainStep(4096, false, 20), timeTrainStep(4096, true, 10)];

const fits: Array<FitResult & { mask: Uint8Array }> = [];
for (const seed of [0, 1, 2]) {
  log(`fitting occluded ellipse ${seed} (256x256) ...`);
  const scene = occludedEllipse({ seed });
  fits.push(await timeFit(`occluded ellipse ${seed}`, scene.unaries, scene.truth));
}
log('fitting occluded ellipse 0 with random pixels per step ...');
const first = occludedEllipse({ seed: 0 });
fits.push(await timeFit('occluded ellipse 0, random pixels', first.unaries, first.truth, { sampling: 'pixels' }));
log('fitting the demo photo ...');
const tomato = await loadTomatoScene(root);
fits.push(await timeFit('tomatoes.jpg (upper half)', tomato.unaries, null));

log('fitting every other prior kind on a 256x256 map of its own class ...');
const kinds: Array<[string, PriorConfigInput, SyntheticCase]> = [
  ['star (occluded starfish)', 'star', occludedStar({ seed: 0 })],
  ['radial (occluded starfish)', 'radial', occludedStar({ seed: 0 })],
  ['mirror (occluded starfish)', 'mirror', occludedStar({ seed: 0 })],
  ['rotation k=5 (occluded starfish)', { kind: 'rotation', folds: 5 }, occludedStar({ seed: 0 })],
  ['periodic (perforated sheet)', 'periodic', perforatedSheet({ seed: 0 })],
  ['union of 2 convex (two ellipses)', { kind: 'union', count: 2 }, twoOccludedEllipses({ seed: 0 })],
  // The heaviest kind: G (3x130 ICNN) behind 12 coupling blocks, two training stages.
  ['path-connected (occluded starfish)', 'pc', occludedStar({ seed: 0 })],
];
for (const [name, config, scene] of kinds) fits.push(await timeFit(name, scene.unaries, scene.truth, {}, config));

let reference: (FitResult & { mask: Uint8Array; fastVsReferenceIou: number }) | null = null;
if (withReference) {
  log('reference: 3000 full-grid steps on occluded ellipse 0 (about an hour) ...');
  const scene = occludedEllipse({ seed: 0 });
  // Every pixel every step at the paper's Adam 1e-3, constant (no convergence test).
  const ref = await timeFit('occluded ellipse 0, reference', scene.unaries, scene.truth, { pointsPerStep: 'all', learningRate: 1e-3, maxSteps: 3000, tolerance: 0 });
  reference = { ...ref, fastVsReferenceIou: iou(ref.mask, fits[0]!.mask) };
}

const strip = <T extends { mask: Uint8Array }>({ mask: _mask, ...rest }: T) => rest;
const result = { backend: backend.choice, backendDetail: backend.description, trainStep: steps, fits: fits.map(strip), reference: reference ? strip(reference) : null, peakRssMb: peakRssMb() };

if (json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const f = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));
  console.log(`\nbackend: ${backend.description}\n`);
  console.log('| train step | points | ms/step (median) |\n| --- | --- | --- |');
  for (const s of steps) console.log(`| ${s.gradient} | ${s.points} | ${s.msPerStep.toFixed(1)} |`);
  console.log('\n| fit | size | points/step | ms/step | steps | converged | seconds | IoU | IoU thresholded | peak RSS MB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of [...fits, ...(reference ? [reference] : [])]) {
    console.log(`| ${r.map} | ${r.size} | ${r.pointsPerStep} | ${r.msPerStep.toFixed(1)} | ${r.steps} | ${r.converged} | ${r.seconds.toFixed(2)} | ${f(r.iou)} | ${f(r.thresholdIou)} | ${r.peakRssMb.toFixed(0)} |`);
  }
  if (reference) console.log(`\nIoU(fast fit, reference fit) on ellipse 0: ${reference.fastVsReferenceIou.toFixed(4)}; IoU to truth: fast ${f(fits[0]!.iou, 4)}, reference ${f(reference.iou, 4)}`);
}
