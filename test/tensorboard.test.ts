import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SummaryWriter, tensorBoard } from '../callbacks/index.js';

// An event-file reader written independently of callbacks/: its own CRC32C and its own
// protobuf decoding, so a mistake in the writer's framing or field numbers cannot cancel out.

const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The payloads of a TFRecord file; throws on a CRC mismatch or a truncated record. */
function readRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at < file.length) {
    if (at + 12 > file.length) throw new Error(`truncated record header at ${at}`);
    const header = file.subarray(at, at + 8);
    if (file.readUInt32LE(at + 8) !== masked(crc32c(header))) throw new Error(`length CRC error at ${at}`);
    const length = Number(file.readBigUInt64LE(at));
    if (at + 12 + length + 4 > file.length) throw new Error(`truncated record at ${at}`);
    const data = file.subarray(at + 12, at + 12 + length);
    if (file.readUInt32LE(at + 12 + length) !== masked(crc32c(data))) throw new Error(`data CRC error at ${at}`);
    records.push(data);
    at += 12 + length + 4;
  }
  return records;
}

type Field = { number: number; wire: 0; varint: bigint } | { number: number; wire: 1 | 2 | 5; bytes: Buffer };

function readVarint(buf: Buffer, start: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let at = start;
  for (;;) {
    const b = buf[at++];
    if (b === undefined) throw new Error('truncated varint');
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, at];
    shift += 7n;
  }
}

function fieldsOf(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [varint, after] = readVarint(buf, at);
      fields.push({ number, wire, varint });
      at = after;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      fields.push({ number, wire, bytes: buf.subarray(at, at + size) });
      at += size;
    } else if (wire === 2) {
      const [size, after] = readVarint(buf, at);
      fields.push({ number, wire, bytes: buf.subarray(after, after + Number(size)) });
      at = after + Number(size);
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return fields;
}

function bytesField(fields: Field[], number: number): Buffer | undefined {
  const f = fields.find((x) => x.number === number);
  if (f === undefined) return undefined;
  if (f.wire === 0) throw new Error(`field ${number} is a varint`);
  return f.bytes;
}

function varintField(fields: Field[], number: number): bigint {
  const f = fields.find((x) => x.number === number);
  if (f !== undefined && f.wire !== 0) throw new Error(`field ${number} is not a varint`);
  return f?.varint ?? 0n; // proto3 leaves zeros out
}

interface DecodedValue {
  tag: string;
  simpleValue?: number;
  image?: { height: number; width: number; colorspace: number; png: Buffer };
  histogram?: { num: number; buckets: number[] };
}

interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: DecodedValue[];
}

function decodeEvent(data: Buffer): DecodedEvent {
  const event = fieldsOf(data);
  const summary = bytesField(event, 5);
  const values = summary === undefined ? [] : fieldsOf(summary).filter((f) => f.number === 1).map((f) => decodeValue(fieldsOf((f as { bytes: Buffer }).bytes)));
  return {
    wallTime: bytesField(event, 1)?.readDoubleLE(0) ?? 0,
    step: Number(varintField(event, 2)),
    fileVersion: bytesField(event, 3)?.toString('utf8'),
    values,
  };
}

function decodeValue(value: Field[]): DecodedValue {
  const decoded: DecodedValue = { tag: bytesField(value, 1)?.toString('utf8') ?? '' };
  const simple = bytesField(value, 2);
  if (simple !== undefined) decoded.simpleValue = simple.readFloatLE(0);
  const image = bytesField(value, 4);
  if (image !== undefined) {
    const f = fieldsOf(image);
    decoded.image = { height: Number(varintField(f, 1)), width: Number(varintField(f, 2)), colorspace: Number(varintField(f, 3)), png: bytesField(f, 4)! };
  }
  const histo = bytesField(value, 5);
  if (histo !== undefined) {
    const f = fieldsOf(histo);
    const packed = bytesField(f, 7) ?? Buffer.alloc(0);
    decoded.histogram = {
      num: bytesField(f, 3)?.readDoubleLE(0) ?? 0,
      buckets: Array.from({ length: packed.length / 8 }, (_, i) => packed.readDoubleLE(8 * i)),
    };
  }
  return decoded;
}

/** The only event file of `dir`, checked against TensorFlow's naming. */
function eventFileOf(dir: string): string {
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  return path.join(dir, files[0]!);
}

function readEvents(dir: string): DecodedEvent[] {
  return readRecords(readFileSync(eventFileOf(dir))).map(decodeEvent);
}

