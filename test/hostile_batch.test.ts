import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_UNPRIVILEGED, installed, expectRefused, runCli, snapshot, type CliRun } from './hostile_helpers.js';

/**
 * Hostile and careless batches (`fit --unaries-dir/--unaries-list --out-dir`): a bad flag
 * or output layout exits 2 with one line before anything is written (no output directory
 * is created, every file keeps its checksum); bad images inside a good batch fail alone
 * (exit 3, in summary.json) and the others are fitted.
 */
const root = mkdtempSync(path.join(tmpdir(), 'shapeprior-hostile-batch-'));
chmodSync(root, 0o777);
const at = (...parts: string[]) => path.join(root, ...parts);
const rssFile = path.join(tmpdir(), `shapeprior-hostile-batch-rss-${process.pid}`);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(rssFile, { force: true });
});

const S = 24;
const square = Uint8Array.from({ length: S * S }, (_, i) => (i % S > 6 && i % S < 18 && Math.floor(i / S) > 6 && Math.floor(i / S) < 18 ? 230 : 20));
const png = (data: Uint8Array, w = S, h = S, channels: 1 | 3 = 1) => sharp(Buffer.from(data), { raw: { width: w, height: h, channels } }).png().toBuffer();

beforeAll(async () => {
  const map = await png(square);
  const photo = await png(new Uint8Array(S * S * 3).fill(90), S, S, 3);
  for (const d of ['maps', 'collide', 'photos', 'empty', 'other', 'out_with_fifo', 'out_with_dir_summary/summary.json']) mkdirSync(at(d), { recursive: true });
  for (const n of ['a', 'b']) writeFileSync(at('maps', `${n}.png`), map);
  writeFileSync(at('other', 'a.png'), map);
  for (const n of ['x', 'x_overlay']) writeFileSync(at('collide', `${n}.png`), map);
  for (const n of ['x', 'x_overlay', 'a', 'b']) writeFileSync(at('photos', `${n}.png`), photo);
  mkdirSync(at('read_only'), { mode: 0o555 });
  chmodSync(at('read_only'), 0o555);
  writeFileSync(at('a_file'), 'not a directory');
  execFileSync('mkfifo', [at('out_with_fifo', 'a.png')]);
  writeFileSync(at('empty.txt'), '');
  writeFileSync(at('comments.txt'), '# nothing here\n\n   \n# still nothing\n');
  writeFileSync(at('same_name.txt'), 'maps/a.png\nother/a.png\n');
  writeFileSync(at('twice.txt'), 'maps/a.png\nmaps/a.png\n./maps/a.png\n');
  // Inputs of the one real batch: a good map, one above --max-pixels, an SVG in disguise, a device.
  mkdirSync(at('mixed'));
  writeFileSync(at('mixed', 'good.png'), map);
  writeFileSync(at('mixed', 'large.png'), await png(new Uint8Array(64 * 64).fill(50), 64, 64));
  writeFileSync(at('mixed', 'svg.png'), `<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}"><image href="file://${at('maps', 'a.png')}" width="${S}" height="${S}"/></svg>`);
  writeFileSync(at('mixed', 'list.txt'), 'good.png\nlarge.png\nsvg.png\n/dev/zero\n');
}, 60_000);

const fit = (args: string[], options: { env?: Record<string, string>; unprivileged?: boolean } = {}): CliRun =>
  runCli(['fit', '--prior', 'convex', '--steps', '3', ...args], { rssFile, ...(options.env ? { env: options.env } : {}), ...(options.unprivileged ? { spawn: AS_UNPRIVILEGED } : {}) });

function refused(args: string[], message: RegExp, options: { env?: Record<string, string>; unprivileged?: boolean; notCreated?: string } = {}): void {
  const before = snapshot(root);
  const r = fit(args, options);
  expectRefused(r, message);
  expect(snapshot(root)).toEqual(before);
  expect(r.peakMb).toBeLessThan(500);
  if (options.notCreated) expect(existsSync(options.notCreated)).toBe(false);
}

describe('the issue 13 defects, batches', () => {
  it('--out-dir equal to --unaries-dir: refused, not every map "skipped" as its own mask', () =>
    refused(['--unaries-dir', at('maps'), '--out-dir', at('maps')], /the mask of .*maps\/a\.png: .*maps\/a\.png is the same file as input .*maps\/a\.png: refusing to overwrite an input/));
  it('an input x_overlay.png next to x.png with photos: refused, naming both', () =>
    refused(['--unaries-dir', at('collide'), '--out-dir', at('out1'), '--image-dir', at('photos')], /the mask of .*collide\/x_overlay\.png: .*out1\/x_overlay\.png and the overlay of .*collide\/x\.png: .*out1\/x_overlay\.png are the same file/, { notCreated: at('out1') }));
  it('a read-only --out-dir: exit 2 before any fit, no Node dump', () =>
    refused(['--unaries-dir', at('maps'), '--out-dir', at('read_only')], /--out-dir .*read_only: cannot write in directory .*read_only \(permission denied\)/, { unprivileged: true }));
  it('a new --out-dir under a read-only directory', () =>
    refused(['--unaries-dir', at('maps'), '--out-dir', at('read_only', 'sub', 'out')], /--out-dir .*read_only\/sub\/out: cannot write in directory .*read_only/, { unprivileged: true }));
  it.skipIf(installed('@tensorflow/tfjs-node'))('a backend that is not installed: exit 2 as for one fit, no output directory left', () =>
    refused(['--unaries-dir', at('maps'), '--out-dir', at('out2'), '--backend', 'node'], /--backend: backend node could not be initialised \(is @tensorflow\/tfjs-node installed\?\)/, { notCreated: at('out2') }));
  it('an unknown SHAPEPRIOR_BACKEND', () =>
    refused(['--unaries-dir', at('maps'), '--out-dir', at('out3')], /SHAPEPRIOR_BACKEND: unknown backend "quantum"/, { env: { SHAPEPRIOR_BACKEND: 'quantum' }, notCreated: at('out3') }));
  it('an empty input directory exits 2, nothing done', () =>
    refused(['--unaries-dir', at('empty'), '--out-dir', at('out4')], /--unaries-dir .*empty: no \.png\/\.jpg\/\.jpeg maps in it/, { notCreated: at('out4') }));
});

