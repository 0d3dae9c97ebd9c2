/**
 * The paper's Appendix C setting (eq. 17), scaled down: a small UNet is pretrained with
 * full labels, saved and loaded back, then fine-tuned on another set of images from
 * sparse point labels only, jointly with one path-connected prior per image (batch
 * size 1, Adam 1e-4, alpha soft-clipped). The same fine-tuning with beta = 0 (weak
 * labels alone) is the comparison.
 *
 * The images: one object per 64x64 photo-like image, a wavy blob or a bent tube (path-
 * connected, not convex), textured, on a textured background with clutter, and in the
 * fine-tuning set crossed by a bar of background colour. The ground truth is the whole
 * object, the occluded band included. The pretraining set has no bars and other colours:
 * fine-tuning adapts the net to a new domain, and the point labels say nothing about the
 * occluded band, which a path-connected prior must bridge.
 *
 * The comparison that counts is on held-out images of the fine-tuning domain that no
 * prior ever saw (the net must have learnt to bridge bars, not only been told where on
 * its training images), over seeds: seed s draws the point labels and the priors' random
 * pixels. About 2 minutes per seed on one wasm core after a 2-minute pretraining, half
 * of it in the priors' one-time starts.
 *
 * `--beta B` sets the joint run's weight of the priors' penalty (default 3, JOINT_BETA);
 * `--validation` measures on another 16 images of the domain (scenes 3000+ instead of
 * 2000+): the settings below were chosen there, without looking at the held-out images.
 *
 *   npx tsc -p . && node dist/examples/unet_finetune.js [--seeds 3] [--beta 3] [--validation]
 *   tensorboard --logdir examples/output/unet_logs
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import seedrandom from 'seedrandom';
import { integerIn, numberIn } from '../src/cli/parse_flags.js';
import {
  connectedComponents, DiskPriorStore, evaluateMask, gridCoordinates, initBackend, iou, withImplicitPrior, writeOverlay, writeWeights,
  type JointSample, type PriorConfigInput, type RgbImage,
} from '../src/index.js';
import { repoRoot } from './photo_example.js';

const SIZE = 64;
const PRETRAIN_IMAGES = 96;
const PRETRAIN_EPOCHS = 12;
const FINETUNE_IMAGES = 24;
const FINETUNE_EPOCHS = 10;
/**
 * Epochs on the point labels alone before the priors start (in both runs): each prior
 * starts from the net's output for its image, which is useless before the net has
 * seen the new domain's labels.
 */
const WARMUP_EPOCHS = 2;
/** Point labels per fine-tuning image: inside the visible object, and on the background. */
const FOREGROUND_POINTS = 8;
const BACKGROUND_POINTS = 16;
/**
 * A lighter pc prior than the paper's (12 blocks, 3x130 ICNN): 6 blocks and a 3x64
 * ICNN keep the whole run within minutes on one wasm core; the guarantee is the same.
 * 100 unbending steps for each image's start (the default, 400, is for 128 px fits; ~20
 * ms a step): measured on six of these images with a net-like map held fixed, they
 * start as well as 400 (IoU with the truth 0.639 vs 0.622) at 2.0 s instead of 8.4 s.
 */
const PRIOR: PriorConfigInput = { kind: 'pc', width: 64, blocks: 6, startSteps: 100 };
/**
 * Prior steps per visit and random pixels per step (lr 1e-2): the cheapest setting whose
 * gain on the validation images (`--validation`, beta 3, three seeds; net IoU over beta =
 * 0) stayed within noise of the best, with the steady joint step at most twice a plain one
 * (80-81 ms). 10 steps on 1,024 pixels +0.051 +- 0.011, ~500 ms; 3 on 1,024 +0.050 +-
 * 0.010, ~235 ms; 2 on 512 +0.048 +- 0.010, 144-153 ms; 1 on 1,024 (50-step start) +0.037
 * +- 0.012, ~157 ms. What the net learns from the priors is to bridge the bars, which the
 * priors do from their start (89-93% of the band, whatever the steps); their IoU as masks
 * falls with fewer steps (0.736 with 10, 0.679 with 3, 0.653 with 2 on 512 pixels), so a
 * run whose priors are wanted as pseudo-labels (`exportMasks`) should give them more. A
 * step costs 23 ms on wasm on 512 pixels, 32 ms on 1,024, 83 ms on 4,096: on few pixels
 * it is mostly the ~1,000 kernels of the flow's forward, backward and Adam update.
 */