/** `{ tag: [[step, value], ...] }` of the scalar events. */
function scalarsByTag(events: DecodedEvent[]): Record<string, [number, number][]> {
  const byTag: Record<string, [number, number][]> = {};
  for (const e of events) {
    for (const v of e.values) if (v.simpleValue !== undefined) (byTag[v.tag] ??= []).push([e.step, v.simpleValue]);
  }
  return byTag;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('SummaryWriter', () => {
  it('writes CRC-framed events that TensorFlow readers decode: version, scalars and a PNG image', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-tb-'));
    const before = Date.now() / 1000;
    const writer = new SummaryWriter(dir);
    writer.scalar('prior_loss', 0.25, 0);
    writer.scalar('prior_loss', 0, 1); // a zero must still be written: TensorBoard keys on which oneof field is set
    writer.scalar('alpha', -1.5e-3, 7);
    const [w, h] = [5, 3];
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
    await writer.image('overlay', rgb, w, h, 2);
    writer.scalar('iou', 0.9, 2 ** 40); // int64 steps beyond 32 bits
    await writer.close();
    const after = Date.now() / 1000;

    const events = readEvents(dir);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    expect(events[0]!.values).toEqual([]);
    for (const e of events) {
      expect(e.wallTime).toBeGreaterThanOrEqual(before - 1);
      expect(e.wallTime).toBeLessThanOrEqual(after + 1);
    }
    expect(scalarsByTag(events)).toEqual({
      prior_loss: [[0, 0.25], [1, 0]],
      alpha: [[7, Math.fround(-1.5e-3)]],
      iou: [[2 ** 40, Math.fround(0.9)]],
    });

    const images = events.filter((e) => e.values[0]?.image !== undefined);
    expect(images).toHaveLength(1);
    expect(images[0]!.step).toBe(2);
    const { tag, image } = images[0]!.values[0]!;
    expect(tag).toBe('overlay');
    expect({ width: image!.width, height: image!.height, colorspace: image!.colorspace }).toEqual({ width: w, height: h, colorspace: 3 });
    expect(image!.png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const decoded = await sharp(image!.png).raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width: w, height: h, channels: 3 });
    expect(new Uint8Array(decoded.data)).toEqual(rgb);
  });

  it('is caught by the reader when any byte of a record is corrupted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-tb-'));
    const writer = new SummaryWriter(dir);
    writer.scalar('loss', 1, 1);
    await writer.close();
    const file = readFileSync(eventFileOf(dir));
    expect(readRecords(file)).toHaveLength(2);
    const firstLength = 12 + Number(file.readBigUInt64LE(0)) + 4;
    const corrupt = (at: number) => {
      const copy = Buffer.from(file);
      copy[at] = copy[at]! ^ 0x01;
      return () => readRecords(copy);
    };
    expect(corrupt(firstLength + 0)).toThrow(/length CRC error/); // the second record's length
    expect(corrupt(firstLength + 12 + 3)).toThrow(/data CRC error/); // inside its Event bytes
    expect(corrupt(file.length - 1)).toThrow(/data CRC error/); // its stored data CRC
  });
});

describe('tensorBoard callback', () => {
  it('logs model.fit like tf.node.tensorBoard: batch and epoch tags, val run without val_, weight histograms', async () => {
    const logDir = mkdtempSync(path.join(tmpdir(), 'shapeprior-tb-fit-'));
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError', metrics: ['mae'] });
    const xs = tf.randomUniform([40, 3], -1, 1, 'float32', 1);
    const ys = tf.randomUniform([40, 1], -1, 1, 'float32', 2);
    const batchLosses: number[] = [];
    // 30 training samples (validationSplit 0.25) in batches of 8: 4 batches per epoch.
    const history = await model.fit(xs, ys, {
      epochs: 2,
      batchSize: 8,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [tensorBoard(logDir, { updateFreq: 'batch', histogramFreq: 1 }), new tf.CustomCallback({ onBatchEnd: (_, logs) => void batchLosses.push(logs!.loss!) })],
    });
    const weights = model.weights.map((w) => ({ name: w.name, size: tf.util.sizeFromShape(w.shape as number[]) }));
    xs.dispose();
    ys.dispose();
    model.dispose();

    expect(readdirSync(logDir).sort()).toEqual(['train', 'val']);
    const train = readEvents(path.join(logDir, 'train'));
    const val = readEvents(path.join(logDir, 'val'));
    expect(train[0]!.fileVersion).toBe('brain.Event:2');
    expect(val[0]!.fileVersion).toBe('brain.Event:2');

    const f = (values: number[]) => values.map(Math.fround);
    const trainScalars = scalarsByTag(train);
    expect(Object.keys(trainScalars).sort()).toEqual(['batch_loss', 'batch_mae', 'epoch_loss', 'epoch_mae']);
    expect(trainScalars.batch_loss!.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(trainScalars.batch_loss!.map(([, v]) => v)).toEqual(f(batchLosses));
    expect(trainScalars.batch_mae!.map(([step]) => step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(trainScalars.epoch_loss).toEqual([1, 2].map((step, i) => [step, Math.fround(history.history.loss![i] as number)]));
    expect(trainScalars.epoch_mae).toEqual([1, 2].map((step, i) => [step, Math.fround(history.history.mae![i] as number)]));

    const valScalars = scalarsByTag(val);
    expect(Object.keys(valScalars).sort()).toEqual(['epoch_loss', 'epoch_mae']);
    expect(valScalars.epoch_loss).toEqual([1, 2].map((step, i) => [step, Math.fround(history.history.val_loss![i] as number)]));
    expect(valScalars.epoch_mae).toEqual([1, 2].map((step, i) => [step, Math.fround(history.history.val_mae![i] as number)]));

    const histograms = train.flatMap((e) => e.values.filter((v) => v.histogram !== undefined).map((v) => ({ step: e.step, tag: v.tag, ...v.histogram! })));
    expect(histograms.map(({ step, tag }) => [step, tag])).toEqual([1, 2].flatMap((step) => weights.map((w) => [step, w.name])));
    for (const h of histograms) {
      const size = weights.find((w) => w.name === h.tag)!.size;
      expect(h.num).toBe(size);
      expect(h.buckets.reduce((a, b) => a + b, 0)).toBe(size);
    }
  });
});
