/**
 * node dist/bench/store_scale.js [ENTRIES=100000] [--compression none|float16|both] [--dir DIR] [--json]
 *
 * A DiskPriorStore filled with ENTRIES priors of the paper's 3x130 convex net (weights of a
 * fresh prior, Adam moments at the magnitudes a joint-training run gives them), then:
 * the time to fill it, its size on disk, the time to open it and to stream its ids, and
 * the median and p99 latency of one save (overwriting an entry), one uncached load (a
 * fresh store without cache; with more entries than RAM holds they come from the disk,
 * not the page cache) and one cached load (an LRU hit), each op issued alone.
 * `benchStoreScale` is the same as a function, for bench.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { integerIn } from '../src/cli/parse_flags.js';
import { createPrior, DiskPriorStore, initBackend, initialState, type PriorState, type StoreCompression } from '../src/index.js';

export interface StoreScaleOptions {
  entries: number;
  compression?: StoreCompression;
  /** Timed ops per latency figure (default 1,000). */
  samples?: number;
  /** Saves in flight while filling (default 16); the latency figures are taken one op at a time. */
  fillConcurrency?: number;
  /** Parent directory of the temporary store (default the OS temp dir); the store is deleted afterwards. */
  parentDir?: string;
  /** Progress lines go here (default none). */
  log?: (line: string) => void;
}

export interface Latency {
  medianMs: number;
  p99Ms: number;
  samples: number;
}

export interface StoreScaleResult {
  entries: number;
  compression: StoreCompression;
  /** Size of one entry file. */
  entryBytes: number;
  /** Bytes the store's files occupy on disk (allocated blocks), and their total length. */
  diskBytes: number;
  fileBytes: number;
  fillSeconds: number;
  /** Peak resident set size of the process (MB) at the end of the run. */
  peakRssMb: number;
  /** Opening the full store: read-write (lists shard directories for crash leftovers) and readOnly. */
  openMs: { readWrite: number; readOnly: number };
  /** Streaming every id with eachId. */
  idsSeconds: number;
  save: Latency;
  loadUncached: Latency;
  loadCached: Latency;
}

/** The state stored for entry `i`: a real convex prior's weights, Adam moments of a fitted one's size (1e-10 and 1e-8). */
function stateMaker(): (i: number) => PriorState {
  const prior = createPrior('convex', { seed: 0 });
  const base = initialState(prior);
  prior.dispose();
  for (const [k, moment] of [base.optimizer.firstMoment, base.optimizer.secondMoment].entries()) {
    for (const t of Object.values(moment)) for (let j = 0; j < t.values.length; j++) t.values[j] = (k === 0 ? 1e-10 * Math.sin(j) : 1e-8 * (1.5 + Math.cos(j)));
  }
  // Entries differ in step and one weight; the rest is shared, and encoding copies it anyway.
  const bias = Object.keys(base.weights).find((name) => name.endsWith('bias'))!;
  return (i) => {
    const b = base.weights[bias]!;
    const values = b.values.slice();
    values[0] = Math.sin(i);
    return { ...base, weights: { ...base.weights, [bias]: { shape: b.shape, values } }, step: i };
  };
}

function latency(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { medianMs: at(0.5), p99Ms: at(0.99), samples: ms.length };
}

async function timed(op: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await op();
  return performance.now() - t0;
}

/** A reproducible stream of ids in [0, n). */
function randomIndices(n: number, seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n | 0;
  };
}

async function diskUsage(dir: string): Promise<{ diskBytes: number; fileBytes: number }> {
  let diskBytes = 0;
  let fileBytes = 0;
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) {
      const sub = await diskUsage(p);
      diskBytes += sub.diskBytes;
      fileBytes += sub.fileBytes;
    }
    const info = await stat(p);
    diskBytes += info.blocks * 512;
    if (d.isFile()) fileBytes += info.size;
  }
  return { diskBytes, fileBytes };
}

