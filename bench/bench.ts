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
 *     (about an hour on one core);
 *  5. joint training (withImplicitPrior, eq. 12) of the example's UNet on 128x128 images,
 *     batch size 1, with the paper's pc prior: ms per step of the plain net step, the
 *     prior update and the bookkeeping (store load/save, callbacks, logging), with a
 *     MemoryPriorStore and a DiskPriorStore. `--joint-only` runs this section alone;
 *  6. batch fitting: 24 maps of 128x128, convex prior, one after another in this process
 *     against fitBatch on 2 worker threads (bench/batch_speed.ts). `--batch-only`;
 *  7. the disk prior store at 100,000 entries (bench/store_scale.ts): fill time, size,
 *     median and p99 of save and load (cached and not). `--store-only`; `--store-entries N`
 *     for another size (the 100,000-entry store takes ~40 GB of temporary disk space).
 *  8. `--polar`: only the polar kinds' benchmark (bench/polar_bench.ts): star, radial, mirror
 *     and rotation priors on generated maps of their class, against thresholding and a
 *     geometric post-processing baseline, on a tuning half and a held-out half.
 *  9. `--speed`: only the convex fit's cost and quality (bench/convex_speed.ts): the whole
 *     CLI call on generated convex maps of 128-1024 px, clean and cluttered, against the
 *     fit as it was before (3x130 net, 3000 cells); `--sizes`, `--per-size`, `--half`,
 *     `--reference` (a long fit as yardstick).
 * 10. `--pc`: only the path-connected prior's benchmark (bench/pc_bench.ts): C, U, S, banana,
 *     spiral, hand and animal maps, against thresholding and, with `--reference`, the
 *     authors' paper recipe on the same maps; `--half`, `--maps`, `--reference-results DIR`.
 * Prints a table, or one JSON object with --json. `npm run bench -- --help` lists the flags
 * (bench/bench_flags.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { repoRoot } from '../examples/photo_example.js';
import { benchBatchSpeed, type BatchSpeed } from './batch_speed.js';
import { benchConvexSpeed, summariseConvexSpeed } from './convex_speed.js';
import { pcBenchOptions, printPcSummary, runPcBench } from './pc_bench.js';
import { polarBenchOptions, printPolarSummary, runPolarBench } from './polar_bench.js';
import { benchStoreScale, type StoreScaleResult } from './store_scale.js';
import { parseBenchFlags } from './bench_flags.js';
import { loadTomatoScene } from '../examples/tomato_scene.js';
import { buildUNet, jointSample, scene as unetScene } from '../examples/unet_finetune.js';
import {
  createPrior, DiskPriorStore, evaluateMask, fitPrior, initBackend, iou, JOINT_DEFAULTS, MemoryPriorStore, occludedEllipse, occludedStar, perforatedSheet, tensorBoard, thresholdMap,
  twoOccludedEllipses, weightedBinaryCrossEntropy, withImplicitPrior,
  type ImplicitPriorTrainer, type JointSample, type PriorConfigInput, type PriorKey, type PriorState, type PriorStore, type ProbabilityMap, type SyntheticCase,
} from '../src/index.js';

const flags = parseBenchFlags(process.argv.slice(2));
const { json, storeEntries } = flags;
const withReference = flags.reference;
const only = (['joint', 'batch', 'store'] as const).filter((section) => flags[`${section}Only`]);
const runs = (section: 'fits' | 'joint' | 'batch' | 'store') => only.length === 0 || (only as string[]).includes(section);
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
if (flags.polar) {
  // The polar kinds' benchmark alone (bench/polar_bench.ts).
  const polar = await runPolarBench(polarBenchOptions(flags, log));
  if (json) process.stdout.write(`${JSON.stringify({ backend: backend.choice, ...polar }, null, 2)}\n`);
  else printPolarSummary(polar.summary);
  process.exit(0);
}
if (flags.pc) {
  // The path-connected prior's benchmark alone (bench/pc_bench.ts).
  const pc = await runPcBench(pcBenchOptions(flags, root, tmpdir(), log));
  if (json) process.stdout.write(`${JSON.stringify({ backend: backend.choice, ...pc }, null, 2)}\n`);
  else printPcSummary(pc.summary);
  process.exit(0);
}
/** The folder of the authors' fit_reference.py (../shared/reference beside the repository, or `dir`), checked. */
function authorsDir(dir: string | undefined): string {
  const found = path.resolve(dir ?? path.join(root, '..', 'shared', 'reference'));
  if (!existsSync(path.join(found, 'fit_reference.py'))) throw new RangeError(`--authors: no fit_reference.py in ${found} (give its folder with --reference-dir)`);
  return found;
}

if (flags.speed) {
  const rows = await benchConvexSpeed({
    sizes: flags.sizes,
    perSize: flags.perSize,
    ...(flags.half !== 'both' ? { half: flags.half } : {}),
    reference: withReference,
    ...(flags.authors ? { authorsDir: authorsDir(flags.referenceDir) } : {}),
    bin: path.join(root, 'dist/src/cli/main.js'),
    log,
  });
  if (json) process.stdout.write(`${JSON.stringify({ backend: backend.choice, rows }, null, 2)}\n`);
  else for (const line of summariseConvexSpeed(rows)) process.stdout.write(`${line}\n`);
  process.exit(0);
}
const steps: StepResult[] = [];
const fits: Array<FitResult & { mask: Uint8Array }> = [];
let reference: (FitResult & { mask: Uint8Array; fastVsReferenceIou: number }) | null = null;
if (runs('fits')) {
  log('timing one train step of the 3x130 ICNN on 65,536 points ...');
  steps.push(timeTrainStep(65536, false, 5), timeTrainStep(65536, true, 3), timeTrainStep(4096, false, 20), timeTrainStep(4096, true, 10));

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

  if (withReference) {
    log('reference: 3000 full-grid steps on occluded ellipse 0 (about an hour) ...');
    const scene = occludedEllipse({ seed: 0 });
    // Every pixel every step at the paper's Adam 1e-3, constant (no convergence test).
    const ref = await timeFit('occluded ellipse 0, reference', scene.unaries, scene.truth, { pointsPerStep: 'all', learningRate: 1e-3, maxSteps: 3000, tolerance: 0 });
    reference = { ...ref, fastVsReferenceIou: iou(ref.mask, fits[0]!.mask) };
  }
}

// ---------------------------------------------------------------------------------------
// 5. Joint training (withImplicitPrior, eq. 12): where the time of one step goes.
// ---------------------------------------------------------------------------------------

const JOINT_SIZE = 128;
/** Images (one prior each); every measured step revisits a prior that exists already. */
const JOINT_IMAGES = 4;
const JOINT_EPOCHS = 4;
/** An image every 8 steps, so that a few fall into the measured steps; reported amortised over the default. */
const JOINT_IMAGE_EVERY = 8;

/** Wraps a PriorStore and adds up the time its loads and saves take. */
class TimedStore implements PriorStore {
  loadMs = 0;
  saveMs = 0;
  constructor(private readonly inner: PriorStore) {}
  async load(id: PriorKey): Promise<PriorState | undefined> {
    const t0 = performance.now();
    try {
      return await this.inner.load(id);
    } finally {
      this.loadMs += performance.now() - t0;
    }
  }
  async save(id: PriorKey, state: PriorState): Promise<void> {
    const t0 = performance.now();
    try {
      await this.inner.save(id, state);
    } finally {
      this.saveMs += performance.now() - t0;
    }
  }
  has(id: PriorKey): Promise<boolean> {
    return this.inner.has(id);
  }
  ids(): Promise<string[]> {
    return this.inner.ids();
  }
  keys(): Promise<PriorKey[]> {
    return this.inner.keys();
  }
  delete(id: PriorKey): Promise<void> {
    return this.inner.delete(id);
  }
}

/** Wraps a callback and adds up the time of its per-batch hooks. */
class TimedCallback extends tf.Callback {
  batchMs = 0;
  constructor(private readonly inner: tf.Callback) {
    super();
  }
  override setModel(model: Parameters<tf.Callback['setModel']>[0]): void {
    this.inner.setModel(model);
  }
  override setParams(params: Parameters<tf.Callback['setParams']>[0]): void {
    this.inner.setParams(params);
  }
  override async onBatchBegin(batch: number, logs?: tf.Logs): Promise<void> {
    const t0 = performance.now();
    await this.inner.onBatchBegin(batch, logs);
    this.batchMs += performance.now() - t0;
  }
  override async onBatchEnd(batch: number, logs?: tf.Logs): Promise<void> {
    const t0 = performance.now();
    await this.inner.onBatchEnd(batch, logs);
    this.batchMs += performance.now() - t0;
  }
  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    await this.inner.onEpochEnd(epoch, logs);
  }
  override async onTrainEnd(logs?: tf.Logs): Promise<void> {
    await this.inner.onTrainEnd(logs);
  }
}

