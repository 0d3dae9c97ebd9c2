import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { iou } from '../src/metrics.js';
import { movingDisc, occludedEllipse, planeInDepth } from '../src/synthetic.js';
import { installed } from './hostile_helpers.js';

const BIN = path.resolve('dist/src/cli/main.js');

const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-cli-'));
const file = (name: string) => path.join(dir, name);
const SIZE = 96;
const scene = occludedEllipse({ height: SIZE, width: SIZE, seed: 3 });
const disc = movingDisc([0, 2, 4, 6], { height: 64, width: 64, seed: 1 });
const depthScene = planeInDepth({ height: 64, width: 64, seed: 3 });

function cli(...args: string[]) {
  return cliWithEnv({ SHAPEPRIOR_BACKEND: 'wasm' }, ...args);
}

function cliWithEnv(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const grey = (data: Uint8Array, w: number, h: number, channels: 1 | 3 = 1) => sharp(Buffer.from(data), { raw: { width: w, height: h, channels } }).png();

beforeAll(async () => {
  await grey(Uint8Array.from(scene.unaries.data, (v) => Math.round(v * 255)), SIZE, SIZE).toFile(file('unaries.png'));
  const rgb = new Uint8Array(SIZE * SIZE * 3).map((_, i) => (i * 37) % 251);
  await grey(rgb, SIZE, SIZE, 3).toFile(file('colour.png'));
  await grey(new Uint8Array(32 * 32 * 3), 32, 32, 3).toFile(file('photo32.png'));
  await grey(new Uint8Array(SIZE * SIZE * 3).fill(90), SIZE, SIZE, 3).toFile(file('photo.png'));
  writeFileSync(file('notes.txt'), 'this is not an image');
  await sharp(Buffer.from(new Uint16Array(SIZE * SIZE).fill(30000).buffer), { raw: { width: SIZE, height: SIZE, channels: 1 } })
    .toColourspace('grey16').png().toFile(file('deep16.png'));
  const rgba = new Uint8Array(SIZE * SIZE * 4).fill(128);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = i > rgba.length / 2 ? 0 : 255;
  await sharp(Buffer.from(rgba), { raw: { width: SIZE, height: SIZE, channels: 4 } }).png().toFile(file('transparent.png'));
  writeFileSync(file('empty.png'), '');
  for (const [k, f] of disc.frames.entries()) await grey(Uint8Array.from(f.unaries.data, (v) => Math.round(v * 255)), 64, 64).toFile(file(`f${k}.png`));
  await grey(Uint8Array.from(depthScene.unaries.data, (v) => Math.round(v * 255)), 64, 64).toFile(file('plane.png'));
  await grey(Uint8Array.from(depthScene.depth, (v) => Math.round(v * 255)), 64, 64).toFile(file('plane_depth.png'));
});

describe('shapeprior fit (CLI)', () => {
  it('writes a same-size 0/255 convex mask and one JSON object with the results', async () => {
    const r = cli('fit', '--prior', 'convex', '--unaries', file('unaries.png'), '--out', file('mask.png'), '--image', file('photo.png'), '--overlay', file('overlay.png'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(1);
    const out = JSON.parse(lines[0]!);
    for (const key of ['prior', 'backend', 'steps', 'seconds', 'pointsPerStep', 'finalLoss', 'certificate']) expect(out).toHaveProperty(key);
    expect(out.prior).toBe('convex');
    expect(out.backend).toBe('wasm');
    expect(out.certificate.passed).toBe(true);
    expect(out.certificate.checked).toBeGreaterThan(1000);
    const meta = await sharp(file('mask.png')).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels, meta.depth]).toEqual(['png', SIZE, SIZE, 1, 'uchar']);
    // sharp widens grey to sRGB when decoding; channel 0 is the stored grey value.
    const data = await sharp(file('mask.png')).extractChannel(0).raw().toBuffer();
    expect(new Set(data)).toEqual(new Set([0, 255]));
    expect(iou(Uint8Array.from(data, (v) => (v ? 1 : 0)), scene.truth)).toBeGreaterThan(0.85);
    const overlay = await sharp(file('overlay.png')).metadata();
    expect([overlay.width, overlay.height]).toEqual([SIZE, SIZE]);
  });

  it('fits the star, radial, mirror, rotation and periodic priors with the same contract', () => {
    const property: Record<string, RegExp> = { star: /segment from the centre/, radial: /one interval/, mirror: /mirrored in the axis/, rotation: /rotated by 2\*pi\/3/, periodic: /each lattice period/ };
    const extras: Record<string, string[]> = { rotation: ['--folds', '3'], periodic: ['--sparsity', '0.01'] };
    for (const prior of ['star', 'radial', 'mirror', 'rotation', 'periodic']) {
      const extra = extras[prior] ?? [];
      const r = cli('fit', '--prior', prior, ...extra, '--unaries', file('unaries.png'), '--out', file(`${prior}.png`), '--json');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.prior).toBe(prior);
      expect(out.certificate.passed).toBe(true);
      expect(out.certificate.property).toMatch(property[prior]!);
      expect(existsSync(file(`${prior}.png`))).toBe(true);
    }
  });

  it('fits a union of priors, one per object', () => {
    const r = cli('fit', '--prior', 'union', '--member', 'star', '--objects', '2', '--unaries', file('unaries.png'), '--out', file('union.png'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.certificate.property).toMatch(/union of 2 star priors/);
    expect(out.certificate.passed).toBe(true);
  });

  it('fits a path-connected prior (--prior pc, --flow-decay), certified as one component with an invertible flow', () => {
    const r = cli('fit', '--prior', 'pc', '--flow-decay', '1e-4', '--steps', '300', '--unaries', file('unaries.png'), '--out', file('pc.png'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.certificate.property).toMatch(/pc: the mask is one connected component \(pieces apart on the grid joined by a path in the set\); flow: inverse\(forward\(x\)\) = x/);
    expect(out.certificate.passed).toBe(true);
  }, 120_000);

  it('fits frames at times (--frames, --frame-times) and writes one mask per requested time, also between frames', async () => {
    const frames = [0, 1, 2, 3].map((k) => file(`f${k}.png`)).join(',');
    const r = cli('fit', '--prior', 'pc', '--steps', '600', '--frames', frames, '--frame-times', '0,2,4,6', '--times', '0,1,2,3,4,5,6', '--out', file('disc_{t}.png'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.masks.map((m: { time: number }) => m.time)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(out.certificate.property).toMatch(/each of 9 slices is one connected component/);
    for (const t of [1, 3, 5]) {
      const data = await sharp(file(`disc_${t}.png`)).extractChannel(0).raw().toBuffer();
      expect(iou(Uint8Array.from(data, (v) => (v ? 1 : 0)), disc.truthAt(t))).toBeGreaterThan(0.5);
    }
  }, 120_000);

  it('fits in (x, y, depth) with --depth', async () => {
    const r = cli('fit', '--prior', 'convex', '--unaries', file('plane.png'), '--depth', file('plane_depth.png'), '--out', file('plane_mask.png'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).certificate.passed).toBe(true);
    const data = await sharp(file('plane_mask.png')).extractChannel(0).raw().toBuffer();
    expect(iou(Uint8Array.from(data, (v) => (v ? 1 : 0)), depthScene.truth)).toBeGreaterThan(0.9);
  }, 120_000);

  it('gives the same mask for the same seed', async () => {
    const args = ['fit', '--prior', 'convex', '--unaries', file('unaries.png'), '--steps', '60', '--seed', '5'];
    expect(cli(...args, '--out', file('seed_a.png')).code).toBe(0);
    expect(cli(...args, '--out', file('seed_b.png')).code).toBe(0);
    const a = await sharp(file('seed_a.png')).raw().toBuffer();
    const b = await sharp(file('seed_b.png')).raw().toBuffer();
    expect(a.equals(b)).toBe(true);
  });

  it('uses the backend that --backend or SHAPEPRIOR_BACKEND names, and reports it', () => {
    const args = ['fit', '--prior', 'convex', '--unaries', file('unaries.png'), '--out', file('cpu.png'), '--steps', '3', '--json'];
    expect(JSON.parse(cliWithEnv({ SHAPEPRIOR_BACKEND: 'cpu' }, ...args).stdout).backend).toBe('cpu');
    expect(JSON.parse(cliWithEnv({ SHAPEPRIOR_BACKEND: 'cpu' }, ...args, '--backend', 'wasm').stdout).backend).toBe('wasm');
    // Without an override the fastest available backend is picked: wasm on machines without tfjs-node.
    const env = { ...process.env };
    delete env['SHAPEPRIOR_BACKEND'];
    const auto = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
    expect(JSON.parse(auto.stdout).backend).toMatch(/^(wasm|node|node-gpu)$/);
  });

  it.skipIf(installed('@tensorflow/tfjs-node-gpu'))('exits 2 naming the package when a forced native backend is not installed, or the variable is bad', () => {
    const args = ['fit', '--prior', 'convex', '--unaries', file('unaries.png'), '--out', file('nb.png'), '--steps', '3'];
    const forced = cli(...args, '--backend', 'node-gpu');
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/--backend: backend node-gpu could not be initialised \(is @tensorflow\/tfjs-node-gpu installed\?\)/);
    const badEnv = cliWithEnv({ SHAPEPRIOR_BACKEND: 'tpu' }, ...args);
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/SHAPEPRIOR_BACKEND: unknown backend "tpu"/);
    expect(existsSync(file('nb.png'))).toBe(false);
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['a missing unaries file', ['--unaries', file('nope.png')], /unaries .*nope\.png: file not found/],
    ['a file that is not an image', ['--unaries', file('notes.txt')], /unaries .*notes\.txt: not a PNG or JPEG file/],
    ['an empty file', ['--unaries', file('empty.png')], /unaries .*empty\.png: empty file/],
    ['unaries whose colour channels differ', ['--unaries', file('colour.png')], /unaries .*colour\.png: has 3 channels that differ/],
    ['a 16-bit map', ['--unaries', file('deep16.png')], /unaries .*deep16\.png: expected 8 bits per channel, got ushort/],
    ['a map with transparent pixels', ['--unaries', file('transparent.png')], /unaries .*transparent\.png: has transparent pixels/],
    ['an --image of another size', ['--unaries', file('unaries.png'), '--image', file('photo32.png')], /--image .*photo32\.png is 32x32 but --unaries .* is 96x96/],
    ['an unknown prior', ['--unaries', file('unaries.png'), '--prior', 'blobby'], /--prior.*'blobby' is invalid/],
    ['a non-numeric --steps', ['--unaries', file('unaries.png'), '--steps', 'ten'], /--steps.*expected an integer, got "ten"/],
    ['an out-of-range --points', ['--unaries', file('unaries.png'), '--points', '0'], /--points.*expected an integer in \[1, /],
    ['a negative --lr', ['--unaries', file('unaries.png'), '--lr', '-1'], /--lr.*expected a number in \(0, /],
    ['an unknown --backend', ['--unaries', file('unaries.png'), '--backend', 'quantum'], /--backend.*'quantum' is invalid/],
    ['a missing --unaries', [], /missing --unaries <file> \(or --frames <files>\)/],
    ['--frames and --unaries together', ['--unaries', file('unaries.png'), '--frames', `${file('f0.png')},${file('f1.png')}`], /give either --unaries or --frames, not both/],
    ['--frame-times that do not match --frames', ['--frames', `${file('f0.png')},${file('f1.png')}`, '--frame-times', '0'], /--frame-times gives 1 times for 2 --frames/],
    ['frames of different sizes', ['--frames', `${file('f0.png')},${file('photo32.png')}`], /--frames .*photo32\.png is 32x32, .*f0\.png is 64x64; frames must share one size/],
    ['a --depth of another size', ['--unaries', file('unaries.png'), '--depth', file('photo32.png')], /--depth .*photo32\.png is 32x32 but --unaries .* is 96x96/],
    ['--times without --frames', ['--unaries', file('unaries.png'), '--times', '1,2'], /--times applies to --frames only/],
    ['--flow-decay on another prior', ['--unaries', file('unaries.png'), '--flow-decay', '0.1'], /--flow-decay applies to --prior pc .* only, not convex/],
    ['--region-weight on another prior', ['--unaries', file('unaries.png'), '--region-weight', '0.5'], /--region-weight applies to --prior pc only, not convex/],
    ['--region-weight above 1', ['--unaries', file('unaries.png'), '--prior', 'pc', '--region-weight', '1.5'], /--region-weight.*expected a number in \[0, 1\], got 1\.5/],
    ['--folds below 2', ['--unaries', file('unaries.png'), '--prior', 'rotation', '--folds', '1'], /--folds.*expected an integer in \[2, 64\], got 1/],
    ['--objects on another prior', ['--unaries', file('unaries.png'), '--objects', '3'], /--member and --objects apply to --prior union only, not convex/],
    ['a union member that is a union', ['--unaries', file('unaries.png'), '--prior', 'union', '--member', 'union'], /--member.*'union' is invalid/],
    ['--sparsity on another prior', ['--unaries', file('unaries.png'), '--sparsity', '0.1'], /--sparsity applies to --prior periodic only, not convex/],
    ['--folds on a prior without folds', ['--unaries', file('unaries.png'), '--folds', '3'], /--folds applies to --prior rotation only, not convex/],
    ['an --out in a missing directory', ['--unaries', file('unaries.png'), '--out', file('no/such/dir/m.png')], /--out .*m\.png: directory .* does not exist/],
  ];
  it.each(bad)('exits 2 with one line naming the problem for %s, writing nothing', (_, args, message) => {
    const before = readdirSync(dir).length;
    const hasOut = args.includes('--out');
    const r = cli('fit', '--prior', 'convex', '--out', file('bad.png'), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    if (!hasOut) expect(existsSync(file('bad.png'))).toBe(false);
    expect(readdirSync(dir).length).toBe(before);
  });
});