const PRIOR_STEPS_PER_VISIT = 2;
const PRIOR_POINTS = 512;
/**
 * The priors' weight in the joint run, chosen on the validation images (`--validation`,
 * seed 0, 10 prior steps a visit; net IoU against 0.739 with beta = 0): beta 1 0.769, 3
 * 0.790, 6 0.790 (but at 6 the fine-tuning images' own masks fall below beta = 0: 0.747
 * vs 0.755, and the priors to 0.700). The net follows the priors across the bars more as
 * beta grows (occluded band marked: 39%, 63%, 73%).
 */
const JOINT_BETA = 3;
/** Held-out images of the fine-tuning domain: never trained on, no prior. */
const HELD_OUT_IMAGES = 16;
/** Samples written as overlay PNGs (first seed). */
const OVERLAYS = 3;

/** One generated image: the network input, the photo for overlays, the truth and what is visible of it. */
export interface Scene {
  input: Float32Array;
  photo: RgbImage;
  truth: Uint8Array;
  visible: Uint8Array;
}

export type Domain = 'pretrain' | 'finetune';

/** Hue (0..1), saturation, value to RGB in [0, 1]. */
function hsv(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/**
 * The object's indicator in frame coordinates: a blob r(t) = r0 (1 + a2 cos 2t + a3 cos 3t)
 * (dented, not convex) or a thick circular arc (a bent tube, not even star-shaped about
 * its centroid). Both are path-connected without holes.
 */
function randomShape(rng: () => number): { inside: (x: number, y: number) => boolean; cx: number; cy: number } {
  const cx = 0.3 * (rng() - 0.5);
  const cy = 0.3 * (rng() - 0.5);
  if (rng() < 0.5) {
    const r0 = 0.38 + 0.12 * rng();
    const [a2, a3] = [0.12 + 0.12 * rng(), 0.12 + 0.12 * rng()];
    const [p2, p3] = [2 * Math.PI * rng(), 2 * Math.PI * rng()];
    return { cx, cy, inside: (x, y) => {
      const t = Math.atan2(y - cy, x - cx);
      return Math.hypot(x - cx, y - cy) <= r0 * (1 + a2 * Math.cos(2 * t + p2) + a3 * Math.cos(3 * t + p3));
    } };
  }
  const radius = 0.35 + 0.12 * rng();
  const half = 0.14 + 0.05 * rng();
  const span = Math.PI * (0.9 + 0.5 * rng());
  const start = 2 * Math.PI * rng();
  // The arc's circle is centred so that the arc's midpoint lies near (cx, cy).
  const mid = start + span / 2;
  const [ox, oy] = [cx - 0.5 * radius * Math.cos(mid), cy - 0.5 * radius * Math.sin(mid)];
  return { cx, cy, inside: (x, y) => {
    const t = ((Math.atan2(y - oy, x - ox) - start) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI);
    const ring = Math.abs(Math.hypot(x - ox, y - oy) - radius) <= half;
    const capA = Math.hypot(x - ox - radius * Math.cos(start), y - oy - radius * Math.sin(start)) <= half;
    const capB = Math.hypot(x - ox - radius * Math.cos(start + span), y - oy - radius * Math.sin(start + span)) <= half;
    return (ring && t <= span) || capA || capB;
  } };
}

/**
 * A photo-like scene: a smooth, noisy background, a few clutter blobs (some of the
 * object's hue), the striped and noisy object, and in the fine-tuning domain a bar of
 * background colour across the object. The domains differ in colours and occlusion.
 */
export function scene(seed: number, domain: Domain, size = SIZE): Scene {
  const rng = seedrandom(`unet-${domain}-${seed}`);
  const shape = randomShape(rng);
  const fine = domain === 'finetune';
  const objectColour = fine ? hsv(0.02 + 0.08 * rng(), 0.5 + 0.3 * rng(), 0.55 + 0.3 * rng()) : hsv(0.95 + 0.08 * rng(), 0.6 + 0.3 * rng(), 0.6 + 0.3 * rng());
  const backColour = fine ? hsv(0.35 + 0.2 * rng(), 0.25 + 0.3 * rng(), 0.3 + 0.3 * rng()) : hsv(0.25 + 0.15 * rng(), 0.3 + 0.3 * rng(), 0.25 + 0.3 * rng());
  const clutter = Array.from({ length: 3 }, () => ({ x: 2 * rng() - 1, y: 2 * rng() - 1, r: 0.06 + 0.08 * rng(), colour: rng() < 0.5 ? objectColour.map((c) => c * (0.7 + 0.3 * rng())) : hsv(rng(), 0.5, 0.5 + 0.4 * rng()) }));
  const barAngle = Math.PI * rng();
  const barOffset = 0.1 * (rng() - 0.5);
  const barHalf = 0.06 + 0.03 * rng();
  const [wx, wy, wp] = [3 + 4 * rng(), 3 + 4 * rng(), 2 * Math.PI * rng()];
  const stripe = { angle: Math.PI * rng(), freq: 14 + 10 * rng() };
  const noise = fine ? 0.1 : 0.07;
  const coords = gridCoordinates(size, size);
  const n = size * size;
  const input = new Float32Array(n * 3);
  const truth = new Uint8Array(n);
  const visible = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!;
    const y = coords[2 * i + 1]!;
    const shade = 0.12 * Math.sin(wx * x + wp) * Math.cos(wy * y);
    let rgb = backColour.map((c) => c + shade);
    for (const b of clutter) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2 && !shape.inside(x, y)) rgb = [...b.colour];
    truth[i] = shape.inside(x, y) ? 1 : 0;
    const barred = fine && Math.abs((x - shape.cx) * Math.cos(barAngle) + (y - shape.cy) * Math.sin(barAngle) - barOffset) < barHalf;
    if (truth[i] && !barred) {
      visible[i] = 1;
      const s = 0.1 * Math.sin(stripe.freq * (x * Math.cos(stripe.angle) + y * Math.sin(stripe.angle)));
      rgb = objectColour.map((c) => c + s);
    }
    for (let c = 0; c < 3; c++) input[3 * i + c] = Math.min(1, Math.max(0, rgb[c]! + noise * (rng() + rng() - 1)));
  }
  const photo = { width: size, height: size, data: Uint8Array.from(input, (v) => Math.round(255 * v)) };
  return { input, photo, truth, visible };
}

