import sharp from 'sharp';
import type { HistogramMessage, SummaryValueMessage } from './tfevents_schema.js';
import { TFEventsWriter } from './tfevents_writer.js';
import { ConfigError, InputError } from '../errors.js';

/** Buckets of a histogram: TensorBoard re-bins to 30 for display, so more adds nothing. */
const HISTOGRAM_BUCKETS = 30;

/**
 * Logs scalars, images and histograms for TensorBoard into one run directory, like
 * `tf.summary` / PyTorch's `SummaryWriter`:
 *
 *   const writer = new SummaryWriter('logs/joint/train');
 *   writer.scalar('prior_loss', loss, step);
 *   await writer.image('mask', rgb, width, height, step);
 *   await writer.close();
 *
 * The event file is created on the first write, so a writer that logs nothing leaves no
 * empty run behind.
 */
export class SummaryWriter {
  private events: TFEventsWriter | null = null;
  private readonly pending = new Set<Promise<void>>();

  constructor(readonly logDir: string) {}

  /** The event file, once something was written. */
  get path(): string | null {
    return this.events?.path ?? null;
  }

  scalar(tag: string, value: number, step: number): void {
    this.write({ tag, simple_value: value }, step);
  }

  /**
   * Logs an 8-bit image, `pixels` row-major and interleaved: 1 (grey), 3 (RGB) or 4 (RGBA)
   * channels, told apart by length. Async because the PNG is encoded off the main thread;
   * `flush()` and `close()` wait for it.
   */
  async image(tag: string, pixels: Uint8Array, width: number, height: number, step: number): Promise<void> {
    const channels = pixels.length / (width * height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || ![1, 3, 4].includes(channels)) {
      throw new InputError(`image '${tag}': ${pixels.length} bytes is not ${width}x${height} with 1, 3 or 4 channels`);
    }
    const raw = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: channels as 1 | 3 | 4 } });
    // Without 'b-w' sharp widens grey to sRGB, and the PNG would not match colorspace 1.
    const written = (channels === 1 ? raw.toColourspace('b-w') : raw)
      .png()
      .toBuffer()
      .then((png) => {
        this.write({ tag, image: { height, width, colorspace: channels, encoded_image_string: png } }, step);
      });
    await this.track(written);
  }

  /** Logs the distribution of `values` (e.g. a weight tensor's data) in equal-width buckets. */
  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.write({ tag, histo: histogramOf(values) }, step);
  }

  /** Waits for pending images and forces everything written to disk. */
  async flush(): Promise<void> {
    await this.settle();
    this.events?.flush();
  }

  /** Waits for pending images and closes the file; a later write starts a new file. */
  async close(): Promise<void> {
    await this.settle();
    this.events?.close();
    this.events = null;
  }

  private write(value: SummaryValueMessage, step: number): void {
    if (!Number.isSafeInteger(step) || step < 0) throw new ConfigError(`step must be a non-negative integer, got ${step}`);
    this.events ??= new TFEventsWriter(this.logDir);
    this.events.writeEvent({ step, summary: { value: [value] } });
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  private async settle(): Promise<void> {
    // A failed image was already reported to whoever awaited image(); closing still closes.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/**
 * summary.proto's bucket i spans bucket_limit[i-1]..bucket_limit[i]; TensorBoard takes min
 * as the left edge of the first bucket and max as the right edge of the last one.
 */
export function histogramOf(values: ArrayLike<number>): HistogramMessage {
  // NaN and infinities are left out: one of them would make every bucket edge NaN.
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  let num = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sumSquares += v * v;
    num++;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sum_squares: 0, bucket_limit: [], bucket: [] };
  const buckets = max > min ? HISTOGRAM_BUCKETS : 1;
  const width = (max - min) / buckets;
  const bucket = new Array<number>(buckets).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const index = width > 0 ? Math.min(Math.floor((v - min) / width), buckets - 1) : 0;
    bucket[index]!++;
  }
  const bucketLimit = Array.from({ length: buckets }, (_, i) => (i === buckets - 1 ? max : min + (i + 1) * width));
  return { min, max, num, sum, sum_squares: sumSquares, bucket_limit: bucketLimit, bucket };
}
