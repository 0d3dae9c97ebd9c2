import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import CRC32C from 'crc-32/crc32c.js';
import { encodeEvent, type EventMessage } from './tfevents_schema.js';

/** The constant TensorFlow's record format adds after rotating a CRC (tensorflow/core/lib/hash/crc32c.h). */
const CRC_MASK_DELTA = 0xa282ead8;

/**
 * The masked CRC32C of `bytes`. TensorFlow masks stored CRCs because the CRC of a string
 * that itself contains CRCs is weak.
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = CRC32C.buf(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + CRC_MASK_DELTA) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of the length, data, masked CRC of the data (all LE). */
export function encodeRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(8 + 4 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

/**
 * Writes TensorFlow event files (`events.out.tfevents.<seconds>.<hostname>`), the format
 * TensorBoard reads, without TensorFlow: tfjs-node's writer needs the native backend.
 *
 * Each event is written as one whole record with a single write, so a reader (TensorBoard
 * polls the file while training runs) never sees a record without its CRC.
 */
export class TFEventsWriter {
  /** The event file this writer appends to. */
  readonly path: string;
  private fd: number | null;

  constructor(readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
    const opened = openUnusedEventFile(logDir);
    this.path = opened.path;
    this.fd = opened.fd;
    this.writeEvent({ wall_time: Date.now() / 1000, file_version: 'brain.Event:2' });
  }

  /** Appends one event; `wall_time` defaults to now. */
  writeEvent(event: Omit<EventMessage, 'wall_time'> & { wall_time?: number }): void {
    if (this.fd === null) throw new Error(`TFEventsWriter for ${this.path} is closed`);
    const record = encodeRecord(encodeEvent({ wall_time: Date.now() / 1000, ...event }));
    let written = 0;
    while (written < record.length) written += writeSync(this.fd, record, written);
  }

  /** Forces written events to disk (they are visible to readers already). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flushes and closes the file; further writes throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  get closed(): boolean {
    return this.fd === null;
  }
}

/**
 * Two writers started in the same second on one host (e.g. two fits into one log
 * directory) would get the same name; the second then takes a numbered suffix, which
 * sorts after the first, the order TensorBoard reads a directory's files in.
 */
function openUnusedEventFile(logDir: string): { path: string; fd: number } {
  const base = path.join(logDir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}`);
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}.${n}`;
    try {
      return { path: candidate, fd: openSync(candidate, 'wx') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