/** Sparse point labels: single pixels of the visible object (1) and of the background (0), weight 1, unlabelled 0. */
export function pointLabels(s: Scene, seed: number): { labels: Float32Array; weights: Float32Array } {
  const rng = seedrandom(`points-${seed}`);
  const n = s.truth.length;
  const labels = new Float32Array(n);
  const weights = new Float32Array(n);
  const pick = (where: (i: number) => boolean, count: number, label: number) => {
    const pool: number[] = [];
    for (let i = 0; i < n; i++) if (where(i)) pool.push(i);
    for (let k = 0; k < count && pool.length > 0; k++) {
      const i = pool.splice(Math.floor(rng() * pool.length), 1)[0]!;
      labels[i] = label;
      weights[i] = 1;
    }
  };
  pick((i) => s.visible[i] === 1, FOREGROUND_POINTS, 1);
  pick((i) => s.truth[i] === 0, BACKGROUND_POINTS, 0);
  return { labels, weights };
}

/**
 * A two-level UNet of stride-1 3x3 convolutions: max-pooling down, up-sampling plus a
 * convolution up (tfjs-backend-wasm trains conv2d with strides 1 only, so no strided or
 * transposed convolutions).
 */
export function buildUNet(size = SIZE): tf.LayersModel {
  // Seeded initialisers: the same net, hence the same numbers, on every run (tfjs takes seed 0 as no seed).
  let seed = 1;
  const conv = (filters: number, x: tf.SymbolicTensor, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed++ }), name }).apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const e1 = conv(8, conv(8, input, 'enc1a'), 'enc1b');
  const e2 = conv(16, conv(16, tf.layers.maxPooling2d({ poolSize: 2 }).apply(e1) as tf.SymbolicTensor, 'enc2a'), 'enc2b');
  const mid = conv(32, conv(32, tf.layers.maxPooling2d({ poolSize: 2 }).apply(e2) as tf.SymbolicTensor, 'mida'), 'midb');
  const u2 = conv(16, tf.layers.upSampling2d({ size: [2, 2] }).apply(mid) as tf.SymbolicTensor, 'up2');
  const d2 = conv(16, tf.layers.concatenate().apply([u2, e2]) as tf.SymbolicTensor, 'dec2');
  const u1 = conv(8, tf.layers.upSampling2d({ size: [2, 2] }).apply(d2) as tf.SymbolicTensor, 'up1');
  const d1 = conv(8, tf.layers.concatenate().apply([u1, e1]) as tf.SymbolicTensor, 'dec1');
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'mask' }).apply(d1) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'unet' });
}

