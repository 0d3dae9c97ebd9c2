import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync, existsSync, copyFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskPriorStore, MANIFEST_FILE } from '../src/joint/disk_prior_store.js';
import { MemoryPriorStore } from '../src/joint/memory_prior_store.js';
import { PriorStoreError } from '../src/errors.js';
import type { PriorState, PriorStore, StoredTensor } from '../src/joint/prior_state.js';
import { DEFAULT_CONVEX } from '../src/priors/prior_config.js';

const created: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `shapeprior-store-${label}-`));
  created.push(dir);
  return dir;
};
// The crash tests leave ~40 MB of entries.
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A small convex-like layout: one non-trainable weight (no moments), odd values that must survive bit-exactly. */
function makeState(seed: number, step: number): PriorState {
  const tensor = (shape: number[], k: number): StoredTensor => {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 7.1 + k * 3.3 + i * 0.37) * 10 ** ((i % 7) - 3));
    return { shape, values };
  };
  const special = tensor([2, 3], 9);
  special.values.set([Number.NaN, -0, Number.POSITIVE_INFINITY, 1e-40, -3.5, seed]);
  const trainable = { 'icnn_0/x_kernel': [2, 8], 'icnn_0/bias': [8], 'odd name/ü': [0], 'saturation/log_level': [1] } as Record<string, number[]>;
  const group = (k: number) => Object.fromEntries(Object.entries(trainable).map(([name, shape], j) => [name, tensor(shape, k * 10 + j)]));
  return {
    config: { ...DEFAULT_CONVEX, width: 8 + seed },
    weights: { ...group(0), 'frame/matrix': special },
    optimizer: { firstMoment: group(1), secondMoment: group(2) },
    step,
  };
}

/** Tensors compared as plain arrays: toEqual tells NaN, -0 and 0 apart. */
function plain(state: PriorState | undefined): unknown {
  if (state === undefined) return undefined;
  const tensors = (r: Record<string, StoredTensor>) => Object.fromEntries(Object.entries(r).map(([n, t]) => [n, { shape: [...t.shape], values: Array.from(t.values) }]));
  return { config: structuredClone(state.config), step: state.step, weights: tensors(state.weights), first: tensors(state.optimizer.firstMoment), second: tensors(state.optimizer.secondMoment) };
}

const ODD_IDS = [
  'plain',
  'cat/img 001',
  'a b',
  'ünïcödé-画像 🐱',
  '..',
  '../../escape',
  '.',
  'Sample',
  'sample',
  'con',
  '',
  '%41',
  'a~b\\c:d*e?f"g<h>i|j',
  'lone\uD800surrogate',
  'x'.repeat(300),
  'é'.repeat(100),
];

async function expectRejects(promise: Promise<unknown>, id: string | undefined, file: string, reason?: RegExp): Promise<PriorStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PriorStoreError);
  const e = error as PriorStoreError;
  expect(e.id).toBe(id);
  expect(e.file).toBe(file);
  if (id !== undefined) expect(e.message).toContain(JSON.stringify(id));
  expect(e.message).toContain(file);
  if (reason !== undefined) expect(e.message).toMatch(reason);
  return e;
}