interface JointStepParts { step: number; total: number; load: number; save: number; priorUpdate: number; priorMaps: number; net: number; callback: number; scalars: number; image: number }
interface JointResult {
  store: string;
  measuredSteps: number;
  /** Medians over the measured steps, ms. */
  msPerStep: { total: number; net: number; priorMaps: number; priorUpdate: number; storeLoad: number; storeSave: number; callback: number; scalars: number; bookkeeping: number };
  /** ms of a step that logs the net/prior image, and that amortised over the default imageEvery. */
  imageMs: number;
  imageAmortisedMs: number;
}

/** Median ms of the plain net step (BCE of the point labels, Adam) on one sample; and of the trainer's step with beta = 0. */
async function timePlainStep(sample: JointSample, repeats: number): Promise<{ plain: number; trainerBeta0: number; parameters: number }> {
  const model = buildUNet(JOINT_SIZE);
  const optimizer = tf.train.adam(1e-4);
  const [xs, ys, w] = [tf.expandDims(sample.xs, 0), tf.expandDims(sample.ys, 0), tf.expandDims(sample.weights!, 0)];
  const times: number[] = [];
  for (let i = 0; i < repeats + 3; i++) {
    const t0 = performance.now();
    const loss = optimizer.minimize(() => weightedBinaryCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor, w), true)!;
    loss.dataSync();
    loss.dispose();
    if (i >= 3) times.push(performance.now() - t0); // the first steps set up kernels and the optimiser's slots
  }
  const trainer = withImplicitPrior(model, 'pc', { beta: 0, optimizer: tf.train.adam(1e-4) });
  const beta0: number[] = [];
  for (let i = 0; i < repeats + 3; i++) {
    await trainer.trainStep([sample]);
    if (i >= 3) beta0.push(trainer.lastTimings.total);
  }
  const parameters = model.countParams();
  trainer.dispose();
  tf.dispose([xs, ys, w]);
  optimizer.dispose();
  model.dispose();
  return { plain: median(times), trainerBeta0: median(beta0), parameters };
}

