import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { PriorConfig } from '../priors/prior_config.js';
import type { PriorState, StoredTensor } from './prior_state.js';
import { priorStateProblem } from './prior_state_copy.js';

/** One entry file's bytes (layout in STORE_FORMAT.md). */
export const ENTRY_FORMAT = 'shapeprior-prior-entry';
export const ENTRY_VERSION = 1;
export const ENTRY_MAGIC = Buffer.from('SPPRIOR\0', 'latin1');
/** magic (8) + version u32 + header length u32 + payload length u64. */
export const PREFIX_BYTES = 24;
export const CHECKSUM_BYTES = 32;

const GROUPS = ['weights', 'firstMoment', 'secondMoment'] as const;
type TensorGroup = (typeof GROUPS)[number];
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export interface TensorLayout {
  group: TensorGroup;
  name: string;
  shape: number[];
  /** From the start of the payload. */
  byteOffset: number;
  byteLength: number;
}

export interface EntryHeader {
  format: typeof ENTRY_FORMAT;
  version: typeof ENTRY_VERSION;
  id: string;
  step: number;
  config: PriorConfig;
  tensors: TensorLayout[];
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The entry file for `state`, checksum included. The state must pass priorStateProblem. */
export function encodeEntry(id: string, state: PriorState): Buffer {
  const tensors: TensorLayout[] = [];
  const values: Float32Array[] = [];
  let payloadBytes = 0;
  for (const group of GROUPS) {
    for (const [name, t] of Object.entries(tensorsOf(state, group))) {
      tensors.push({ group, name, shape: [...t.shape], byteOffset: payloadBytes, byteLength: t.values.byteLength });
      values.push(t.values);
      payloadBytes += t.values.byteLength;
    }
  }
  const header: EntryHeader = { format: ENTRY_FORMAT, version: ENTRY_VERSION, id, step: state.step, config: state.config, tensors };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const payloadStart = align8(PREFIX_BYTES + headerBytes.length);
  const total = payloadStart + payloadBytes + CHECKSUM_BYTES;
  const out = Buffer.alloc(total); // zeroed, so the padding is zeros
  ENTRY_MAGIC.copy(out, 0);
  out.writeUInt32LE(ENTRY_VERSION, 8);
  out.writeUInt32LE(headerBytes.length, 12);
  out.writeBigUInt64LE(BigInt(payloadBytes), 16);
  headerBytes.copy(out, PREFIX_BYTES);
  let at = payloadStart;
  for (const v of values) {
    writeFloat32LE(out, at, v);
    at += v.byteLength;
  }
  createHash('sha256').update(out.subarray(0, total - CHECKSUM_BYTES)).digest().copy(out, total - CHECKSUM_BYTES);
  return out;
}

/** The fixed prefix: checks magic and version, and gives the lengths it declares. */
export function decodePrefix(bytes: Buffer): Decoded<{ headerBytes: number; payloadBytes: number; totalBytes: number }> {
  if (bytes.length < ENTRY_MAGIC.length || !bytes.subarray(0, ENTRY_MAGIC.length).equals(ENTRY_MAGIC)) {
    return bytes.length < ENTRY_MAGIC.length && ENTRY_MAGIC.subarray(0, bytes.length).equals(bytes)
      ? { ok: false, problem: `truncated: ${bytes.length} bytes, not even the entry prefix` }
      : { ok: false, problem: 'not a shapeprior prior entry (no "SPPRIOR" magic at the start): a foreign file' };
  }
  if (bytes.length < PREFIX_BYTES) return { ok: false, problem: `truncated: ${bytes.length} bytes, not even the ${PREFIX_BYTES}-byte entry prefix` };
  const version = bytes.readUInt32LE(8);
  if (version !== ENTRY_VERSION) return { ok: false, problem: `entry format version ${version}; this shapeprior reads version ${ENTRY_VERSION}` };
  const headerBytes = bytes.readUInt32LE(12);
  const payload = bytes.readBigUInt64LE(16);
  if (payload > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, problem: `corrupt prefix: payload length ${payload}` };
  const payloadBytes = Number(payload);
  return { ok: true, value: { headerBytes, payloadBytes, totalBytes: align8(PREFIX_BYTES + headerBytes) + payloadBytes + CHECKSUM_BYTES } };
}

/** Parses the JSON header (bytes after the prefix) and checks its format fields. */
export function decodeHeader(json: Buffer): Decoded<EntryHeader> {
  let header: unknown;
  try {
    header = JSON.parse(json.toString('utf8'));
  } catch {
    return { ok: false, problem: 'the header is not valid JSON' };
  }
  if (typeof header !== 'object' || header === null) return { ok: false, problem: 'the header is not a JSON object' };
  const h = header as Partial<EntryHeader>;
  if (h.format !== ENTRY_FORMAT) return { ok: false, problem: `the header's format is ${JSON.stringify(h.format)}, not "${ENTRY_FORMAT}"` };
  if (h.version !== ENTRY_VERSION) return { ok: false, problem: `the header's version is ${JSON.stringify(h.version)}, not ${ENTRY_VERSION}` };
  if (typeof h.id !== 'string') return { ok: false, problem: 'the header has no id' };
  return { ok: true, value: h as EntryHeader };
}

/** The state stored in `bytes`, after checking length, checksum, format, id and layout. */
export function decodeEntry(bytes: Buffer, expectedId: string): Decoded<PriorState> {
  const prefix = decodePrefix(bytes);
  if (!prefix.ok) return prefix;
  const { headerBytes, payloadBytes, totalBytes } = prefix.value;
  if (bytes.length < totalBytes) return { ok: false, problem: `truncated: ${bytes.length} bytes, its prefix declares ${totalBytes}` };
  if (bytes.length > totalBytes) return { ok: false, problem: `corrupt: ${bytes.length - totalBytes} bytes after the end its prefix declares (${totalBytes})` };
  const body = bytes.subarray(0, totalBytes - CHECKSUM_BYTES);
  const stored = bytes.subarray(totalBytes - CHECKSUM_BYTES);
  if (!createHash('sha256').update(body).digest().equals(stored)) return { ok: false, problem: 'checksum mismatch (sha256): the file is corrupt' };
  const decoded = decodeHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes));
  if (!decoded.ok) return decoded;
  const header = decoded.value;
  if (header.id !== expectedId) return { ok: false, problem: `the file holds the prior of sample ${JSON.stringify(header.id)}, not this one` };
  if (!Number.isSafeInteger(header.step) || header.step < 0) return { ok: false, problem: `step ${JSON.stringify(header.step)} is not a non-negative integer` };
  const groups: Record<TensorGroup, [string, StoredTensor][]> = { weights: [], firstMoment: [], secondMoment: [] };
  const seen = new Set<string>();
  const payloadStart = align8(PREFIX_BYTES + headerBytes);
  let expectedOffset = 0;
  if (!Array.isArray(header.tensors)) return { ok: false, problem: 'the header has no tensor list' };
  for (const [i, t] of header.tensors.entries()) {
    const problem = layoutProblem(t, expectedOffset);
    if (problem !== undefined) return { ok: false, problem: `tensor ${i} of the layout: ${problem}` };
    const key = `${t.group}\0${t.name}`;
    if (seen.has(key)) return { ok: false, problem: `tensor ${i} of the layout: ${t.group} "${t.name}" appears twice` };
    seen.add(key);
    groups[t.group].push([t.name, { shape: [...t.shape], values: readFloat32LE(bytes, payloadStart + t.byteOffset, t.byteLength / 4) }]);
    expectedOffset += t.byteLength;
  }
  if (expectedOffset !== payloadBytes) return { ok: false, problem: `the layout covers ${expectedOffset} payload bytes, the prefix declares ${payloadBytes}` };
  const state: PriorState = {
    config: header.config,
    weights: Object.fromEntries(groups.weights),
    optimizer: { firstMoment: Object.fromEntries(groups.firstMoment), secondMoment: Object.fromEntries(groups.secondMoment) },
    step: header.step,
  };
  const inconsistent = priorStateProblem(state);
  return inconsistent === undefined ? { ok: true, value: state } : { ok: false, problem: `inconsistent entry: ${inconsistent}` };
}