/** A fine-tuning sample for the trainer: the image and its point labels (the caller owns the tensors). */
export function jointSample(s: Scene, seed: number, id: string): JointSample {
  const size = s.photo.width;
  const { labels, weights } = pointLabels(s, seed);
  return { id, xs: tf.tensor3d(s.input, [size, size, 3]), ys: tf.tensor3d(labels, [size, size, 1]), weights: tf.tensor3d(weights, [size, size, 1]) };
}

/** The net's masks (output >= 0.5), one per scene. */
function netMasks(model: tf.LayersModel, scenes: Scene[]): Uint8Array[] {
  return scenes.map((s) => tf.tidy(() => {
    const p = model.predict(tf.tensor4d(s.input, [1, s.photo.height, s.photo.width, 3])) as tf.Tensor;
    return Uint8Array.from(p.dataSync(), (v) => (v >= 0.5 ? 1 : 0));
  }));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanIou = (masks: Uint8Array[], scenes: Scene[]) => mean(masks.map((m, i) => iou(m, scenes[i]!.truth)));

/** A 4x nearest-neighbour enlargement, so that 64x64 overlays are legible. */
function enlarge<T extends Uint8Array>(data: T, channels: number, factor = 4): T {
  const size = SIZE * factor;
  const out = new (data.constructor as new (n: number) => T)(size * size * channels);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const from = (Math.floor(r / factor) * SIZE + Math.floor(c / factor)) * channels;
      for (let k = 0; k < channels; k++) out[(r * size + c) * channels + k] = data[from + k]!;
    }
  }
  return out;
}

/**
 * `epochEnds`: seconds from the start of training at the end of each epoch (the IoU
 * evaluations between epochs excluded); `phases`: the trainer's timings of a step (ms,
 * JointStepTimings) summed over the epochs after the priors' first visit.
 */
interface RunResult { before: Uint8Array[]; after: Uint8Array[]; heldOutAfter: Uint8Array[]; priors: Uint8Array[] | null; seconds: number; steps: number; epochEnds: number[]; phases: Record<string, number> }