/** Joint steps with the paper's pc prior on `store`, each phase timed; the first visit of each prior is not measured. */
async function timeJointSteps(name: string, inner: PriorStore, samples: JointSample[]): Promise<JointResult> {
  const model = buildUNet(JOINT_SIZE);
  const store = new TimedStore(inner);
  const logDir = mkdtempSync(path.join(tmpdir(), 'shapeprior-bench-logs-'));
  const trainer: ImplicitPriorTrainer = withImplicitPrior(model, 'pc', {
    alpha: 'soft-clip', beta: 1, store, optimizer: tf.train.adam(1e-4), seed: 0, logDir: path.join(logDir, 'trainer'), imageEvery: JOINT_IMAGE_EVERY,
  });
  // A user's callback: per-batch TensorBoard scalars.
  const callback = new TimedCallback(tensorBoard(path.join(logDir, 'callback'), { updateFreq: 'batch' }));
  const parts: JointStepParts[] = [];
  const seen = { load: 0, save: 0, callback: 0 };
  // Runs after the timed callback's onBatchEnd, so the step's own hooks are complete.
  const recorder = new (class extends tf.Callback {
    override async onBatchEnd(): Promise<void> {
      const t = trainer.lastTimings;
      const load = store.loadMs - seen.load;
      const save = store.saveMs - seen.save;
      parts.push({ step: trainer.step, total: t.total + callback.batchMs - seen.callback, load, save, priorUpdate: t.priorUpdate - save, priorMaps: t.priorMaps, net: t.net + t.agreement, callback: callback.batchMs - seen.callback, scalars: t.scalars, image: t.image });
      Object.assign(seen, { load: store.loadMs, save: store.saveMs, callback: callback.batchMs });
    }
  })();
  try {
    // First visits: each prior starts from the net's output (once per sample in a whole training).
    await trainer.fit(samples, { epochs: 1, callbacks: [callback, recorder] });
    parts.length = 0;
    await trainer.fit(samples, { epochs: JOINT_EPOCHS, callbacks: [callback, recorder] });
  } finally {
    await trainer.close();
    model.dispose();
    rmSync(logDir, { recursive: true, force: true });
  }
  const m = (f: (p: JointStepParts) => number) => median(parts.map(f));
  const withImage = parts.filter((p) => (p.step - 1) % JOINT_IMAGE_EVERY === 0);
  const imageMs = withImage.length > 0 ? withImage.reduce((a, p) => a + p.image, 0) / withImage.length : 0;
  const imageAmortisedMs = imageMs / JOINT_DEFAULTS.imageEvery;
  return {
    store: name,
    measuredSteps: parts.length,
    msPerStep: {
      total: m((p) => p.total),
      net: m((p) => p.net), priorMaps: m((p) => p.priorMaps), priorUpdate: m((p) => p.priorUpdate),
      storeLoad: m((p) => p.load), storeSave: m((p) => p.save), callback: m((p) => p.callback), scalars: m((p) => p.scalars),
      bookkeeping: m((p) => p.load + p.save + p.callback + p.scalars) + imageAmortisedMs,
    },
    imageMs,
    imageAmortisedMs,
  };
}