/** Every file below `dir`, relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(prefix, d.name);
    return d.isDirectory() ? filesUnder(dir, rel) : [rel];
  });
}

const stores: [string, () => Promise<PriorStore>][] = [
  ['MemoryPriorStore', async () => new MemoryPriorStore()],
  ['DiskPriorStore', () => DiskPriorStore.open(tempDir('roundtrip'))],
  ['DiskPriorStore without cache', () => DiskPriorStore.open(tempDir('nocache'), { cacheEntries: 0 })],
];

describe.each(stores)('%s', (_, openStore) => {
  it('round-trips weights, both Adam moments, step and config for ids with any characters', async () => {
    const store = await openStore();
    const states = ODD_IDS.map((_, i) => makeState(i, 100 + i));
    for (const [i, id] of ODD_IDS.entries()) await store.save(id, states[i]!);
    expect((await store.ids()).sort()).toEqual([...ODD_IDS].sort());
    for (const [i, id] of ODD_IDS.entries()) {
      expect(await store.has(id)).toBe(true);
      expect(plain(await store.load(id))).toEqual(plain(states[i]));
    }
    expect(await store.load('never saved')).toBeUndefined();
    expect(await store.has('never saved')).toBe(false);
    await store.delete('..');
    await store.delete('never saved');
    expect(await store.has('..')).toBe(false);
    expect(await store.load('..')).toBeUndefined();
    expect((await store.ids()).sort()).toEqual(ODD_IDS.filter((id) => id !== '..').sort());
  });

  it('keeps (id, class) entries apart from each other and from the plain id\'s entry', async () => {
    const store = await openStore();
    const ids = ['plain', 'cat/img 001', 'x'.repeat(300), 'lone\uD800surrogate'];
    const keys = ids.flatMap((id) => [id, { id, class: 0 }, { id, class: 2 }]);
    const states = keys.map((_, i) => makeState(i, 10 + i));
    for (const [i, key] of keys.entries()) await store.save(key, states[i]!);
    for (const [i, key] of keys.entries()) {
      expect(await store.has(key)).toBe(true);
      expect(plain(await store.load(key))).toEqual(plain(states[i]));
    }
    expect((await store.ids()).sort()).toEqual([...ids].sort());
    const text = (k: unknown) => JSON.stringify(k);
    expect((await store.keys()).map(text).sort()).toEqual(keys.map(text).sort());
    expect(await store.load({ id: 'plain', class: 1 })).toBeUndefined();
    await store.delete({ id: 'plain', class: 0 });
    expect(await store.has({ id: 'plain', class: 0 })).toBe(false);
    expect(await store.has('plain')).toBe(true);
    await expect(store.load({ id: 'plain', class: -1 })).rejects.toThrow(/class a non-negative integer/);
  });

  it('copies on save and on load', async () => {
    const store = await openStore();
    const original = makeState(1, 5);
    const expected = plain(original);
    // Changed right after the call, before the save has finished: the store keeps the state as passed.
    const saving = store.save('s', original);
    original.weights['icnn_0/bias']!.values[0] = 123;
    original.optimizer.secondMoment['icnn_0/bias']!.shape.push(1);
    original.step = 6;
    await saving;
    const loaded = (await store.load('s'))!;
    expect(plain(loaded)).toEqual(expected);
    loaded.weights['icnn_0/x_kernel']!.values.fill(7);
    loaded.optimizer.firstMoment['icnn_0/bias']!.values.fill(7);
    (loaded.config as { width: number }).width = 999;
    loaded.step = 77;
    expect(plain(await store.load('s'))).toEqual(expected);
  });

  it('applies operations on one id in call order', async () => {
    const store = await openStore();
    const [a, b] = [makeState(1, 1), makeState(2, 2)];
    const results = await Promise.all([store.save('x', a), store.load('x'), store.save('x', b), store.load('x'), store.delete('x'), store.load('x')]);
    expect(plain(results[1] as PriorState)).toEqual(plain(a));
    expect(plain(results[3] as PriorState)).toEqual(plain(b));
    expect(results[5]).toBeUndefined();
  });

  it('refuses a state whose shapes do not match its values', async () => {
    const store = await openStore();
    const bad = makeState(0, 1);
    bad.weights['icnn_0/bias'] = { shape: [9], values: new Float32Array(8) };
    await expect(store.save('bad', bad)).rejects.toThrow(/"bad".*icnn_0\/bias/);
    const moment = makeState(0, 1);
    moment.optimizer.firstMoment['not a weight'] = { shape: [1], values: new Float32Array(1) };
    await expect(store.save('bad', moment)).rejects.toThrow(/not a weight/);
    expect(await store.has('bad')).toBe(false);
  });
});

describe('DiskPriorStore layout', () => {
  it('shards entries by the hash of the id and keeps every file inside its shard', async () => {
    const dir = tempDir('layout');
    const store = await DiskPriorStore.open(dir);
    for (const [i, id] of ODD_IDS.entries()) await store.save(id, makeState(i, 1));
    const files = filesUnder(dir).filter((f) => f !== MANIFEST_FILE);
    expect(files).toHaveLength(ODD_IDS.length);
    // Names that differ only in case would be one file on a case-insensitive filesystem.
    expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(ODD_IDS.length);
    for (const id of ODD_IDS) {
      const rel = path.relative(dir, store.entryFile(id)).split(path.sep);
      const shard = createHash('sha256').update(id === 'lone\uD800surrogate' ? Buffer.from([...Buffer.from('lone'), 0xed, 0xa0, 0x80, ...Buffer.from('surrogate')]) : Buffer.from(id, 'utf8')).digest('hex').slice(0, 2);
      expect(rel.slice(0, 2)).toEqual(['entries', shard]);
      expect(rel).toHaveLength(3);
      expect(rel[2]).toMatch(/^(?:[a-z0-9_~-]|%[0-9A-F]{2})+\.prior$/);
      expect(Buffer.byteLength(rel[2]!)).toBeLessThan(200);
    }
    const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(manifest).toMatchObject({ format: 'shapeprior-prior-store', formatVersion: 1 });
    expect(Number.isNaN(Date.parse(manifest.created))).toBe(false);
  });

  it('names a class entry <id entry name>.c<class>.prior in the id\'s shard; single-class names are unchanged', async () => {
    const dir = tempDir('classes');
    const store = await DiskPriorStore.open(dir);
    await store.save('img-1', makeState(1, 1));
    await store.save({ id: 'img-1', class: 2 }, makeState(2, 2));
    const plainFile = store.entryFile('img-1');
    expect(path.basename(plainFile)).toBe('img-1.prior');
    expect(store.entryFile({ id: 'img-1', class: 2 })).toBe(plainFile.replace(/\.prior$/, '.c2.prior'));
    // An entry copied to another class's name is refused with the id and class named.
    const wrong = store.entryFile({ id: 'img-1', class: 3 });
    copyFileSync(store.entryFile({ id: 'img-1', class: 2 }), wrong);
    const reopened = await DiskPriorStore.open(dir, { cacheEntries: 0 });
    const e = await expectRejects(reopened.load({ id: 'img-1', class: 3 }), 'img-1', wrong, /holds the prior of class 2/);
    expect(e.priorClass).toBe(3);
    expect(e.message).toContain('class 3');
  });

  it('ignores stray temp files in ids and load, and removes them on open', async () => {
    const dir = tempDir('temps');
    const store = await DiskPriorStore.open(dir);
    await store.save('kept', makeState(0, 3));
    const shardDir = path.dirname(store.entryFile('kept'));
    const stray = path.join(shardDir, `.${path.basename(store.entryFile('other'))}.4242-abc.tmp`);
    writeFileSync(stray, 'half an entry');
    writeFileSync(path.join(dir, '.store.json.4242-abc.tmp'), '{');
    expect(await store.ids()).toEqual(['kept']);
    expect(await store.load('other')).toBeUndefined();
    await DiskPriorStore.open(dir);
    expect(existsSync(stray)).toBe(false);
    expect(readdirSync(dir)).toEqual(expect.not.arrayContaining(['.store.json.4242-abc.tmp']));
    expect(filesUnder(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('lists a foreign file in a shard as an error naming it, not as an id', async () => {
    const dir = tempDir('foreign-name');
    const store = await DiskPriorStore.open(dir);
    await store.save('a', makeState(0, 1));
    const foreign = path.join(path.dirname(store.entryFile('a')), 'notes.txt');
    writeFileSync(foreign, 'x');
    await expectRejects(store.ids(), undefined, foreign, /foreign/);
  });
});

describe('DiskPriorStore corrupt entries', () => {
  async function storeWithEntry(label: string, id = 'cat/img 001') {
    const dir = tempDir(label);
    const writer = await DiskPriorStore.open(dir);
    await writer.save(id, makeState(3, 9));
    // A fresh store: nothing cached, every load reads the file.
    return { dir, id, file: writer.entryFile(id), reopen: () => DiskPriorStore.open(dir) };
  }

  it('a flipped byte anywhere in the entry throws an error naming id and file', async () => {
    const { id, file, reopen } = await storeWithEntry('flip');
    const good = readFileSync(file);
    const headerLength = good.readUInt32LE(12);
    const positions: [number, RegExp][] = [
      [0, /foreign/],
      [8, /version/],
      [24 + Math.floor(headerLength / 2), /checksum/],
      [good.length - 100, /checksum/],
      [good.length - 1, /checksum/],
    ];
    for (const [at, reason] of positions) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 0x10;
      writeFileSync(file, bad);
      await expectRejects((await reopen()).load(id), id, file, reason);
    }
    writeFileSync(file, good);
    expect(plain(await (await reopen()).load(id))).toEqual(plain(makeState(3, 9)));
  });

  it('a truncated entry throws an error naming id and file', async () => {
    const { id, file, reopen } = await storeWithEntry('truncate');
    const size = statSync(file).size;
    for (const length of [size - 1, Math.floor(size / 2), 30, 5, 0]) {
      truncateSync(file, length);
      await expectRejects((await reopen()).load(id), id, file, /truncated/);
    }
  });

  it('another entry version, another id or a foreign file throws an error naming id and file', async () => {
    const { dir, id, file, reopen } = await storeWithEntry('foreign');
    const good = readFileSync(file);
    // Version 3 (unknown to this code) with a valid checksum: refused for its version, not for corruption.
    const v3 = Buffer.from(good);
    v3.writeUInt32LE(3, 8);
    createHash('sha256').update(v3.subarray(0, v3.length - 32)).digest().copy(v3, v3.length - 32);
    writeFileSync(file, v3);
    await expectRejects((await reopen()).load(id), id, file, /version 3/);

    const store = await reopen();
    await store.save('other', makeState(4, 1));
    copyFileSync(store.entryFile('other'), file);
    await expectRejects((await reopen()).load(id), id, file, /holds the prior of sample "other"/);

    writeFileSync(file, '{"weights": "not an entry at all"}');
    await expectRejects((await reopen()).load(id), id, file, /foreign/);
    expect(existsSync(path.join(dir, MANIFEST_FILE))).toBe(true);
  });

  it('a manifest of another version or format, or a directory that is no store, makes open throw naming the file', async () => {
    const dir = tempDir('manifest');
    await DiskPriorStore.open(dir);
    const manifest = path.join(dir, MANIFEST_FILE);
    const original = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify({ ...original, formatVersion: 2 }));
    await expectRejects(DiskPriorStore.open(dir), undefined, manifest, /version 2/);
    writeFileSync(manifest, JSON.stringify({ ...original, format: 'something-else' }));
    await expectRejects(DiskPriorStore.open(dir), undefined, manifest, /not a shapeprior prior store/);
    writeFileSync(manifest, '{"format": ');
    await expectRejects(DiskPriorStore.open(dir), undefined, manifest, /not valid JSON/);

    const notAStore = tempDir('not-a-store');
    writeFileSync(path.join(notAStore, 'photo.png'), 'x');
    await expectRejects(DiskPriorStore.open(notAStore), undefined, path.join(notAStore, MANIFEST_FILE), /not a prior store/);
    expect(readdirSync(notAStore)).toEqual(['photo.png']);
    const empty = tempDir('empty');
    await expectRejects(DiskPriorStore.open(empty, { create: false }), undefined, path.join(empty, MANIFEST_FILE), /missing/);
  });
});

describe('DiskPriorStore cache', () => {
  it('stays within its capacity', async () => {
    const store = await DiskPriorStore.open(tempDir('lru'), { cacheEntries: 4 });
    expect(store.cacheCapacity).toBe(4);
    for (let i = 0; i < 10; i++) {
      await store.save(`s${i}`, makeState(i, i));
      expect(store.cacheSize).toBe(Math.min(i + 1, 4));
    }
    for (let i = 0; i < 10; i++) expect((await store.load(`s${i}`))!.step).toBe(i);
    expect(store.cacheSize).toBe(4);
    const none = await DiskPriorStore.open(tempDir('lru0'), { cacheEntries: 0 });
    await none.save('a', makeState(0, 0));
    await none.load('a');
    expect(none.cacheSize).toBe(0);
  });

  it('serves loads from memory, yet never stale data after save or delete', async () => {
    const store = await DiskPriorStore.open(tempDir('stale'), { cacheEntries: 2 });
    await store.save('a', makeState(1, 1));
    expect((await store.load('a'))!.step).toBe(1);
    // Overwritten behind the store's back: a cached load does not read the file.
    writeFileSync(store.entryFile('a'), 'garbage');
    expect((await store.load('a'))!.step).toBe(1);
    await store.save('a', makeState(2, 2));
    expect(plain(await store.load('a'))).toEqual(plain(makeState(2, 2)));
    await store.delete('a');
    expect(await store.load('a')).toBeUndefined();
    expect(await store.has('a')).toBe(false);
    // Evicted entries are read from disk again.
    await store.save('a', makeState(3, 3));
    await store.save('b', makeState(4, 4));
    await store.save('c', makeState(5, 5));
    writeFileSync(store.entryFile('a'), 'garbage');
    await expectRejects(store.load('a'), 'a', store.entryFile('a'), /foreign/);
  });
});

/**
 * A writer that saves s0..s49 in rounds (all 50 at once, values = step), steps counting up
 * from argv[3], until SIGKILLed, acknowledging each finished save on stdout.
 */
