import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SummaryWriter } from '../src/tensorboard/summary_writer.js';

export interface TensorBoardCallbackArgs {
  /**
   * 'batch': write the logs after every batch (tags `batch_<key>`, step = batches seen so
   * far) and after every epoch; 'epoch' (default): only after every epoch (tags
   * `epoch_<key>`, step = epoch number from 1).
   */
  updateFreq?: 'batch' | 'epoch';
  /**
   * Every this many epochs (from the first), write a histogram of each weight of the model
   * to the train run, tagged with the weight's name, as Keras's `histogram_freq` does.
   * 0 (default) writes none.
   */
  histogramFreq?: number;
}

/** Logs keys that are bookkeeping, not metrics (tfjs-node skips the same). */
const NOT_METRICS = new Set(['batch', 'size', 'num_steps']);
const VAL_PREFIX = 'val_';

/** What tfjs hands a callback: numbers, or still scalar tensors at batch end. */
type CallbackLogs = { [key: string]: number | tf.Scalar };

/**
 * `tf.node.tensorBoard` for every backend: tfjs-node's callback needs the native binding,
 * which wasm and browser users do not have. It writes the same runs and tags, so logs of
 * either can be compared in one TensorBoard: `<logDir>/train` gets the training keys,
 * `<logDir>/val` the `val_` keys with the prefix removed (`val_loss` -> `epoch_loss`).
 */
export class TensorBoardCallback extends tf.Callback {
  private readonly trainWriter: SummaryWriter;
  private readonly valWriter: SummaryWriter;
  private readonly updateFreq: 'batch' | 'epoch';
  private readonly histogramFreq: number;
  /** Not reset between fits, like tfjs-node's: a second fit continues the batch axis. */
  private batchesSeen = 0;

  constructor(readonly logDir = './logs', args: TensorBoardCallbackArgs = {}) {
    super();
    this.updateFreq = args.updateFreq ?? 'epoch';
    if (this.updateFreq !== 'batch' && this.updateFreq !== 'epoch') {
      throw new Error(`Expected updateFreq to be 'batch' or 'epoch', but got ${String(this.updateFreq)}`);
    }
    this.histogramFreq = args.histogramFreq ?? 0;
    if (!Number.isInteger(this.histogramFreq) || this.histogramFreq < 0) {
      throw new Error(`Expected histogramFreq to be a non-negative integer, but got ${this.histogramFreq}`);
    }
    // Writers open their files on the first value, so a run without val_ keys has no val/.
    this.trainWriter = new SummaryWriter(path.join(logDir, 'train'));
    this.valWriter = new SummaryWriter(path.join(logDir, 'val'));
  }

  override async onBatchEnd(_batch: number, logs?: CallbackLogs): Promise<void> {
    this.batchesSeen++;
    if (this.updateFreq === 'batch') await this.logMetrics(logs, 'batch_', this.batchesSeen);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    await this.logMetrics(logs, 'epoch_', epoch + 1);
    if (this.histogramFreq > 0 && epoch % this.histogramFreq === 0) await this.logWeightHistograms(epoch + 1);
  }

  /** Closes the files so nothing is lost if the process ends; the next fit opens new ones. */
  override async onTrainEnd(): Promise<void> {
    await Promise.all([this.trainWriter.close(), this.valWriter.close()]);
  }

  private async logMetrics(logs: CallbackLogs | undefined, prefix: string, step: number): Promise<void> {
    for (const [key, logged] of Object.entries(logs ?? {})) {
      if (NOT_METRICS.has(key)) continue;
      const value = typeof logged === 'number' ? logged : (await logged.data())[0]!;
      if (key.startsWith(VAL_PREFIX)) this.valWriter.scalar(prefix + key.slice(VAL_PREFIX.length), value, step);
      else this.trainWriter.scalar(prefix + key, value, step);
    }
  }

  private async logWeightHistograms(step: number): Promise<void> {
    for (const weight of this.model.weights) {
      this.trainWriter.histogram(weight.name, await weight.read().data(), step);
    }
  }
}

/**
 * A callback for `model.fit` / `model.fitDataset` that logs losses and metrics for
 * TensorBoard, with the signature of tfjs-node's `tf.node.tensorBoard`:
 *
 *   await model.fit(xs, ys, { epochs: 10, validationSplit: 0.2, callbacks: [tensorBoard('logs/run1')] });
 *
 * then `tensorboard --logdir logs`.
 */
export function tensorBoard(logDir = './logs', args?: TensorBoardCallbackArgs): TensorBoardCallback {
  return new TensorBoardCallback(logDir, args);
}
