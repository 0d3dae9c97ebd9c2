import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Float16Array } from '@petamoriken/float16';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskPriorStore } from '../src/joint/disk_prior_store.js';
import { readValues, writeValues } from '../src/joint/stored_dtype.js';
import { PriorStoreError } from '../src/errors.js';
import type { PriorState, StoredTensor } from '../src/joint/prior_state.js';
import { DEFAULT_CONVEX } from '../src/priors/prior_config.js';

const created: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `shapeprior-scale-${label}-`));
  created.push(dir);
  return dir;
};
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

// A collectable heap, so that "retained" means retained, not "not yet collected".
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Bytes of JS objects and ArrayBuffers (Float32Array data lives outside the V8 heap) that survive a full collection. */
function retainedBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const filled = (n: number, v: number): StoredTensor => ({ shape: [n], values: new Float32Array(n).fill(v) });

async function expectStoreError(promise: Promise<unknown>, id: string, file: string, reason: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PriorStoreError);
  const e = error as PriorStoreError;
  expect([e.id, e.file]).toEqual([id, file]);
  expect(e.message).toContain(JSON.stringify(id));
  expect(e.message).toContain(file);
  expect(e.message).toMatch(reason);
}

interface EntryParts {
  version: number;
  header: { version: number; tensors: { group: string; name: string; shape: number[]; dtype?: string; byteOffset: number; byteLength: number }[] } & Record<string, unknown>;
  payload: Buffer;
}

/** An entry file taken apart (STORE_FORMAT.md), to check its header and to build entries of other versions. */
function parseEntry(file: string): EntryParts {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt32LE(12);
  const payloadLength = Number(bytes.readBigUInt64LE(16));
  const start = Math.ceil((24 + headerLength) / 8) * 8;
  return { version: bytes.readUInt32LE(8), header: JSON.parse(bytes.subarray(24, 24 + headerLength).toString('utf8')), payload: bytes.subarray(start, start + payloadLength) };
}

/** A well-formed entry file (valid lengths, padding and checksum) from its parts. */
function buildEntry({ version, header, payload }: EntryParts): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((24 + json.length) / 8) * 8;
  const out = Buffer.alloc(start + payload.length + 32);
  out.write('SPPRIOR\0', 0, 'latin1');
  out.writeUInt32LE(version, 8);
  out.writeUInt32LE(json.length, 12);
  out.writeBigUInt64LE(BigInt(payload.length), 16);
  json.copy(out, 24);
  payload.copy(out, start);
  createHash('sha256').update(out.subarray(0, out.length - 32)).digest().copy(out, out.length - 32);
  return out;
}

