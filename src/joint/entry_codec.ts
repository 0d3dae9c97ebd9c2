import { createHash } from 'node:crypto';
import type { PriorConfig } from '../priors/prior_config.js';
import type { PriorState, StoredTensor } from './prior_state.js';
import { priorStateProblem } from './prior_state_copy.js';
import { bytesPerValue, readValues, STORED_DTYPES, storedDtype, writeValues, type StoreCompression, type StoredDtype } from './stored_dtype.js';

/** One entry file's bytes (layout in STORE_FORMAT.md). */
export const ENTRY_FORMAT = 'shapeprior-prior-entry';
/**
 * The newest entry version, written when a tensor is float16. An entry whose tensors are
 * all float32 is written as version 1, which older readers still read (they ignore the
 * `dtype` fields); version 2 exists so that they refuse float16 payloads instead of
 * misreading them.
 */
export const ENTRY_VERSION = 2;
/** Entry versions this code reads. */
export const ENTRY_VERSIONS: readonly number[] = [1, 2];
export const ENTRY_MAGIC = Buffer.from('SPPRIOR\0', 'latin1');
/** magic (8) + version u32 + header length u32 + payload length u64. */
export const PREFIX_BYTES = 24;
export const CHECKSUM_BYTES = 32;

const GROUPS = ['weights', 'firstMoment', 'secondMoment'] as const;
type TensorGroup = (typeof GROUPS)[number];

export interface TensorLayout {
  group: TensorGroup;
  name: string;
  shape: number[];
  /** How the values are stored; absent in entries written before version 2 (then float32). */
  dtype?: StoredDtype;
  /** From the start of the payload. */
  byteOffset: number;
  byteLength: number;
}