let joint: JointSection | null = null;
if (runs('joint')) joint = await jointSection();

let batch: BatchSpeed | null = null;
if (runs('batch')) {
  log('batch fitting: 24 maps of 128x128, convex prior, one after another, then on 2 worker threads ...');
  batch = await benchBatchSpeed(24, 128, 2);
}

let store: StoreScaleResult | null = null;
if (runs('store')) {
  log(`disk prior store: ${storeEntries} entries of the convex prior (weights + Adam moments) ...`);
  store = await benchStoreScale({ entries: storeEntries, log });
}

type JointSection = Awaited<ReturnType<typeof jointSection>>;
async function jointSection() {
  log(`joint training: UNet on ${JOINT_SIZE}x${JOINT_SIZE}, batch size 1, pc prior, ${JOINT_IMAGES} images x ${JOINT_EPOCHS} epochs per store ...`);
  const jointSamples = Array.from({ length: JOINT_IMAGES }, (_, i) => jointSample(unetScene(i, 'finetune', JOINT_SIZE), i, `bench-${i}`));
  const plainStep = await timePlainStep(jointSamples[0]!, 20);
  const diskDirs = [mkdtempSync(path.join(tmpdir(), 'shapeprior-bench-store-')), mkdtempSync(path.join(tmpdir(), 'shapeprior-bench-store-'))];
  const jointRuns: JointResult[] = [];
  try {
    jointRuns.push(await timeJointSteps('MemoryPriorStore', new MemoryPriorStore(), jointSamples));
    jointRuns.push(await timeJointSteps('DiskPriorStore (LRU cache)', await DiskPriorStore.open(diskDirs[0]!), jointSamples));
    // Every load from the file, as when the priors outnumber the cache.
    jointRuns.push(await timeJointSteps('DiskPriorStore (no cache)', await DiskPriorStore.open(diskDirs[1]!, { cacheEntries: 0 }), jointSamples));
  } finally {
    for (const dir of diskDirs) rmSync(dir, { recursive: true, force: true });
    tf.dispose(jointSamples.flatMap((s) => [s.xs, s.ys, s.weights!]));
  }
  return {
    size: `${JOINT_SIZE}x${JOINT_SIZE}`, batchSize: 1, prior: 'pc', unetParameters: plainStep.parameters,
    priorStepsPerVisit: JOINT_DEFAULTS.priorStepsPerVisit, priorPoints: JOINT_DEFAULTS.priorPoints, imageEvery: JOINT_DEFAULTS.imageEvery,
    plainStepMs: plainStep.plain, trainerBeta0StepMs: plainStep.trainerBeta0,
    runs: jointRuns.map((r) => ({ ...r, bookkeepingOverPlainStep: r.msPerStep.bookkeeping / plainStep.plain })),
  };
}

const strip = <T extends { mask: Uint8Array }>({ mask: _mask, ...rest }: T) => rest;
const result = { backend: backend.choice, backendDetail: backend.description, trainStep: steps, fits: fits.map(strip), reference: reference ? strip(reference) : null, joint, batch, store, peakRssMb: peakRssMb() };

if (json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  console.log(`\nbackend: ${backend.description}\n`);
  if (runs('fits')) printFitTables();
  if (joint) printJointTable(joint);
  if (batch) printBatch(batch);
  if (store) printStore(store);
}

