import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { frameToPixel, pixelToFrame } from '../coordinates.js';
import { ConfigError } from '../errors.js';
import type { JointSample } from './joint_sample.js';
import { checkTransform, composeTransforms, invertTransform, type ViewTransform } from './view_transform.js';

/** Which random augmentations `randomAugmentation` draws (each off unless given). */
export interface AugmentationOptions {
  /** Mirror left-right with probability 1/2. */
  flipHorizontal?: boolean;
  /** Mirror top-bottom with probability 1/2. */
  flipVertical?: boolean;
  /** Rotate by an angle drawn uniformly from [-maxRotation, maxRotation] radians about the centre. */
  maxRotation?: number;
  /** Zoom by a factor drawn uniformly from [min, max] about the centre (> 1 crops: the view shows a smaller window, enlarged). */
  scale?: readonly [number, number];
  /** Shift by up to this much in each direction, in frame units (the longer side spans 2). */
  maxTranslation?: number;
  /**
   * A random crop of an H x W image: a shift by a whole number of pixels, up to
   * `maxPixels` each way (the side it uncovers is unlabelled padding). Whole pixels
   * resample nothing: with flips, the view's labels are the original's exactly.
   */
  crop?: { height: number; width: number; maxPixels: number };
}

/**
 * A random view transform (see ViewTransform): flip, then rotation and zoom about the
 * image centre, then a shift (and the crop's whole-pixel shift); the same `seed` and
 * options always give the same matrix. Pass it to augmentSample for the view's tensors.
 */
export function randomAugmentation(seed: number | string, options: AugmentationOptions = {}): ViewTransform {
  const rng = seedrandom(`augmentation-${seed}`);
  const { maxRotation = 0, scale = [1, 1], maxTranslation = 0 } = options;
  if (!(maxRotation >= 0) || !Number.isFinite(maxRotation)) throw new ConfigError(`maxRotation must be a finite number >= 0, got ${maxRotation}`);
  if (!(scale[0] > 0 && scale[1] >= scale[0] && Number.isFinite(scale[1]))) throw new ConfigError(`scale must be [min, max] with 0 < min <= max, got ${JSON.stringify(scale)}`);
  if (!(maxTranslation >= 0) || !Number.isFinite(maxTranslation)) throw new ConfigError(`maxTranslation must be a finite number >= 0, got ${maxTranslation}`);
  // Every draw is taken whatever the options, so turning one augmentation on leaves the others' draws unchanged.
  const fx = rng() < 0.5 && options.flipHorizontal ? -1 : 1;
  const fy = rng() < 0.5 && options.flipVertical ? -1 : 1;
  const angle = (2 * rng() - 1) * maxRotation;
  const zoom = scale[0] + (scale[1] - scale[0]) * rng();
  const tx = (2 * rng() - 1) * maxTranslation;
  const ty = (2 * rng() - 1) * maxTranslation;
  const [cos, sin] = [Math.cos(angle) * zoom, Math.sin(angle) * zoom];
  const [cx, cy] = cropShift(rng, options.crop);
  return [[cos * fx, -sin * fy, tx + cx], [sin * fx, cos * fy, ty + cy]];
}

/** The crop's shift in frame units: whole pixels (one pixel is 2 / max(H, W)). */
function cropShift(rng: () => number, crop: AugmentationOptions['crop']): [number, number] {
  const [u, v] = [rng(), rng()];
  if (!crop) return [0, 0];
  const { height, width, maxPixels } = crop;
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0 && Number.isInteger(maxPixels) && maxPixels >= 0)) {
    throw new ConfigError(`crop needs positive integer height and width and an integer maxPixels >= 0, got ${JSON.stringify(crop)}`);
  }
  const pixel = 2 / Math.max(height, width);
  const draw = (r: number) => (Math.floor(r * (2 * maxPixels + 1)) - maxPixels) * pixel;
  return [draw(u), draw(v)];
}

/**
 * The augmented view of a sample under `transform` (original -> view, see ViewTransform),
 * of the same size: input resampled bilinearly, labels and weights by the nearest pixel
 * (hard labels stay hard, a flip or a whole-pixel shift is exact). View pixels that fall
 * outside the original image get input 0 and weight 0 (unlabelled), so the weak loss
 * never sees invented labels. The result carries the transform (composed with the
 * sample's own, if it had one), so the trainer evaluates the sample's prior, which stays
 * in the original image's coordinates, where each view pixel came from. New tensors:
 * the caller owns both the sample and its view.
 */
export function augmentSample(sample: JointSample, transform: ViewTransform): JointSample {
  const m = checkTransform(sample.id, transform);
  const [height, width, channels] = sample.xs.shape;
  const inverse = invertTransform(m);
  const [[a, b, tx], [c, d, ty]] = inverse;
  const n = height * width;
  const corners = new Int32Array(4 * n);
  const cornerWeights = new Float32Array(4 * n);
  const nearest = new Int32Array(n);
  const inside = new Float32Array(n);
  for (let r = 0, i = 0; r < height; r++) {
    for (let col = 0; col < width; col++, i++) {
      const [x, y] = pixelToFrame(r, col, height, width);
      const [sr, sc] = frameToPixel(a * x + b * y + tx, c * x + d * y + ty, height, width);
      const [nr, nc] = [Math.round(sr), Math.round(sc)];
      if (nr >= 0 && nr < height && nc >= 0 && nc < width) {
        nearest[i] = nr * width + nc;
        inside[i] = 1;
      }
      const [r0, c0] = [Math.floor(sr), Math.floor(sc)];
      const [fr, fc] = [sr - r0, sc - c0];
      [[r0, c0, (1 - fr) * (1 - fc)], [r0, c0 + 1, (1 - fr) * fc], [r0 + 1, c0, fr * (1 - fc)], [r0 + 1, c0 + 1, fr * fc]].forEach(([rr, cc, w], k) => {
        if (rr! < 0 || rr! >= height || cc! < 0 || cc! >= width) return; // outside: index 0 with weight 0
        corners[4 * i + k] = rr! * width + cc!;
        cornerWeights[4 * i + k] = w!;
      });
    }
  }
  const { xs, ys, weights } = tf.tidy(() => {
    const flat = (t: tf.Tensor3D) => tf.reshape(t, [n, t.shape[2]]);
    const bilinear = tf.sum(tf.mul(tf.reshape(tf.gather(flat(sample.xs), tf.tensor1d(corners, 'int32')), [n, 4, channels]), tf.tensor3d(cornerWeights, [n, 4, 1])), 1);
    const near = tf.tensor1d(nearest, 'int32');
    const mask = tf.tensor2d(inside, [n, 1]);
    const pick = (t: tf.Tensor3D) => tf.mul(tf.gather(flat(t), near), mask);
    const w = sample.weights ? pick(sample.weights) : mask;
    return {
      xs: tf.reshape(bilinear, [height, width, channels]) as tf.Tensor3D,
      ys: tf.reshape(pick(sample.ys), sample.ys.shape) as tf.Tensor3D,
      weights: tf.reshape(w, [height, width, w.shape[1]!]) as tf.Tensor3D,
    };
  });
  return { id: sample.id, xs, ys, weights, transform: sample.transform ? composeTransforms(m, checkTransform(sample.id, sample.transform)) : m };
}
