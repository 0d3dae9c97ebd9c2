/**
 * Joint training of a 3-class segmentation net (background, a convex class, a
 * star-shaped class) with augmentation and noisy labels: one prior per image and class,
 * each of its class's kind, trained through random flips and crops. The same run with
 * beta = 0 (labels alone, same augmentation and schedule) is the comparison. The net is
 * a small UNet; the scenes' objects are crossed by unlabelled occluders and 10% of the
 * labelled pixels carry a random class. Per class: the net's IoU on 8 held-out images,
 * mean and standard deviation over seeds (net initialisation and augmentation).
 *
 *   npx tsc -p . && node dist/examples/classes_augmented.js [--seeds N]   (default 3; about 6 minutes per seed on one wasm core)
 *   tensorboard --logdir examples/output/classes_logs   (prior agreement per class: batch_agreement_iou/class_1, /class_2)
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { integerIn } from '../src/cli/parse_flags.js';
import { augmentSample, initBackend, iou, MemoryPriorStore, randomAugmentation, twoClassScene, withImplicitPrior, type JointSample } from '../src/index.js';
import { repoRoot } from './photo_example.js';

await initBackend();
const SIZE = 32;
const CLASSES = [1, 2] as const;
const out = path.join(repoRoot(path.dirname(fileURLToPath(import.meta.url))), 'examples', 'output');

// Background (channel 0), an ellipse (1, convex) and a five-armed star (2), each crossed by an occluder left unlabelled (weight 0).
const LABEL_NOISE = 0.1;
const SEEDS = new Command('classes_augmented')
  .option('--seeds <n>', 'training runs per setting', integerIn(1, 100), 3)
  .parse()
  .opts<{ seeds: number }>().seeds;
const train = Array.from({ length: 8 }, (_, i) => twoClassScene({ seed: i, height: SIZE, width: SIZE, labelNoise: LABEL_NOISE }));
const heldOut = Array.from({ length: 8 }, (_, i) => twoClassScene({ seed: 100 + i, height: SIZE, width: SIZE }));
const samples: JointSample[] = train.map((s, i) => ({
  id: `scene-${i}`, xs: tf.tensor3d(s.image, [SIZE, SIZE, 4]), ys: tf.tensor3d(s.labels, [SIZE, SIZE, 3]), weights: tf.tensor3d(s.weights, [SIZE, SIZE, 1]),
}));

/** Any net with K = 3 output channels: here a small UNet (one pooling level, a skip connection) and a softmax. */
function buildNet(seed: number): tf.LayersModel {
  const conv = (filters: number, k: number) => tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 10 * seed + k }) });
  const input = tf.input({ shape: [SIZE, SIZE, 4] });
  const down = conv(16, 0).apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(down) as tf.SymbolicTensor;
  const deep = conv(32, 1).apply(conv(32, 2).apply(pooled)) as tf.SymbolicTensor;
  const up = tf.layers.upSampling2d({ size: [2, 2] }).apply(deep) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([down, up]) as tf.SymbolicTensor;
  const h = conv(16, 3).apply(joined) as tf.SymbolicTensor;
  const output = tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 10 * seed + 9 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** A new random view of every sample each epoch: flips and crops by up to 3 pixels; each view carries its matrix. */
function augmented(seed: number): tf.data.Dataset<tf.TensorContainer> {
  let round = 0;
  return tf.data.generator(function* () {
    round++;
    for (const [i, s] of samples.entries()) {
      yield augmentSample(s, randomAugmentation(`${seed}-${round}-${i}`, { flipHorizontal: true, flipVertical: true, crop: { height: SIZE, width: SIZE, maxPixels: 3 } })) as unknown as tf.TensorContainer;
    }
  });
}

