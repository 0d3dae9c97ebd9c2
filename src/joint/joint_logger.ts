import * as tf from '@tensorflow/tfjs';
import { SummaryWriter } from '../tensorboard/summary_writer.js';
import { ConfigError } from '../errors.js';

/**
 * What joint training logs to TensorBoard, shared by ImplicitPriorTrainer and
 * ImplicitPriorCallback so both write the same run: every step's logs as scalars
 * `batch_<key>` (loss, weak_loss, prior_loss, alpha, agreement_iou, agreement_mse),
 * each epoch's means as `epoch_<key>`, and every `imageEvery` steps an image of the
 * batch's first sample, red = the net's foreground probability, green = the prior's
 * (yellow where they agree).
 */
export class JointLogger {
  private readonly writer: SummaryWriter;
  private readonly epoch = new RunningMeans();

  constructor(logDir: string, readonly imageEvery: number) {
    if (!Number.isInteger(imageEvery) || imageEvery < 1) throw new ConfigError(`imageEvery must be a positive integer, got ${imageEvery}`);
    this.writer = new SummaryWriter(logDir);
  }

  /** Whether step `step` (1-based) gets an image. */
  wantsImage(step: number): boolean {
    return (step - 1) % this.imageEvery === 0;
  }

  /** One step's logs; NaN marks a value the step does not have (no prior during the warm-up) and is skipped. */
  step(logs: Record<string, number>, step: number): void {
    for (const [key, value] of Object.entries(logs)) if (Number.isFinite(value)) this.writer.scalar(`batch_${key}`, value, step);
    this.epoch.add(logs);
  }

  /** Writes the means of the epoch's step logs as `epoch_<key>` and starts the next epoch. */
  async epochEnd(epoch: number): Promise<Record<string, number>> {
    const means = this.epoch.take();
    for (const [key, value] of Object.entries(means)) this.writer.scalar(`epoch_${key}`, value, epoch + 1);
    await this.writer.flush();
    return means;
  }

  /** The image of one sample from its net and prior maps ([H, W] or [1, H, W, 1] probabilities). */
  async image(net: tf.Tensor, prior: tf.Tensor, height: number, width: number, step: number): Promise<void> {
    const [n, p] = await Promise.all([net.data(), prior.data()]);
    const rgb = new Uint8Array(height * width * 3);
    for (let i = 0; i < height * width; i++) {
      rgb[3 * i] = Math.round(255 * Math.min(1, Math.max(0, n[i]!)));
      rgb[3 * i + 1] = Math.round(255 * Math.min(1, Math.max(0, p[i]!)));
    }
    await this.writer.image('net_red_prior_green', rgb, width, height, step);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

/** IoU of the thresholded (>= 0.5) net output and prior maps, over the whole batch (1 when both are empty). */
export function agreementIou(net: tf.Tensor, prior: tf.Tensor): number {
  return tf.tidy(() => {
    const a = tf.greaterEqual(net, 0.5);
    const b = tf.greaterEqual(prior, 0.5);
    const inter = tf.sum(tf.cast(tf.logicalAnd(a, b), 'float32')).dataSync()[0]!;
    const union = tf.sum(tf.cast(tf.logicalOr(a, b), 'float32')).dataSync()[0]!;
    return union > 0 ? inter / union : 1;
  });
}

/** Means of step logs per key over the finite values only (a warm-up step has no prior_loss). */
export class RunningMeans {
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};

  add(logs: Record<string, number>): void {
    for (const [key, value] of Object.entries(logs)) {
      if (!Number.isFinite(value)) continue;
      this.sums[key] = (this.sums[key] ?? 0) + value;
      this.counts[key] = (this.counts[key] ?? 0) + 1;
    }
  }

  /** The means so far, and a fresh start. */
  take(): Record<string, number> {
    const means = Object.fromEntries(Object.keys(this.sums).map((k) => [k, this.sums[k]! / this.counts[k]!]));
    this.sums = {};
    this.counts = {};
    return means;
  }
}
