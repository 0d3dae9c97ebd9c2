import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskPriorStore } from '../src/joint/disk_prior_store.js';
import { MAX_HEADER_BYTES } from '../src/joint/entry_header.js';
import type { PriorState } from '../src/joint/prior_state.js';
import { PriorStoreError } from '../src/errors.js';
import { DEFAULT_CONVEX } from '../src/priors/prior_config.js';

/**
 * Corrupt store entries and hostile ids: every call either gives the entry or throws a
 * PriorStoreError; none returns wrong data and none takes the process down (a native
 * abort here would kill this test's worker and fail the file).
 */
const created: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-hostile-store-'));
  created.push(dir);
  return dir;
};
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A small entry: one 2-vector weight with its two Adam moments (an entry of ~700 bytes). */
const small = (): PriorState => {
  const t = (v: number) => ({ shape: [2], values: Float32Array.of(v, -v) });
  return { config: { ...DEFAULT_CONVEX, width: 2 }, weights: { w: t(1.5) }, optimizer: { firstMoment: { w: t(0.25) }, secondMoment: { w: t(0.125) } }, step: 7 };
};
/** Long enough for a hashed entry name, whose id only the header holds: the path where ids() reads headers. */
// 26 x "ü" percent-encode to 156 characters, past the 150 of a plain name.
const LONG_ID = `sample/${'ü'.repeat(26)}`;

/** Outcome of one store call: what it gave, or the PriorStoreError's message; any other error fails the test. */
async function outcome<T>(call: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await call() };
  } catch (error) {
    if (!(error instanceof PriorStoreError)) throw new Error(`not a PriorStoreError: ${String(error)}`, { cause: error });
    return { error: error.message };
  }
}

async function collect(gen: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const id of gen) out.push(id);
  return out;
}

async function storeWith(id: string) {
  const dir = tempDir();
  const writer = await DiskPriorStore.open(dir);
  await writer.save(id, small());
  const file = writer.entryFile(id);
  // Read-only, no cache: every call reads the file as it is now.
  const reader = await DiskPriorStore.open(dir, { readOnly: true, cacheEntries: 0 });
  return { dir, file, reader, good: readFileSync(file) };
}

/** Every call on a corrupted entry: load throws (the checksum covers every byte), ids/eachId give the id or throw. */
async function expectContained(reader: DiskPriorStore, id: string, calls: Array<'load' | 'ids' | 'eachId'>): Promise<boolean> {
  let listed = false;
  if (calls.includes('load')) expect((await outcome(() => reader.load(id))).error).toMatch(/prior of sample .*file .*\.prior/);
  if (calls.includes('ids')) {
    const ids = await outcome(() => reader.ids());
    if (ids.value !== undefined) expect(ids.value).toEqual([id]);
    listed = ids.value !== undefined;
  }
  if (calls.includes('eachId')) {
    const each = await outcome(() => collect(reader.eachId()));
    if (each.value !== undefined) expect(each.value).toEqual([id]);
  }
  return listed;
}

describe('DiskPriorStore on corrupt entries', () => {
  it('the header length with its top bit set: ids() and eachId() throw PriorStoreError (Node used to abort), load() too', async () => {
    const { file, reader, good } = await storeWith(LONG_ID);
    const bad = Buffer.from(good);
    bad[15] = bad[15]! | 0x80;
    writeFileSync(file, bad);
    const calls: Array<() => Promise<unknown>> = [() => reader.ids(), () => collect(reader.eachId()), () => reader.load(LONG_ID)];
    for (const call of calls) expect((await outcome(call)).error).toMatch(/header length \d+ is beyond|truncated/);
    expect(bad.readUInt32LE(12)).toBeGreaterThan(MAX_HEADER_BYTES);
  });

  it('fuzz: each bit of the prefix and header flipped in turn; load, ids and eachId return the entry or throw PriorStoreError', async () => {
    const { file, reader, good } = await storeWith(LONG_ID);
    const headerEnd = 24 + good.readUInt32LE(12);
    let idsSurvived = 0;
    for (let bit = 0; bit < headerEnd * 8; bit++) {
      const bad = Buffer.from(good);
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      writeFileSync(file, bad);
      if (await expectContained(reader, LONG_ID, ['load', 'ids', 'eachId'])) idsSurvived++;
    }
    // Flips in the tensor list leave the id readable; flips in the prefix or the id do not.
    expect(idsSurvived).toBeGreaterThan(0);
    expect(idsSurvived).toBeLessThan(headerEnd * 8);
    writeFileSync(file, good);
    expect((await reader.load(LONG_ID))?.step).toBe(7);
  }, 60_000);

  it('every byte of a small entry inverted in turn, and every truncation: load throws, ids returns the id or throws', async () => {
    for (const id of [LONG_ID, 'short']) {
      const { file, reader, good } = await storeWith(id);
      for (let at = 0; at < good.length; at++) {
        const bad = Buffer.from(good);
        bad[at] = bad[at]! ^ 0xff;
        writeFileSync(file, bad);
        await expectContained(reader, id, ['load', 'ids']);
      }
      for (let length = 0; length < good.length; length++) {
        writeFileSync(file, good.subarray(0, length));
        await expectContained(reader, id, ['load', 'ids']);
      }
      writeFileSync(file, Buffer.concat([good, Buffer.from([0])]));
      await expectContained(reader, id, ['load']);
    }
  }, 60_000);
});

describe('DiskPriorStore with hostile ids', () => {
  const ids = ['../escape', '../../../../etc/passwd', '/abs/path', 'a\0b', '\0', 'x'.repeat(10_000), `${'../'.repeat(3000)}x`, '\u202e\ufeffrtl', 'CON', 'a/./b/../c'];

  it('stores each inside its shard, loads it back, and lists it', async () => {
    const dir = tempDir();
    const store = await DiskPriorStore.open(dir);
    for (const [k, id] of ids.entries()) {
      await store.save(id, { ...small(), step: k });
      const file = store.entryFile(id);
      expect(path.relative(path.join(dir, 'entries'), file)).toMatch(/^[0-9a-f]{2}\/(?:[a-z0-9_~-]|%[0-9A-F]{2})+\.prior$/);
      expect(path.basename(file).length).toBeLessThan(255);
    }
    const reopened = await DiskPriorStore.open(dir, { cacheEntries: 0 });
    for (const [k, id] of ids.entries()) expect((await reopened.load(id))?.step).toBe(k);
    expect((await reopened.ids()).sort()).toEqual([...ids].sort());
    expect((await collect(reopened.eachId())).sort()).toEqual([...ids].sort());
  });
});