export async function benchStoreScale(options: StoreScaleOptions): Promise<StoreScaleResult> {
  const { entries, compression = 'none', samples = 1000, fillConcurrency = 16, log = () => undefined } = options;
  if (!Number.isSafeInteger(entries) || entries < 1) throw new RangeError(`entries must be a positive integer, got ${entries}`);
  await initBackend();
  const state = stateMaker();
  const id = (i: number) => `sample-${i}`;
  const dir = mkdtempSync(path.join(options.parentDir ?? tmpdir(), 'shapeprior-store-scale-'));
  try {
    // Fill: the cache is off so that memory stays flat whatever `entries`.
    const writer = await DiskPriorStore.open(dir, { compression, cacheEntries: 0 });
    const t0 = performance.now();
    let next = 0;
    let lastLog = t0;
    await Promise.all(Array.from({ length: fillConcurrency }, async () => {
      for (let i = next++; i < entries; i = next++) {
        await writer.save(id(i), state(i));
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`  filled ${i + 1} of ${entries} (${((lastLog - t0) / 1000).toFixed(0)} s)`);
        }
      }
    }));
    const fillSeconds = (performance.now() - t0) / 1000;
    log(`  filled ${entries} entries in ${fillSeconds.toFixed(1)} s`);
    const entryBytes = (await stat(writer.entryFile(id(0)))).size;

    const openMs = {
      readWrite: await timed(() => DiskPriorStore.open(dir, { compression })),
      readOnly: await timed(() => DiskPriorStore.open(dir, { readOnly: true })),
    };
    const streamer = await DiskPriorStore.open(dir, { readOnly: true });
    let listed = 0;
    const idsSeconds = (await timed(async () => {
      for await (const _ of streamer.eachId()) listed++;
    })) / 1000;
    if (listed !== entries) throw new Error(`eachId listed ${listed} ids, ${entries} were saved`);

    // Uncached loads of random entries, on a store without cache.
    const pick = randomIndices(entries, 1);
    const uncached = await DiskPriorStore.open(dir, { readOnly: true, cacheEntries: 0 });
    const loadUncached: number[] = [];
    for (let k = 0; k < samples; k++) loadUncached.push(await timed(() => uncached.load(id(pick()))));

    // Saves overwriting random entries (the store's own cache on, as in training).
    const store = await DiskPriorStore.open(dir, { compression });
    const saves: number[] = [];
    for (let k = 0; k < samples; k++) {
      const i = pick();
      const s = state(i);
      saves.push(await timed(() => store.save(id(i), s)));
    }

    // Cached loads: ids loaded once, then loaded again from the LRU cache.
    const hot = Array.from({ length: Math.min(store.cacheCapacity, entries) }, () => pick());
    for (const i of hot) await store.load(id(i));
    const loadCached: number[] = [];
    for (let k = 0; k < samples; k++) loadCached.push(await timed(() => store.load(id(hot[k % hot.length]!))));

    const { diskBytes, fileBytes } = await diskUsage(dir);
    return {
      entries, compression, entryBytes, diskBytes, fileBytes, fillSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024, openMs, idsSeconds,
      save: latency(saves), loadUncached: latency(loadUncached), loadCached: latency(loadCached),
    };
  } finally {
    log(`  removing ${dir}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatResult(r: StoreScaleResult): string {
  const ms = (l: Latency) => `median ${l.medianMs.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms`;
  return [
    `${r.entries.toLocaleString('en')} entries, compression ${r.compression}: entry ${(r.entryBytes / 1024).toFixed(0)} KB, ` +
      `store ${(r.diskBytes / 2 ** 30).toFixed(2)} GiB on disk (${(r.fileBytes / 2 ** 30).toFixed(2)} GiB of files), filled in ${r.fillSeconds.toFixed(0)} s`,
    `  open ${r.openMs.readWrite.toFixed(0)} ms (read-write), ${r.openMs.readOnly.toFixed(1)} ms (readOnly); every id streamed in ${r.idsSeconds.toFixed(1)} s; peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    `  save:            ${ms(r.save)}`,
    `  load, uncached:  ${ms(r.loadUncached)}`,
    `  load, cached:    ${ms(r.loadCached)}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const command = new Command('store_scale')
    .description('a DiskPriorStore filled with ENTRIES convex priors: fill time, size, save and load latency')
    .argument('[entries]', 'how many priors', integerIn(1, 100_000_000), 100_000)
    .addOption(new Option('--compression <kind>', 'the store\'s weight compression').choices(['none', 'float16', 'both']).default('both'))
    .option('--dir <dir>', 'parent folder of the temporary store (default: the system temp folder)')
    .option('--json', 'print JSON instead of text', false)
    .parse(argv, { from: 'user' });
  const [entries] = command.processedArgs as [number];
  const { compression: which, dir, json } = command.opts<{ compression: StoreCompression | 'both'; dir?: string; json: boolean }>();
  const compressions: StoreCompression[] = which === 'both' ? ['none', 'float16'] : [which];
  const results: StoreScaleResult[] = [];
  for (const compression of compressions) {
    if (!json) process.stderr.write(`store scale: ${entries} entries, compression ${compression} ...\n`);
    const result = await benchStoreScale({ entries, compression, parentDir: dir, log: json ? undefined : (line) => process.stderr.write(`${line}\n`) });
    results.push(result);
    if (!json) console.log(formatResult(result));
  }
  if (json) console.log(JSON.stringify(results, null, 2));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
