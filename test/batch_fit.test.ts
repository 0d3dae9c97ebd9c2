import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { listInputs, parseShard, shardOf } from '../src/batch/batch_inputs.js';
import type { BatchSummary } from '../src/batch/fit_batch.js';
import { occludedEllipse } from '../src/synthetic.js';

const BIN = path.resolve('dist/src/cli/main.js');
const root = mkdtempSync(path.join(tmpdir(), 'shapeprior-batch-'));
const maps = path.join(root, 'maps');
const SIZE = 48;
const MAPS = 6;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, SHAPEPRIOR_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function writeMap(file: string, seed: number, size = SIZE): Promise<void> {
  const c = occludedEllipse({ height: size, width: size, seed });
  await sharp(Buffer.from(Uint8Array.from(c.unaries.data, (v) => Math.round(v * 255))), { raw: { width: size, height: size, channels: 1 } }).png().toFile(file);
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as BatchSummary;
const masksIn = (dir: string) => readdirSync(dir).filter((f) => /^m\d+\.png$/.test(f)).sort();

beforeAll(async () => {
  mkdirSync(maps);
  for (let i = 0; i < MAPS; i++) await writeMap(path.join(maps, `m${i}.png`), i);
  // A corrupt input among them: it must be reported and skipped, never abort the batch.
  writeFileSync(path.join(maps, 'corrupt.png'), 'not a png at all');
});

describe('batch fitting (shapeprior fit --unaries-dir)', () => {
  it('fits every map on 2 workers, each mask equal to what a single fit gives for the seed; a corrupt input is reported, the others succeed', () => {
    const out = path.join(root, 'out');
    const r = cli('fit', '--prior', 'convex', '--unaries-dir', maps, '--out-dir', out, '--workers', '2', '--seed', '3', '--steps', '120', '--json');
    // Exit code 3: the batch finished, some inputs failed.
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout).counts).toEqual({ total: MAPS + 1, fitted: MAPS, skipped: 0, failed: 1 });
    const summary = summaryOf(out);
    expect(summary.workers).toBe(2);
    const corrupt = summary.images.find((e) => e.input.endsWith('corrupt.png'))!;
    expect(corrupt.status).toBe('failed');
    expect(corrupt.error).toMatch(/unaries .*corrupt\.png: not a PNG or JPEG file/);
    for (const e of summary.images.filter((x) => x.status === 'fitted')) {
      // The convex fit is its hull start (no optimiser steps), converged.
      expect(e.steps).toBe(0);
      expect(e.converged).toBe(true);
      expect(e.certificate!.passed).toBe(true);
      expect(Number.isFinite(e.finalLoss)).toBe(true);
    }
    for (const k of [0, 4]) {
      const single = path.join(root, `single${k}.png`);
      const one = cli('fit', '--prior', 'convex', '--unaries', path.join(maps, `m${k}.png`), '--out', single, '--seed', '3', '--steps', '120', '--json');
      expect(one.code, one.stderr).toBe(0);
      expect(readFileSync(path.join(out, `m${k}.png`)).equals(readFileSync(single))).toBe(true);
    }
  });

  it('a rerun after the batch was killed midway fits only the missing maps', async () => {
    const out = path.join(root, 'killed');
    const args = [BIN, 'fit', '--prior', 'convex', '--unaries-dir', maps, '--out-dir', out, '--workers', '2', '--steps', '200', '--json'];
    const child = spawn(process.execPath, args, { env: { ...process.env, SHAPEPRIOR_BACKEND: 'wasm' }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it (SIGKILL: no chance to clean up) once two masks are there and before all are.
    const started = Date.now();
    while (!(existsSync(out) && masksIn(out).length >= 2) && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const before = masksIn(out);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(MAPS);
    // Every mask left behind is complete (written to a temporary file and renamed).
    for (const f of before) expect((await sharp(path.join(out, f)).metadata()).width).toBe(SIZE);
    const r = cli(...args.slice(1));
    expect(r.code).toBe(3);
    const { counts, images } = summaryOf(out);
    expect(counts).toEqual({ total: MAPS + 1, fitted: MAPS - before.length, skipped: before.length, failed: 1 });
    expect(images.filter((e) => e.status === 'skipped').map((e) => path.basename(e.mask)).sort()).toEqual(before);
    expect(masksIn(out)).toHaveLength(MAPS);
  });

  it('--shard i/n over n = 3 covers every input exactly once (CLI and list file)', async () => {
    const listed = path.join(root, 'list.txt');
    writeFileSync(listed, ['# maps of the batch', ...Array.from({ length: MAPS }, (_, i) => `maps/m${i}.png`), ''].join('\n'));
    const all = await listInputs({ listFile: listed });
    expect(all.map((i) => i.name)).toEqual(Array.from({ length: MAPS }, (_, i) => `m${i}`));
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = path.join(root, `shard${i}`);
      const r = cli('fit', '--prior', 'convex', '--unaries-list', listed, '--out-dir', out, '--shard', `${i}/3`, '--steps', '3', '--workers', '1', '--json');
      expect(r.code, r.stderr).toBe(0);
      const s = summaryOf(out);
      expect(s.shard).toBe(`${i}/3`);
      expect(s.images.map((e) => e.input)).toEqual(shardOf(all, parseShard(`${i}/3`)).map((x) => x.file));
      seen.push(...s.images.map((e) => path.basename(e.input)));
    }
    expect(seen.sort()).toEqual(all.map((i) => path.basename(i.file)).sort());
    // Larger lists too: disjoint, complete, sizes within one.
    const items = Array.from({ length: 100 }, (_, i) => i);
    const shards = [0, 1, 2].map((i) => shardOf(items, { index: i, count: 3 }));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(items);
    expect(Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length))).toBeLessThanOrEqual(1);
  });

  it('bad batch flags exit 2 with a message naming the problem', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--unaries-dir', maps, '--out-dir', path.join(root, 'x'), '--shard', '3/3'], /--shard 3\/3: i must be in 0\.\.n-1/],
      [['--unaries-dir', maps, '--out-dir', path.join(root, 'x'), '--shard', 'two'], /--shard "two": expected i\/n/],
      [['--unaries-dir', maps, '--out', path.join(root, 'x.png')], /--out fits one map; a batch .* takes --out-dir/],
      [['--unaries-dir', path.join(root, 'nope'), '--out-dir', path.join(root, 'x')], /--unaries-dir .*nope: no such directory/],
      [['--unaries-dir', maps], /a batch needs --out-dir/],
      [['--unaries', path.join(maps, 'm0.png'), '--out', path.join(root, 'y.png'), '--workers', '2'], /--workers applies to a batch/],
    ];
    for (const [flags, message] of cases) {
      const r = cli('fit', '--prior', 'convex', ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