const CRASH_WRITER = `
import { DiskPriorStore } from ${JSON.stringify(pathToFileURL(path.resolve('dist/src/joint/disk_prior_store.js')).href)};
const store = await DiskPriorStore.open(process.argv[2], { cacheEntries: 0 });
const config = ${JSON.stringify(DEFAULT_CONVEX)};
const filled = (n, step) => ({ shape: [n], values: new Float32Array(n).fill(step) });
const state = (step) => ({
  config,
  weights: { w: filled(20000, step), b: filled(130, step), fixed: filled(4, step) },
  optimizer: { firstMoment: { w: filled(20000, step), b: filled(130, step) }, secondMoment: { w: filled(20000, step), b: filled(130, step) } },
  step,
});
for (let step = Number(process.argv[3]); ; step++) {
  await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    await store.save('s' + i, state(step));
    process.stdout.write('s' + i + ' ' + step + '\\n');
  }));
}
`;

/** Runs the writer, kills it `delayMs` after its first finished save, and returns the last step acknowledged per id. */
async function runAndKill(storeDir: string, delayMs: number, firstStep: number): Promise<Map<string, number>> {
  const script = path.join(tempDir('writer'), 'writer.mjs');
  writeFileSync(script, CRASH_WRITER);
  const child = spawn(process.execPath, [script, storeDir, String(firstStep)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<string, number>();
  let stderr = '';
  let buffered = '';
  let timer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [id, step] = line.split(' ');
      acked.set(id!, Math.max(acked.get(id!) ?? 0, Number(step)));
    }
    timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
  });
  const signal = await exited;
  clearTimeout(timer);
  // The writer never stops by itself, so any exit but the kill is its failure.
  expect(signal, `writer exited on its own: ${stderr}`).toBe('SIGKILL');
  return acked;
}