/** Fine-tunes a fresh load of the pretrained net on the point labels, with the priors' penalty weighted by beta. */
async function fineTune(beta: number, modelUrl: string, scenes: Scene[], samples: JointSample[], logDir: string, seed: number, heldOut: Scene[]): Promise<RunResult> {
  const model = await tf.loadLayersModel(modelUrl);
  const before = netMasks(model, scenes);
  const storeDir = mkdtempSync(path.join(tmpdir(), 'unet-priors-'));
  const store = await DiskPriorStore.open(storeDir);
  const trainer = withImplicitPrior(model, PRIOR, {
    alpha: 'soft-clip', beta, store, optimizer: tf.train.adam(1e-4), warmupSteps: WARMUP_EPOCHS * samples.length,
    priorStepsPerVisit: PRIOR_STEPS_PER_VISIT, priorPoints: PRIOR_POINTS, seed, logDir, imageEvery: samples.length,
  });
  const start = performance.now();
  const epochEnds: number[] = [];
  let evaluating = 0;
  const phases: Record<string, number> = {};
  const progress = new (class extends tf.Callback {
    override async onBatchEnd(): Promise<void> {
      if (epochEnds.length <= WARMUP_EPOCHS) return;
      for (const [k, ms] of Object.entries(trainer.lastTimings)) phases[k] = (phases[k] ?? 0) + ms;
    }
    override async onEpochEnd(epoch: number, logs: tf.Logs = {}): Promise<void> {
      const evalStart = performance.now();
      epochEnds.push((evalStart - start - evaluating) / 1000);
      const show = (k: string) => (Number.isFinite(logs[k]) ? (logs[k] as number).toFixed(3) : '-');
      const netIou = meanIou(netMasks(model, scenes), scenes);
      console.log(`  seed ${seed}, beta ${beta}, epoch ${epoch + 1}: net IoU ${netIou.toFixed(3)} (other images ${meanIou(netMasks(model, heldOut), heldOut).toFixed(3)}), weak loss ${show('weak_loss')}, MSE net-prior ${show('agreement_mse')}, alpha ${show('alpha')}, agreement IoU ${show('agreement_iou')}; ${((performance.now() - start) / 1000).toFixed(1)} s`);
      evaluating += performance.now() - evalStart;
    }
  })();
  const { history } = await trainer.fit(samples, { epochs: FINETUNE_EPOCHS, batchSize: 1, callbacks: [progress] });
  const seconds = (performance.now() - start) / 1000;
  const after = netMasks(model, scenes);
  const heldOutAfter = netMasks(model, heldOut);
  let priors: Uint8Array[] | null = null;
  if (beta > 0) {
    // Each image's prior as stored after its last visit, loaded into the trainer's working prior.
    priors = [];
    for (const s of samples) {
      const state = await store.load(s.id);
      if (!state) throw new Error(`no stored prior for ${s.id}`);
      writeWeights(trainer.priors.prior, state.weights, `prior of ${s.id}`);
      priors.push(evaluateMask(trainer.priors.prior, SIZE, SIZE));
    }
  }
  await trainer.close();
  model.dispose();
  rmSync(storeDir, { recursive: true, force: true });
  return { before, after, heldOutAfter, priors, seconds, steps: history.length * samples.length, epochEnds, phases };
}