function printFitTables(): void {
  const f = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));
  console.log('| train step | points | ms/step (median) |\n| --- | --- | --- |');
  for (const s of steps) console.log(`| ${s.gradient} | ${s.points} | ${s.msPerStep.toFixed(1)} |`);
  console.log('\n| fit | size | points/step | ms/step | steps | converged | seconds | IoU | IoU thresholded | peak RSS MB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of [...fits, ...(reference ? [reference] : [])]) {
    console.log(`| ${r.map} | ${r.size} | ${r.pointsPerStep} | ${r.msPerStep.toFixed(1)} | ${r.steps} | ${r.converged} | ${r.seconds.toFixed(2)} | ${f(r.iou)} | ${f(r.thresholdIou)} | ${r.peakRssMb.toFixed(0)} |`);
  }
  if (reference) console.log(`\nIoU(fast fit, reference fit) on ellipse 0: ${reference.fastVsReferenceIou.toFixed(4)}; IoU to truth: fast ${f(fits[0]!.iou, 4)}, reference ${f(reference.iou, 4)}`);
}

function printJointTable(joint: JointSection): void {
  const jointRuns = joint.runs;
  const rows: Array<[string, (r: JointResult) => number]> = [
    ['net step inside the joint step (weak loss + MSE, Adam, agreement IoU)', (r) => r.msPerStep.net],
    ['prior maps sigma(-F) on the grid (the penalty\'s targets)', (r) => r.msPerStep.priorMaps],
    [`(b) prior update (${joint.priorStepsPerVisit} Adam steps on ${joint.priorPoints} points + labelled pixels), store save excluded`, (r) => r.msPerStep.priorUpdate],
    ['store load', (r) => r.msPerStep.storeLoad],
    ['store save', (r) => r.msPerStep.storeSave],
    ['callback (tensorBoard, updateFreq batch)', (r) => r.msPerStep.callback],
    ['logging: scalars (logDir)', (r) => r.msPerStep.scalars],
    [`logging: net/prior image, amortised over imageEvery = ${joint.imageEvery}`, (r) => r.imageAmortisedMs],
    ['(c) bookkeeping = store load + save + callback + logging', (r) => r.msPerStep.bookkeeping],
    ['whole joint step (trainStep and the callback)', (r) => r.msPerStep.total],
  ];
  console.log(`\njoint training (withImplicitPrior): UNet (${joint.unetParameters} parameters) on ${joint.size}, batch size 1, pc prior (12 blocks + 3x130 ICNN); median ms per step over ${jointRuns[0]!.measuredSteps} steps, each revisiting one of ${JOINT_IMAGES} priors`);
  console.log(`(a) plain net step (BCE of the point labels, Adam, optimizer.minimize): ${joint.plainStepMs.toFixed(1)} ms; the trainer's step with beta = 0: ${joint.trainerBeta0StepMs.toFixed(1)} ms\n`);
  console.log(`| part | ${jointRuns.map((r) => r.store).join(' | ')} |\n| --- |${jointRuns.map(() => ' --- |').join('')}`);
  for (const [label, value] of rows) console.log(`| ${label} | ${jointRuns.map((r) => value(r).toFixed(1)).join(' | ')} |`);
  console.log(`| (c) / (a) | ${joint.runs.map((r) => `${(100 * r.bookkeepingOverPlainStep).toFixed(1)}%`).join(' | ')} |`);
  console.log(`\none image log: ${jointRuns.map((r) => `${r.imageMs.toFixed(1)} ms (${r.store})`).join(', ')}`);
}

function printBatch(b: BatchSpeed): void {
  console.log(`\nbatch fitting: ${b.maps} maps of ${b.size}, convex prior, ${b.cores} cores`);
  console.log('| run | seconds |\n| --- | --- |');
  console.log(`| one after another, one process | ${b.sequentialSeconds.toFixed(1)} |`);
  console.log(`| fitBatch, ${b.workers} worker threads (start-up included) | ${b.batchSeconds.toFixed(1)} |`);
  console.log(`| ratio (target <= 0.6) | ${b.ratio.toFixed(2)} |`);
  console.log(`masks identical in both runs: ${b.identicalMasks} of ${b.maps}`);
}

function printStore(r: StoreScaleResult): void {
  const l = (x: { medianMs: number; p99Ms: number }) => `${x.medianMs.toFixed(2)} / ${x.p99Ms.toFixed(2)}`;
  console.log(`\ndisk prior store: ${r.entries} entries of ${(r.entryBytes / 1024).toFixed(0)} KiB (${r.compression}), ${(r.diskBytes / 2 ** 30).toFixed(1)} GiB on disk, filled in ${r.fillSeconds.toFixed(0)} s`);
  console.log('| op | median / p99 ms |\n| --- | --- |');
  console.log(`| save | ${l(r.save)} |\n| load, not cached | ${l(r.loadUncached)} |\n| load, cached | ${l(r.loadCached)} |`);
}