describe('DiskPriorStore with 20,000 entries', () => {
  const ENTRIES = 20_000;
  const CACHE = 64;
  // 3 x 1,000 float32 values: 12 KB per decoded entry, 240 MB if the store kept them all.
  const VALUES = 1000;
  const entryBytes = 3 * 4 * VALUES;
  const state = (i: number): PriorState => ({
    config: DEFAULT_CONVEX,
    weights: { w: filled(VALUES, i) },
    optimizer: { firstMoment: { w: filled(VALUES, -i) }, secondMoment: { w: filled(VALUES, i / 2) } },
    step: i,
  });
  let dir: string;
  let baseline: number;
  let peakGrowth = 0;
  const checkpoint = () => (peakGrowth = Math.max(peakGrowth, retainedBytes() - baseline));

  beforeAll(() => {
    dir = tempDir('20k');
  });

  it('writes and reads them all with the cache and the retained memory bounded by the cache size', async () => {
    const store = await DiskPriorStore.open(dir, { cacheEntries: CACHE });
    baseline = retainedBytes();
    let maxCache = 0;
    const BATCH = 64;
    const t0 = performance.now();
    for (let start = 0; start < ENTRIES; start += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, ENTRIES - start) }, (_, k) => store.save(`sample-${start + k}`, state(start + k))));
      maxCache = Math.max(maxCache, store.cacheSize);
      if (start % 2048 === 0) checkpoint();
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    // Every entry read back, in an order that defeats the cache (a stride through the ids).
    const t1 = performance.now();
    for (let start = 0; start < ENTRIES; start += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, ENTRIES - start) }, (_, k) => ((start + k) * 7919) % ENTRIES);
      const loaded = await Promise.all(ids.map((i) => store.load(`sample-${i}`)));
      loaded.forEach((s, k) => {
        expect(s?.step).toBe(ids[k]);
        expect(s?.weights.w?.values[VALUES - 1]).toBe(ids[k]);
      });
      maxCache = Math.max(maxCache, store.cacheSize);
      if (start % 2048 === 0) checkpoint();
    }
    const readSeconds = (performance.now() - t1) / 1000;
    checkpoint();
    expect(maxCache).toBe(CACHE);
    // All entries decoded would be ENTRIES * entryBytes = 240 MB; the cache holds 64 * 12 KB = 0.8 MB.
    // 16 MB leaves room for V8's own variation and still fails if even 7% of the entries stayed.
    console.log(`20,000 entries: write ${writeSeconds.toFixed(1)} s, read ${readSeconds.toFixed(1)} s, cache <= ${maxCache} entries, ` +
      `retained memory growth at most ${(peakGrowth / 2 ** 20).toFixed(1)} MB (all entries: ${((ENTRIES * entryBytes) / 2 ** 20).toFixed(0)} MB)`);
    expect(peakGrowth).toBeLessThan(16 * 2 ** 20);
    expect(peakGrowth).toBeLessThan((ENTRIES * entryBytes) / 15);
  });

  it('opens the full store without reading its entries, and streams its ids', async () => {
    const before = retainedBytes();
    const t0 = performance.now();
    const store = await DiskPriorStore.open(dir, { readOnly: true });
    const openMs = performance.now() - t0;
    const afterOpen = retainedBytes() - before;
    const seen = new Set<string>();
    let maxGrowth = 0;
    for await (const id of store.eachId()) {
      seen.add(id);
      if (seen.size % 5000 === 0) maxGrowth = Math.max(maxGrowth, retainedBytes() - before);
    }
    console.log(`open of 20,000 entries: ${openMs.toFixed(1)} ms, retained growth ${(afterOpen / 1024).toFixed(0)} KB`);
    expect(store.cacheSize).toBe(0);
    // One decoded entry alone is 12 KB; the whole store's payload 240 MB.
    expect(afterOpen).toBeLessThan(2 * 2 ** 20);
    expect(seen.size).toBe(ENTRIES);
    expect(seen.has('sample-0') && seen.has(`sample-${ENTRIES - 1}`)).toBe(true);
    // The growth is the id set the test itself keeps (20,000 short strings), not entries.
    expect(maxGrowth).toBeLessThan(8 * 2 ** 20);
    const readWrite = await DiskPriorStore.open(dir);
    expect((await readWrite.ids()).length).toBe(ENTRIES);
  });
});