async function main(): Promise<void> {
  const started = performance.now();
  const { seeds, beta, validation } = new Command('unet_finetune')
    .description('fine-tunes a pretrained UNet from point labels with per-image pc priors: beta = 0 against joint')
    .option('--seeds <n>', 'runs of each setting', integerIn(1, 100), 3)
    .option('--beta <x>', "the priors' weight in the joint run", numberIn(0, 1e6, { exclusiveMin: true }), JOINT_BETA)
    .option('--validation', 'measure on the validation images (used to choose the settings) instead of the held-out ones', false)
    .parse()
    .opts<{ seeds: number; beta: number; validation: boolean }>();
  const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
  const outDir = path.join(root, 'examples/output');
  const logRoot = path.join(outDir, 'unet_logs');
  const modelDir = path.join(outDir, 'unet_pretrained');
  // Old runs would mix their event files into the new curves.
  rmSync(logRoot, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true });
  const backend = await initBackend();
  console.log(`backend: ${backend.description}`);

  const pretrainScenes = Array.from({ length: PRETRAIN_IMAGES }, (_, i) => scene(i, 'pretrain'));
  const heldOut = Array.from({ length: 16 }, (_, i) => scene(1000 + i, 'pretrain'));
  const fineScenes = Array.from({ length: FINETUNE_IMAGES }, (_, i) => scene(i, 'finetune'));
  console.log(`data: ${PRETRAIN_IMAGES} pretraining images with full labels, ${FINETUNE_IMAGES} fine-tuning images with ${FOREGROUND_POINTS} + ${BACKGROUND_POINTS} labelled pixels each, ${SIZE}x${SIZE}`);

  // Pretraining with full labels, then a save / load round trip as between two sessions.
  const pretrained = buildUNet();
  pretrained.compile({ optimizer: tf.train.adam(3e-3), loss: 'binaryCrossentropy' });
  const stack = (pick: (s: Scene) => ArrayLike<number>, channels: number) => {
    const data = new Float32Array(pretrainScenes.length * SIZE * SIZE * channels);
    pretrainScenes.forEach((s, i) => data.set(pick(s), i * SIZE * SIZE * channels));
    return tf.tensor4d(data, [pretrainScenes.length, SIZE, SIZE, channels]);
  };
  const [xs, ys] = [stack((s) => s.input, 3), stack((s) => s.truth, 1)];
  const pretrainStart = performance.now();
  // No shuffling (tfjs shuffles with Math.random): the scenes are drawn at random already, and the run stays reproducible.
  const fitted = await pretrained.fit(xs, ys, { epochs: PRETRAIN_EPOCHS, batchSize: 8, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
  const losses = fitted.history['loss'] as number[];
  console.log(`pretraining: ${PRETRAIN_EPOCHS} epochs, ${((performance.now() - pretrainStart) / 1000).toFixed(1)} s, BCE ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}; IoU on ${heldOut.length} held-out pretraining-domain images ${meanIou(netMasks(pretrained, heldOut), heldOut).toFixed(3)}`);
  await pretrained.save(`file://${modelDir}`);
  pretrained.dispose();
  const modelUrl = `file://${modelDir}/model.json`;
  console.log(`saved to and loaded from ${path.relative(process.cwd(), modelDir)}/model.json`);

  const heldOutFine = Array.from({ length: HELD_OUT_IMAGES }, (_, i) => scene((validation ? 3000 : 2000) + i, 'finetune'));
  const heldOutName = validation ? 'validation' : 'held-out';
  console.log(`fine-tuning: ${FINETUNE_EPOCHS} epochs (the first ${WARMUP_EPOCHS} on the point labels alone), batch size 1, Adam 1e-4, alpha soft-clip, prior ${JSON.stringify(PRIOR)} with ${PRIOR_STEPS_PER_VISIT} steps per visit on ${PRIOR_POINTS} pixels; seeds ${seeds}; net IoU also on ${HELD_OUT_IMAGES} ${heldOutName} fine-tuning-domain images`);
  const perSeed: Array<{ weakOnly: number; joint: number; weakOnlyTrain: number; jointTrain: number; priors: number }> = [];
  for (let seed = 0; seed < seeds; seed++) {
    // Seed 0 keeps the labels of the single-seed runs (point labels of image i drawn with seed i).
    const samples = fineScenes.map((s, i) => jointSample(s, i + 1000 * seed, `image-${i}`));
    const joint = await fineTune(beta, modelUrl, fineScenes, samples, path.join(logRoot, `seed${seed}_joint_beta${beta}`), seed, heldOutFine);
    const weakOnly = await fineTune(0, modelUrl, fineScenes, samples, path.join(logRoot, `seed${seed}_weak_labels_only_beta0`), seed, heldOutFine);
    tf.dispose(samples.flatMap((s) => [s.xs, s.ys, s.weights!]));
    const priors = joint.priors!;
    perSeed.push({ weakOnly: meanIou(weakOnly.heldOutAfter, heldOutFine), joint: meanIou(joint.heldOutAfter, heldOutFine), weakOnlyTrain: meanIou(weakOnly.after, fineScenes), jointTrain: meanIou(joint.after, fineScenes), priors: meanIou(priors, fineScenes) });

    const split = (masks: Uint8Array[], scenes = fineScenes) => `${meanIou(masks, scenes).toFixed(3)}  (${masks.filter((m) => connectedComponents(m, SIZE, SIZE, 8).length !== 1).length} of ${masks.length} masks not one component)`;
    // After the first joint epoch every prior has started: the later epochs are the steady cost of a step.
    const steadySteps = (FINETUNE_EPOCHS - WARMUP_EPOCHS - 1) * samples.length;
    const steady = (r: RunResult) => (1000 * (r.epochEnds.at(-1)! - r.epochEnds[WARMUP_EPOCHS]!)) / steadySteps;
    const phaseText = (r: RunResult) => Object.entries(r.phases)
      .filter(([k, ms]) => k !== 'total' && ms > 0).map(([k, ms]) => `${k} ${(ms / steadySteps).toFixed(0)}`).join(', ');
    const rate = (r: RunResult) => `${r.seconds.toFixed(1)} s, ${((1000 * r.seconds) / r.steps).toFixed(0)} ms/step (${steady(r).toFixed(0)} ms/step in epochs ${WARMUP_EPOCHS + 2}-${FINETUNE_EPOCHS}: ${phaseText(r)})`;
    console.log(`\nseed ${seed}: mean IoU with the ground truth (occluded band included)`);
    console.log(`  on the ${FINETUNE_IMAGES} fine-tuning images (the priors' own):`);
    console.log(`    net before fine-tuning:                      ${split(joint.before)}`);
    console.log(`    net after, point labels only (beta = 0):     ${split(weakOnly.after)}; ${rate(weakOnly)}`);
    console.log(`    net after, joint with pc priors (beta = ${beta}):  ${split(joint.after)}; ${rate(joint)}`);
    console.log(`    the images' pc priors (beta = ${beta} run):        ${split(priors)}`);
    console.log(`  on the ${HELD_OUT_IMAGES} ${heldOutName} fine-tuning-domain images (no prior, never trained on):`);
    console.log(`    net after, point labels only (beta = 0):     ${split(weakOnly.heldOutAfter, heldOutFine)}`);
    console.log(`    net after, joint with pc priors (beta = ${beta}):  ${split(joint.heldOutAfter, heldOutFine)}`);
    const band = (masks: Uint8Array[]) => {
      let [inBand, covered] = [0, 0];
      masks.forEach((m, i) => fineScenes[i]!.truth.forEach((t, p) => {
        if (t && !fineScenes[i]!.visible[p]) [inBand, covered] = [inBand + 1, covered + m[p]!];
      }));
      return `${((100 * covered) / inBand).toFixed(0)}%`;
    };
    console.log(`  occluded band marked as object (fine-tuning images): net before ${band(joint.before)}, point labels only ${band(weakOnly.after)}, joint ${band(joint.after)}, priors ${band(priors)}`);

    if (seed === 0) {
      for (let i = 0; i < OVERLAYS; i++) {
        const s = fineScenes[i]!;
        const photo = { width: 4 * SIZE, height: 4 * SIZE, data: enlarge(s.photo.data, 3) };
        const masks: Array<[string, Uint8Array]> = [['truth', s.truth], ['net_before', joint.before[i]!], ['net_weak_only', weakOnly.after[i]!], ['net_joint', joint.after[i]!], ['prior', priors[i]!]];
        for (const [name, mask] of masks) await writeOverlay(path.join(outDir, `unet_${i}_${name}.png`), photo, enlarge(mask, 1));
      }
      console.log(`wrote ${path.relative(process.cwd(), outDir)}/unet_{0..${OVERLAYS - 1}}_{truth,net_before,net_weak_only,net_joint,prior}.png; TensorBoard logs in ${path.relative(process.cwd(), logRoot)}`);
    }
  }
  const stat = (pick: (r: (typeof perSeed)[number]) => number) => {
    const xs = perSeed.map(pick);
    const mu = mean(xs);
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1)) : 0;
    return `${mu.toFixed(3)} ± ${sd.toFixed(3)}`;
  };
  console.log(`\nover ${seeds} seed(s), mean ± std of the per-seed mean IoU:`);
  console.log(`| images | beta = 0 | joint (beta = ${beta}) | joint - beta = 0 |\n| --- | --- | --- | --- |`);
  console.log(`| ${heldOutName} fine-tuning-domain images (${HELD_OUT_IMAGES}) | ${stat((r) => r.weakOnly)} | ${stat((r) => r.joint)} | ${stat((r) => r.joint - r.weakOnly)} |`);
  console.log(`| fine-tuning images (${FINETUNE_IMAGES}) | ${stat((r) => r.weakOnlyTrain)} | ${stat((r) => r.jointTrain)} | ${stat((r) => r.jointTrain - r.weakOnlyTrain)} |`);
  console.log(`| their pc priors | | ${stat((r) => r.priors)} | |`);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// Run when executed, not when bench/bench.ts imports the UNet and the scenes.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