export interface EntryHeader {
  format: typeof ENTRY_FORMAT;
  version: number;
  id: string;
  /** The class (output channel) of a class entry; absent in a single-class entry (every entry written before classes). */
  class?: number;
  step: number;
  config: PriorConfig;
  tensors: TensorLayout[];
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface EncodedEntry {
  bytes: Buffer;
  /** What decoding `bytes` gives: float16 tensors rounded (fresh arrays), float32 tensors shared with the state encoded. */
  readBack: PriorState;
}

/** The entry file for `state`, checksum included. The state must pass priorStateProblem. */
export function encodeEntry(id: string, state: PriorState, compression: StoreCompression = 'none', cls?: number): EncodedEntry {
  const tensors: TensorLayout[] = [];
  const values: Float32Array[] = [];
  let payloadBytes = 0;
  for (const group of GROUPS) {
    for (const [name, t] of Object.entries(tensorsOf(state, group))) {
      const dtype = storedDtype(group, t.values, compression);
      const byteLength = bytesPerValue(dtype) * t.values.length;
      tensors.push({ group, name, shape: [...t.shape], dtype, byteOffset: payloadBytes, byteLength });
      values.push(t.values);
      payloadBytes += byteLength;
    }
  }
  const version = tensors.some((t) => t.dtype !== 'float32') ? ENTRY_VERSION : 1;
  const header: EntryHeader = { format: ENTRY_FORMAT, version, id, ...(cls === undefined ? {} : { class: cls }), step: state.step, config: state.config, tensors };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const payloadStart = align8(PREFIX_BYTES + headerBytes.length);
  const total = payloadStart + payloadBytes + CHECKSUM_BYTES;
  const out = Buffer.alloc(total); // zeroed, so the padding is zeros
  ENTRY_MAGIC.copy(out, 0);
  out.writeUInt32LE(version, 8);
  out.writeUInt32LE(headerBytes.length, 12);
  out.writeBigUInt64LE(BigInt(payloadBytes), 16);
  headerBytes.copy(out, PREFIX_BYTES);
  const readBack: Record<TensorGroup, [string, StoredTensor][]> = { weights: [], firstMoment: [], secondMoment: [] };
  for (const [i, t] of tensors.entries()) {
    const stored = writeValues(out, payloadStart + t.byteOffset, values[i]!, t.dtype!);
    readBack[t.group].push([t.name, { shape: t.shape, values: stored }]);
  }
  createHash('sha256').update(out.subarray(0, total - CHECKSUM_BYTES)).digest().copy(out, total - CHECKSUM_BYTES);
  // fromEntries defines own properties, so even a weight named "__proto__" stays a key.
  const [weights, firstMoment, secondMoment] = GROUPS.map((g) => Object.fromEntries(readBack[g]));
  return { bytes: out, readBack: { config: state.config, weights: weights!, optimizer: { firstMoment: firstMoment!, secondMoment: secondMoment! }, step: state.step } };
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
  if (!ENTRY_VERSIONS.includes(version)) return { ok: false, problem: `entry format version ${version}; this shapeprior reads versions ${ENTRY_VERSIONS.join(' and ')}` };
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
  if (!ENTRY_VERSIONS.includes(h.version as number)) return { ok: false, problem: `the header's version is ${JSON.stringify(h.version)}; this shapeprior reads versions ${ENTRY_VERSIONS.join(' and ')}` };
  if (typeof h.id !== 'string') return { ok: false, problem: 'the header has no id' };
  return { ok: true, value: h as EntryHeader };
}

/** The state stored in `bytes`, after checking length, checksum, format, id, class and layout. */
export function decodeEntry(bytes: Buffer, expectedId: string, expectedClass?: number): Decoded<PriorState> {
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
  const version = bytes.readUInt32LE(8);
  if (header.version !== version) return { ok: false, problem: `the header's version is ${header.version}, the prefix's ${version}` };
  if (header.id !== expectedId) return { ok: false, problem: `the file holds the prior of sample ${JSON.stringify(header.id)}, not this one` };
  if (header.class !== expectedClass) return { ok: false, problem: `the file holds the prior of ${header.class === undefined ? 'no class' : `class ${JSON.stringify(header.class)}`}, not this one` };
  if (!Number.isSafeInteger(header.step) || header.step < 0) return { ok: false, problem: `step ${JSON.stringify(header.step)} is not a non-negative integer` };
  const groups: Record<TensorGroup, [string, StoredTensor][]> = { weights: [], firstMoment: [], secondMoment: [] };
  const seen = new Set<string>();
  const payloadStart = align8(PREFIX_BYTES + headerBytes);
  let expectedOffset = 0;
  if (!Array.isArray(header.tensors)) return { ok: false, problem: 'the header has no tensor list' };
  for (const [i, t] of header.tensors.entries()) {
    const checked = checkLayout(t, expectedOffset, header.version);
    if (!checked.ok) return { ok: false, problem: `tensor ${i}${describeTensor(t)} of the layout: ${checked.problem}` };
    const key = `${t.group}\0${t.name}`;
    if (seen.has(key)) return { ok: false, problem: `tensor ${i} of the layout: ${t.group} "${t.name}" appears twice` };
    seen.add(key);
    const dtype = checked.value;
    groups[t.group].push([t.name, { shape: [...t.shape], values: readValues(bytes, payloadStart + t.byteOffset, t.byteLength / bytesPerValue(dtype), dtype) }]);
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

/** Tensors must lie back to back in the listed order; a reader rejects any other layout. Gives the tensor's dtype. */
function checkLayout(t: TensorLayout, expectedOffset: number, version: number): Decoded<StoredDtype> {
  const fail = (problem: string): Decoded<StoredDtype> => ({ ok: false, problem });
  if (typeof t !== 'object' || t === null) return fail('not an object');
  if (!GROUPS.includes(t.group)) return fail(`unknown group ${JSON.stringify(t.group)}`);
  if (typeof t.name !== 'string') return fail('no name');
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail(`bad shape ${JSON.stringify(t.shape)}`);
  // Version 1 predates the field: its tensors are float32 (and new version-1 entries say so).
  const dtype = t.dtype ?? (version === 1 ? 'float32' : undefined);
  if (dtype === undefined) return fail(`no dtype (a version-${version} entry records one per tensor)`);
  if (!STORED_DTYPES.includes(dtype)) return fail(`unknown dtype ${JSON.stringify(dtype)}; this shapeprior reads ${STORED_DTYPES.join(' and ')}`);
  if (dtype !== 'float32' && version === 1) return fail(`dtype ${dtype} in a version-1 entry, which holds float32 only`);
  if (t.byteOffset !== expectedOffset) return fail(`byteOffset ${JSON.stringify(t.byteOffset)}, expected ${expectedOffset}`);
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.byteLength !== bytesPerValue(dtype) * size) return fail(`byteLength ${JSON.stringify(t.byteLength)} does not match shape [${t.shape.join(', ')}] of ${dtype}`);
  return { ok: true, value: dtype };
}

function describeTensor(t: TensorLayout): string {
  return typeof t === 'object' && t !== null && typeof t.name === 'string' && typeof t.group === 'string' ? ` (${t.group} ${JSON.stringify(t.name)})` : '';
}

function tensorsOf(state: PriorState, group: TensorGroup): Record<string, StoredTensor> {
  return group === 'weights' ? state.weights : state.optimizer[group];
}

export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