describe('DiskPriorStore crash safety', () => {
  const delays = [200 + Math.floor(Math.random() * 200), 400 + Math.floor(Math.random() * 200), 600 + Math.floor(Math.random() * 200)];
  // Each delay kills the writer 3 times on one store: a torn write is caught more often, and
  // writing again into a store a crash left behind is tested too.
  const KILLS = 3;
  const STEPS_PER_RUN = 100_000;

  it.each(delays)('after SIGKILL at %i ms every entry loads, with values equal to its step', async (delayMs) => {
    const dir = tempDir('crash');
    for (let run = 0; run < KILLS; run++) {
      const firstStep = run * STEPS_PER_RUN + 1;
      const acked = await runAndKill(dir, delayMs, firstStep);
      expect(acked.size).toBeGreaterThan(0);
      const leftovers = filesUnder(dir).filter((f) => path.basename(f).endsWith('.tmp'));
      const store = await DiskPriorStore.open(dir, { cacheEntries: 0 });
      expect(filesUnder(dir).filter((f) => path.basename(f).endsWith('.tmp')), `left by the kill: ${leftovers.length}`).toEqual([]);
      const ids = await store.ids();
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of acked.keys()) expect(ids).toContain(id);
      for (const id of ids) {
        expect(id).toMatch(/^s([0-9]|[1-4][0-9])$/);
        const state = (await store.load(id))!;
        for (const group of [state.weights, state.optimizer.firstMoment, state.optimizer.secondMoment]) {
          for (const t of Object.values(group)) expect(t.values.every((v) => v === state.step)).toBe(true);
        }
        expect(Object.keys(state.weights).sort()).toEqual(['b', 'fixed', 'w']);
        // A finished save is never lost; only the one in flight at the kill may be newer.
        const last = acked.get(id);
        if (last === undefined) expect(state.step).toBeLessThanOrEqual(firstStep);
        else expect([last, last + 1]).toContain(state.step);
      }
    }
  });
});