/** Tensors must lie back to back in the listed order; a reader rejects any other layout. */
function layoutProblem(t: TensorLayout, expectedOffset: number): string | undefined {
  if (typeof t !== 'object' || t === null) return 'not an object';
  if (!GROUPS.includes(t.group)) return `unknown group ${JSON.stringify(t.group)}`;
  if (typeof t.name !== 'string') return 'no name';
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `bad shape ${JSON.stringify(t.shape)}`;
  if (t.byteOffset !== expectedOffset) return `byteOffset ${JSON.stringify(t.byteOffset)}, expected ${expectedOffset}`;
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.byteLength !== 4 * size) return `byteLength ${JSON.stringify(t.byteLength)} does not match shape [${t.shape.join(', ')}]`;
  return undefined;
}

function tensorsOf(state: PriorState, group: TensorGroup): Record<string, StoredTensor> {
  return group === 'weights' ? state.weights : state.optimizer[group];
}

function writeFloat32LE(out: Buffer, at: number, values: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out, at);
  } else {
    for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, at + 4 * i);
  }
}

/** A fresh array (never a view of the file's buffer, which the caller may reuse). */
function readFloat32LE(bytes: Buffer, at: number, count: number): Float32Array {
  if (LITTLE_ENDIAN_HOST) return new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * count));
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = bytes.readFloatLE(at + 4 * i);
  return values;
}

export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