describe('float16 compression', () => {
  /** Weights over float16's whole range (normal, subnormal, zeros, both extremes) and moments far below it. */
  function compressibleState(): PriorState {
    const n = 4096;
    const weights = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731) * 10 ** ((i % 11) - 6));
    weights.set([0, -0, 65504, -65504, 6.1e-5, 1e-7, 3e-8, 1e-9]);
    const moment = Float32Array.from({ length: n }, (_, i) => Math.abs(Math.cos(i)) * 1e-10);
    return {
      config: DEFAULT_CONVEX,
      weights: { 'icnn_0/z_kernel': { shape: [64, 64], values: weights }, 'frame/matrix': { shape: [2, 2], values: Float32Array.from([1.25, -0.1, 0.1, 0.75]) } },
      optimizer: { firstMoment: { 'icnn_0/z_kernel': { shape: [64, 64], values: moment } }, secondMoment: { 'icnn_0/z_kernel': { shape: [64, 64], values: moment.map((v) => v * v) } } },
      step: 7,
    };
  }

  /** Float16's guarantee: relative 2^-11 in its normal range, absolute 2^-25 (half its smallest subnormal) below it. */
  function expectFloat16Close(got: Float32Array, want: Float32Array): void {
    expect(got.length).toBe(want.length);
    let worstRelative = 0;
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const error = Math.abs(got[i]! - w);
      if (Math.abs(w) >= 2 ** -14) worstRelative = Math.max(worstRelative, error / Math.abs(w));
      else expect(error).toBeLessThanOrEqual(2 ** -25);
    }
    expect(worstRelative).toBeLessThanOrEqual(2 ** -11);
    expect(worstRelative).toBeGreaterThan(0); // really rounded, not stored as float32
  }

  it('encodes and decodes float16 exactly as the polyfill does: every bit pattern, ties, subnormals, random values', () => {
    const patterns = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const everyHalf = Float32Array.from(new Float16Array(patterns.buffer));
    const finite = everyHalf.filter((v) => Number.isFinite(v));
    // Midpoints of neighbours (ties go to the even pattern), and values spread over 1e-9..1e5.
    const sorted = Float32Array.from(new Set(finite)).sort();
    const ties = sorted.subarray(1).map((v, i) => (v + sorted[i]!) / 2);
    const spread = Float32Array.from({ length: 20_000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 15) - 10));
    for (const values of [finite, ties, spread]) {
      const out = Buffer.alloc(2 * values.length + 3);
      const readBack = writeValues(out, 3, values, 'float16');
      const reference = new Float16Array(values);
      expect(out.subarray(3)).toEqual(Buffer.from(reference.buffer));
      expect(readBack).toEqual(Float32Array.from(reference));
      expect(readValues(out, 3, values.length, 'float16')).toEqual(readBack);
    }
    expect(writeValues(Buffer.alloc(2 * finite.length), 0, finite, 'float16')).toEqual(finite);
  });

  it('stores weights as float16 within 2^-11 relative error, records each dtype, and keeps moments exact', async () => {
    const dir = tempDir('f16');
    const original = compressibleState();
    const store = await DiskPriorStore.open(dir, { compression: 'float16' });
    expect(store.compression).toBe('float16');
    await store.save('cat/img 001', original);
    const fromCache = (await store.load('cat/img 001'))!;
    const fromDisk = (await DiskPriorStore.open(dir, { cacheEntries: 0 }).then((s) => s.load('cat/img 001')))!;
    for (const loaded of [fromCache, fromDisk]) {
      expectFloat16Close(loaded.weights['icnn_0/z_kernel']!.values, original.weights['icnn_0/z_kernel']!.values);
      expect(Array.from(loaded.weights['frame/matrix']!.values)).toEqual([1.25, -0.0999755859375, 0.0999755859375, 0.75]);
      expect(loaded.optimizer.firstMoment['icnn_0/z_kernel']!.values).toEqual(original.optimizer.firstMoment['icnn_0/z_kernel']!.values);
      expect(loaded.optimizer.secondMoment['icnn_0/z_kernel']!.values).toEqual(original.optimizer.secondMoment['icnn_0/z_kernel']!.values);
      expect(loaded.step).toBe(7);
    }
    // The cache holds what the file gives, not the unrounded values saved.
    expect(fromCache.weights['icnn_0/z_kernel']!.values).toEqual(fromDisk.weights['icnn_0/z_kernel']!.values);
    const { version, header } = parseEntry(store.entryFile('cat/img 001'));
    expect([version, header.version]).toEqual([2, 2]);
    expect(header.tensors.map((t) => [t.group, t.name, t.dtype, t.byteLength])).toEqual([
      ['weights', 'icnn_0/z_kernel', 'float16', 2 * 4096],
      ['weights', 'frame/matrix', 'float16', 2 * 4],
      ['firstMoment', 'icnn_0/z_kernel', 'float32', 4 * 4096],
      ['secondMoment', 'icnn_0/z_kernel', 'float32', 4 * 4096],
    ]);
  });

  it('keeps a weight tensor float32, bit-exact, when a value is beyond +-65504 or not finite', async () => {
    const store = await DiskPriorStore.open(tempDir('f16-range'), { compression: 'float16', cacheEntries: 0 });
    const state: PriorState = {
      config: DEFAULT_CONVEX,
      weights: {
        big: { shape: [3], values: Float32Array.from([1.1, 65520, 2.2]) },
        nan: { shape: [2], values: Float32Array.from([0.3, Number.NaN]) },
        inf: { shape: [2], values: Float32Array.from([Number.NEGATIVE_INFINITY, 0.3]) },
        edge: { shape: [2], values: Float32Array.from([65504, -65504]) },
        plain: { shape: [2], values: Float32Array.from([0.3, 1.1]) },
      },
      optimizer: { firstMoment: {}, secondMoment: {} },
      step: 1,
    };
    await store.save('range', state);
    const dtypes = Object.fromEntries(parseEntry(store.entryFile('range')).header.tensors.map((t) => [t.name, t.dtype]));
    expect(dtypes).toEqual({ big: 'float32', nan: 'float32', inf: 'float32', edge: 'float16', plain: 'float16' });
    const loaded = (await store.load('range'))!;
    for (const name of ['big', 'nan', 'inf', 'edge']) expect(Array.from(loaded.weights[name]!.values)).toEqual(Array.from(state.weights[name]!.values));
    expect(Array.from(loaded.weights.plain!.values)).toEqual([0.300048828125, 1.099609375]);
  });

  it('a mixed store reads the same whatever the option it is opened with', async () => {
    const dir = tempDir('mixed');
    const plain = await DiskPriorStore.open(dir);
    await plain.save('a', compressibleState());
    await plain.save('b', compressibleState());
    const compressed = await DiskPriorStore.open(dir, { compression: 'float16' });
    await compressed.save('b', compressibleState());
    await compressed.save('c', compressibleState());
    expect([parseEntry(plain.entryFile('a')).version, parseEntry(plain.entryFile('b')).version]).toEqual([1, 2]);
    const exact = compressibleState().weights['icnn_0/z_kernel']!.values;
    for (const options of [{}, { compression: 'float16' as const }, { readOnly: true }]) {
      const store = await DiskPriorStore.open(dir, { ...options, cacheEntries: 0 });
      expect((await store.ids()).sort()).toEqual(['a', 'b', 'c']);
      expect((await store.load('a'))!.weights['icnn_0/z_kernel']!.values).toEqual(exact);
      for (const id of ['b', 'c']) expectFloat16Close((await store.load(id))!.weights['icnn_0/z_kernel']!.values, exact);
    }
  });

  it('float16 entries are half the size when they hold weights only', async () => {
    const n = 50_000;
    const state: PriorState = {
      config: DEFAULT_CONVEX,
      weights: { w: { shape: [n], values: Float32Array.from({ length: n }, (_, i) => Math.sin(i)) } },
      optimizer: { firstMoment: {}, secondMoment: {} },
      step: 0,
    };
    const [full, half] = await Promise.all([DiskPriorStore.open(tempDir('size32')), DiskPriorStore.open(tempDir('size16'), { compression: 'float16' })]);
    await full.save('s', state);
    await half.save('s', state);
    const ratio = statSync(half.entryFile('s')).size / statSync(full.entryFile('s')).size;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(0.505);
    expect(parseEntry(half.entryFile('s')).payload.length).toBe(2 * n);
    // With Adam moments (float32 always) an entry shrinks by a sixth: 2 + 4 + 4 bytes per weight value instead of 12.
    const withMoments = { ...state, optimizer: { firstMoment: { w: state.weights.w! }, secondMoment: { w: state.weights.w! } } };
    await half.save('m', withMoments);
    expect(parseEntry(half.entryFile('m')).payload.length).toBe(10 * n);
  });

  it('still reads version-1 entries (no dtype fields), and refuses a float16 dtype in one', async () => {
    const dir = tempDir('v1');
    const store = await DiskPriorStore.open(dir, { cacheEntries: 0 });
    const state = compressibleState();
    await store.save('old', state);
    const file = store.entryFile('old');
    const parts = parseEntry(file);
    expect(parts.version).toBe(1);
    expect(parts.header.tensors.every((t) => t.dtype === 'float32')).toBe(true);
    // Byte for byte what the store wrote before dtypes existed.
    const old = { ...parts, header: { ...parts.header, tensors: parts.header.tensors.map(({ dtype: _, ...t }) => t) } };
    writeFileSync(file, buildEntry(old));
    expect((await store.load('old'))!.weights['icnn_0/z_kernel']!.values).toEqual(state.weights['icnn_0/z_kernel']!.values);
    const claimsHalf = { ...parts, header: { ...parts.header, tensors: parts.header.tensors.map((t, i) => (i === 0 ? { ...t, dtype: 'float16', byteLength: t.byteLength / 2 } : t)) } };
    writeFileSync(file, buildEntry(claimsHalf));
    await expectStoreError(store.load('old'), 'old', file, /weights "icnn_0\/z_kernel".*dtype float16 in a version-1 entry/);
  });

  it('an unknown or missing dtype is an error naming id, file and tensor', async () => {
    const dir = tempDir('dtype');
    const store = await DiskPriorStore.open(dir, { compression: 'float16', cacheEntries: 0 });
    await store.save('x', compressibleState());
    const file = store.entryFile('x');
    const parts = parseEntry(file);
    const withDtype = (dtype: string | undefined) => ({
      ...parts,
      header: { ...parts.header, tensors: parts.header.tensors.map((t, i) => (i === 1 ? { ...t, dtype } : t)) },
    });
    writeFileSync(file, buildEntry(withDtype('bfloat16')));
    await expectStoreError(store.load('x'), 'x', file, /tensor 1 \(weights "frame\/matrix"\).*unknown dtype "bfloat16"/);
    writeFileSync(file, buildEntry(withDtype(undefined)));
    await expectStoreError(store.load('x'), 'x', file, /weights "frame\/matrix".*no dtype/);
    await expect(DiskPriorStore.open(dir, { compression: 'gzip' as never })).rejects.toThrow(/compression must be 'none' or 'float16', got "gzip"/);
  });
});