const more: Array<[string, string[], RegExp]> = [
  ['an empty list file', ['--unaries-list', at('empty.txt'), '--out-dir', at('out5')], /--unaries-list .*empty\.txt: lists no file/],
  ['a list of comments only', ['--unaries-list', at('comments.txt'), '--out-dir', at('out5')], /--unaries-list .*comments\.txt: lists no file/],
  ['a list naming two maps of one name', ['--unaries-list', at('same_name.txt'), '--out-dir', at('out5')], /inputs .*maps\/a\.png and .*other\/a\.png would both write a\.png/],
  ['--image-dir equal to --out-dir (a mask would replace its photo)', ['--unaries-dir', at('maps'), '--out-dir', at('photos'), '--image-dir', at('photos')], /the mask of .*maps\/a\.png: .*photos\/a\.png is the same file as --image-dir photo .*photos\/a\.png/],
  ['--out-dir that is a file', ['--unaries-dir', at('maps'), '--out-dir', at('a_file')], /--out-dir .*a_file: exists and is not a directory/],
  ['--out-dir ""', ['--unaries-dir', at('maps'), '--out-dir', ''], /--out-dir: empty directory name/],
  ['a summary.json that is a directory', ['--unaries-dir', at('maps'), '--out-dir', at('out_with_dir_summary')], /summary .*summary\.json: is a directory/],
  ['a mask path that is a FIFO', ['--unaries-dir', at('maps'), '--out-dir', at('out_with_fifo')], /the mask of .*a\.png: .*out_with_fifo\/a\.png: is a FIFO, not a regular file/],
  ['--unaries-dir that is a file', ['--unaries-dir', at('a_file'), '--out-dir', at('out5')], /--unaries-dir .*a_file: not a directory/],
  ['a missing --unaries-list', ['--unaries-list', at('nope.txt'), '--out-dir', at('out5')], /--unaries-list .*nope\.txt: file not found/],
  ['--shard 2/2', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--shard', '2/2'], /--shard 2\/2: i must be in 0\.\.n-1/],
  ['--shard 0/0', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--shard', '0/0'], /--shard 0\/0: i must be in 0\.\.n-1 and n >= 1/],
  ['--shard -1/2', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--shard', '-1/2'], /--shard "-1\/2": expected i\/n/],
  ['--shard 1/2/3', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--shard', '1/2/3'], /--shard "1\/2\/3": expected i\/n/],
  ['--shard NaN/2', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--shard', 'NaN/2'], /--shard "NaN\/2": expected i\/n/],
  ['--workers 0', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--workers', '0'], /--workers.*expected an integer in \[1, 1024\], got 0/],
  ['--workers Infinity', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--workers', 'Infinity'], /--workers.*expected an integer, got "Infinity"/],
  ['--workers 1e6', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--workers', '1e6'], /--workers.*got 1000000/],
  ['--out with a batch', ['--unaries-dir', at('maps'), '--out-dir', at('out5'), '--out', at('x.png')], /--out fits one map/],
  ['both --unaries-dir and --unaries-list', ['--unaries-dir', at('maps'), '--unaries-list', at('twice.txt'), '--out-dir', at('out5')], /give either --unaries-dir or --unaries-list, not both/],
];

describe('more hostile batches: exit 2, one line, nothing created or changed, < 500 MB', () => {
  it.each(more)('%s', (_, args, message) => refused(args, message, { notCreated: at('out5') }));

  it('a shard with no inputs does nothing and says so (exit 0, total 0); a list naming one map twice fits it once', () => {
    const r = fit(['--unaries-dir', at('maps'), '--out-dir', at('out6'), '--shard', '4/5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).counts).toEqual({ total: 0, fitted: 0, skipped: 0, failed: 0 });
  });

  it('bad maps in a batch fail alone (exit 3, one line each, in summary.json); --workers 1000 runs at most one thread per map and core', () => {
    const before = snapshot(at('mixed'));
    const r = fit(['--unaries-list', at('mixed', 'list.txt'), '--out-dir', at('mixed_out'), '--workers', '1000', '--max-pixels', '1000', '--steps', '20']);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^shapeprior: /);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(r.stderr).toMatch(/large\.png: 64x64 is 4096 pixels, more than the limit of 1000/);
    expect(r.stderr).toMatch(/svg\.png: not a PNG or JPEG file/);
    expect(r.stderr).toMatch(/unaries \/dev\/zero: not a regular file/);
    const summary = JSON.parse(readFileSync(at('mixed_out', 'summary.json'), 'utf8'));
    expect(summary.counts).toEqual({ total: 4, fitted: 1, skipped: 0, failed: 3 });
    expect(summary.workers).toBeLessThanOrEqual(4);
    expect(existsSync(at('mixed_out', 'good.png'))).toBe(true);
    expect(snapshot(at('mixed'))).toEqual(before);
    expect(r.peakMb).toBeLessThan(1000);
  });
});