async function run(beta: number, seed: number): Promise<{ net: number[]; trainNet: number[]; prior: number[]; seconds: number }> {
  const started = performance.now();
  const model = buildNet(seed);
  const store = new MemoryPriorStore();
  // Channel 0 (the softmax's background) has no prior; 1 a convex one, 2 a star-shaped one, per image.
  const trainer = withImplicitPrior(model, { 0: null, 1: 'convex', 2: 'star' }, {
    beta, store, seed, optimizer: tf.train.adam(0.01), warmupSteps: 200, learningRateAfterWarmup: 0.005, priorLearningRate: 0.02,
    ...(beta > 0 && seed === 0 ? { logDir: path.join(out, 'classes_logs') } : {}),
  });
  await trainer.fit(augmented(seed), { epochs: 200, batchSize: 4 });  // a dataset's tensors (the views) are disposed after use
  // Held-out images: the net's IoU per class.
  const net = CLASSES.map((c) => mean(heldOut.map((s) => iou(netMask(model, s.image, c), s.truth[c - 1]!))));
  // Training images: each stored prior's mask (in the original image's coordinates) against the whole object.
  const prior: number[] = [];
  if (beta > 0) for (const c of CLASSES) prior.push(mean(await Promise.all(train.map(async (s, i) => iou(await trainer.priorMask(`scene-${i}`, SIZE, SIZE, c), s.truth[c - 1]!)))));
  const trainNet = CLASSES.map((c) => mean(train.map((s) => iou(netMask(model, s.image, c), s.truth[c - 1]!))));
  if (beta > 0 && seed === 0) await trainer.exportMasks(path.join(out, 'classes_pseudo_labels'), { height: 64, width: 64 });  // scene-0.c1.png, scene-0.c2.png, ...
  await trainer.close();
  model.dispose();
  return { net, trainNet, prior, seconds: (performance.now() - started) / 1000 };
}

/** The net's mask of class c (the channel the softmax ranks first) on an image. */
function netMask(model: tf.LayersModel, image: Float32Array, c: number): Uint8Array {
  return tf.tidy(() => Uint8Array.from(tf.argMax(model.predict(tf.tensor4d(image, [1, SIZE, SIZE, 4])) as tf.Tensor4D, 3).dataSync(), (k) => (k === c ? 1 : 0)));
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

const stats = (v: number[]) => {
  const m = mean(v);
  return `${m.toFixed(3)} +- ${Math.sqrt(mean(v.map((x) => (x - m) ** 2))).toFixed(3)}`;
};
const runs: Array<{ plain: Awaited<ReturnType<typeof run>>; joint: Awaited<ReturnType<typeof run>> }> = [];
for (let seed = 0; seed < SEEDS; seed++) {
  const plain = await run(0, seed);
  const joint = await run(1, seed);
  runs.push({ plain, joint });
  console.log(`seed ${seed}: held-out net IoU, class 1 (convex) / class 2 (star): beta = 0 ${plain.net.map((v) => v.toFixed(3)).join(' / ')} (${plain.seconds.toFixed(0)} s); joint ${joint.net.map((v) => v.toFixed(3)).join(' / ')} (${joint.seconds.toFixed(0)} s)`);
  console.log(`seed ${seed}: training images, net IoU: beta = 0 ${plain.trainNet.map((v) => v.toFixed(3)).join(' / ')}; joint ${joint.trainNet.map((v) => v.toFixed(3)).join(' / ')}; prior IoU with the whole object ${joint.prior.map((v) => v.toFixed(3)).join(' / ')}`);
}
console.log(`\nheld-out net IoU over ${SEEDS} seed(s), mean +- sd | class 1 (convex) | class 2 (star)`);
for (const which of ['plain', 'joint'] as const) {
  console.log(`${which === 'plain' ? 'beta = 0' : 'joint   '} | ${CLASSES.map((_, k) => stats(runs.map((r) => r[which].net[k]!))).join(' | ')}`);
}
console.log(`joint prior IoU (training images) | ${CLASSES.map((_, k) => stats(runs.map((r) => r.joint.prior[k]!))).join(' | ')}`);
tf.dispose(samples.flatMap((s) => [s.xs, s.ys, s.weights!]));