describe('DiskPriorStore readOnly', () => {
  it('reads, but never creates, writes or deletes anything, not even a crashed writer temp file', async () => {
    const dir = tempDir('readonly');
    const missing = path.join(dir, 'nothing-here');
    await expect(DiskPriorStore.open(missing, { readOnly: true })).rejects.toThrow(/missing/);
    expect(existsSync(missing)).toBe(false);
    const writer = await DiskPriorStore.open(dir);
    await writer.save('a', { config: DEFAULT_CONVEX, weights: { w: filled(3, 1) }, optimizer: { firstMoment: {}, secondMoment: {} }, step: 1 });
    const inFlight = path.join(path.dirname(writer.entryFile('a')), `.${path.basename(writer.entryFile('b'))}.4242-abc.tmp`);
    writeFileSync(inFlight, 'another process, mid-save');
    const reader = await DiskPriorStore.open(dir, { readOnly: true });
    expect(existsSync(inFlight)).toBe(true);
    expect((await reader.load('a'))!.step).toBe(1);
    expect(await reader.ids()).toEqual(['a']);
    await expectStoreError(reader.save('b', (await reader.load('a'))!), 'b', reader.entryFile('b'), /read-only/);
    await expectStoreError(reader.delete('a'), 'a', reader.entryFile('a'), /read-only/);
    expect(await writer.has('a')).toBe(true);
  });
});
