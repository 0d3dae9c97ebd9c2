import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_UNPRIVILEGED, installed, expectRefused, runCli, snapshot, type CliRun } from './hostile_helpers.js';

/**
 * Hostile and careless input to `shapeprior fit` (one map; batches: hostile_batch.test.ts):
 * every case exits 2 with one line naming the problem, before any fit, and leaves every
 * file of its directory as it was (checksums before and after). Rejected inputs are
 * refused by their declared size, so the CLI's peak memory stays far below 500 MB.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-hostile-'));
// Readable and writable for the unprivileged user the read-only cases run as under root.
chmodSync(dir, 0o777);
const file = (name: string) => path.join(dir, name);
const rssFile = path.join(tmpdir(), `shapeprior-hostile-rss-${process.pid}`);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(rssFile, { force: true });
});

const MEMORY_LIMIT_MB = 500;
const cli = (...args: string[]): CliRun => runCli(args, { rssFile });

/** A grey PNG of any declared size whose pixels are all zero: deflate shrinks 16000x16000 to ~250 KB. */
function zeroPng(width: number, height: number, bitDepth = 8): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, 0, 0, 0, 0], 8);
  const raw = Buffer.alloc((1 + (width * bitDepth) / 8) * height);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const SIZE = 48;
const grey = (values: Uint8Array, w = SIZE, h = SIZE, channels: 1 | 2 | 3 | 4 = 1) => sharp(Buffer.from(values), { raw: { width: w, height: h, channels } });
const disc = Uint8Array.from({ length: SIZE * SIZE }, (_, i) => ((i % SIZE) - 24) ** 2 + (Math.floor(i / SIZE) - 24) ** 2 < 150 ? 230 : 20);

beforeAll(async () => {
  await grey(disc).png().toFile(file('m.png'));
  await grey(disc).jpeg().toFile(file('m.jpg'));
  await grey(new Uint8Array(SIZE * SIZE * 3).fill(90), SIZE, SIZE, 3).png().toFile(file('photo.png'));
  await grey(Uint8Array.from({ length: 32 * 32 }, () => 128), 32, 32).png().toFile(file('small.png'));
  await grey(disc).png().toFile(file('ünïcödé 画像.png'));
  await grey(Uint8Array.of(200), 1, 1).png().toFile(file('one.png'));
  await grey(disc).gif().toFile(file('m.gif'));
  await grey(disc).tiff().toFile(file('m.tiff'));
  await grey(disc).webp().toFile(file('m.webp'));
  const rgb = Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i * 37) % 251);
  await grey(rgb, SIZE, SIZE, 3).png().toFile(file('colour.png'));
  const rgba = new Uint8Array(SIZE * SIZE * 4).fill(128);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = i > rgba.length / 2 ? 0 : 255;
  await grey(rgba, SIZE, SIZE, 4).png().toFile(file('transparent.png'));
  await sharp(Buffer.from(new Uint16Array(SIZE * SIZE).fill(30000).buffer), { raw: { width: SIZE, height: SIZE, channels: 1 } }).toColourspace('grey16').png().toFile(file('deep16.png'));
  const png = readFileSync(file('m.png'));
  writeFileSync(file('truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
  writeFileSync(file('header_only.png'), png.subarray(0, 8));
  writeFileSync(file('empty.png'), '');
  writeFileSync(file('notes.png'), 'this is not an image');
  writeFileSync(file('huge.png'), zeroPng(16000, 16000));
  writeFileSync(file('wide.png'), zeroPng(5000, 4000));
  // An SVG that pulls another local image into its pixels, as .svg and disguised as .png.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}"><image href="file://${file('m.png')}" width="${SIZE}" height="${SIZE}"/></svg>`;
  writeFileSync(file('map.svg'), svg);
  writeFileSync(file('svg_as.png'), svg);
  execFileSync('mkfifo', [file('fifo.png')]);
  mkdirSync(file('a_dir.png'));
  mkdirSync(file('read_only'), { mode: 0o555 });
  chmodSync(file('read_only'), 0o555);
  writeFileSync(file('existing_file'), 'not a directory');
  writeFileSync(file('earlier_mask.png'), readFileSync(file('small.png')));
  linkSync(file('m.png'), file('hard_link.png'));
  symlinkSync(file('m.png'), file('sym_link.png'));
  mkdirSync(file('frames'));
  for (const k of [0, 1]) writeFileSync(file(`frames/f${k}.png`), png);
  mkdirSync(file('prior_dir'));
  writeFileSync(file('prior_dir/weights.bin'), png);
}, 60_000);

/** Runs the fit, then checks the refusal contract and that the directory is byte for byte as before. */
function refused(args: string[], message: RegExp): CliRun {
  const before = snapshot(dir);
  // Root writes into a read-only directory anyway: those cases run as an unprivileged user.
  const unprivileged = args.some((a) => a.includes('read_only'));
  const r = runCli(['fit', '--prior', 'convex', '--steps', '3', ...args], { rssFile, ...(unprivileged ? { spawn: AS_UNPRIVILEGED } : {}) });
  expectRefused(r, message);
  expect(snapshot(dir)).toEqual(before);
  expect(r.peakMb).toBeLessThan(MEMORY_LIMIT_MB);
  return r;
}

const U = (name: string) => ['--unaries', file(name)];
const OUT = (name = 'out.png') => ['--out', file(name)];

describe('the issue 13 defects, single fit', () => {
  it('--out equal to --unaries leaves the map alone', () => refused([...U('m.png'), '--out', file('m.png')], /--out .*m\.png is the same file as --unaries .*m\.png: refusing to overwrite an input/));
  it('--overlay equal to --out', () => refused([...U('m.png'), ...OUT(), '--overlay', file('out.png')], /--overlay .*out\.png and --out .*out\.png are the same file/));
  it('--out onto a character device (/dev/null stays a device)', () => {
    refused([...U('m.png'), '--out', '/dev/null'], /--out \/dev\/null: is a character device, not a regular file; refusing to replace it/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
  it('--out onto a FIFO', () => refused([...U('m.png'), '--out', file('fifo.png')], /--out .*fifo\.png: is a FIFO, not a regular file/));
  it('an SVG map is not read (its <image href> would pull in another local file)', () => refused([...U('map.svg'), ...OUT()], /unaries .*map\.svg: not a PNG or JPEG file/));
  it('an SVG disguised as .png is not read either', () => refused([...U('svg_as.png'), ...OUT()], /unaries .*svg_as\.png: not a PNG or JPEG file/));
  it('an SVG photo is not read', () => refused([...U('m.png'), ...OUT(), '--image', file('map.svg')], /image .*map\.svg: not a PNG or JPEG file/));
  it('a 16000x16000 PNG of 250 KB is refused by its declared size, peak memory far below 500 MB', () => {
    expect(statSync(file('huge.png')).size).toBeLessThan(300_000);
    const r = refused([...U('huge.png'), ...OUT()], /unaries .*huge\.png: 16000x16000 is 256000000 pixels, more than the limit of 16777216 \(raise it with --max-pixels/);
    expect(r.peakMb).toBeLessThan(250);
  });
  it('--sampling pixels --points 1000000 is refused at the flag', () => refused([...U('m.png'), ...OUT(), '--sampling', 'pixels', '--points', '1000000'], /--points.*expected an integer in \[1, 16384\], got 1000000/));
  it('--points 16777216 is refused at the flag', () => refused([...U('m.png'), ...OUT(), '--points', '16777216'], /--points.*got 16777216/));
  it('--out in a read-only directory, before the fit', () => refused([...U('m.png'), '--out', file('read_only/m.png')], /--out .*read_only\/m\.png: cannot write in directory .*read_only \(permission denied\)/));
  it('--out that is a directory', () => refused([...U('m.png'), '--out', file('a_dir.png')], /--out .*a_dir\.png: is a directory; refusing to replace it/));
  it('--out ""', () => refused([...U('m.png'), '--out', ''], /--out: empty file name/));
  it('--save-prior onto an existing file: no mask is written', () => refused([...U('m.png'), ...OUT(), '--save-prior', file('existing_file')], /--save-prior .*existing_file: exists and is not a directory/));
  it('flag errors start with shapeprior:, not error:', () => refused([...U('m.png'), ...OUT(), '--no-such-flag'], /^shapeprior: unknown option '--no-such-flag'/));
  it('a misspelt flag with commander\'s suggestion stays one line', () => refused([...U('m.png'), ...OUT(), '--ovrlay', 'x.png'], /^shapeprior: unknown option '--ovrlay' \(Did you mean --overlay\?\)\n$/));
});

const more: Array<[string, string[], RegExp]> = [
  ['an empty file', [...U('empty.png'), ...OUT()], /unaries .*empty\.png: empty file/],
  ['a truncated PNG', [...U('truncated.png'), ...OUT()], /unaries .*truncated\.png: not a readable image/],
  ['a PNG that stops after its signature', [...U('header_only.png'), ...OUT()], /unaries .*header_only\.png: not a readable image/],
  ['text named .png', [...U('notes.png'), ...OUT()], /unaries .*notes\.png: not a PNG or JPEG file/],
  ['a GIF', [...U('m.gif'), ...OUT()], /unaries .*m\.gif: not a PNG or JPEG file/],
  ['a TIFF', [...U('m.tiff'), ...OUT()], /unaries .*m\.tiff: not a PNG or JPEG file/],
  ['a WebP', [...U('m.webp'), ...OUT()], /unaries .*m\.webp: not a PNG or JPEG file/],
  ['a 16-bit map', [...U('deep16.png'), ...OUT()], /unaries .*deep16\.png: expected 8 bits per channel, got ushort/],
  ['a colour map', [...U('colour.png'), ...OUT()], /unaries .*colour\.png: has 3 channels that differ/],
  ['a transparent map', [...U('transparent.png'), ...OUT()], /unaries .*transparent\.png: has transparent pixels/],
  ['a map above --max-pixels', [...U('m.png'), ...OUT(), '--max-pixels', '2000'], /unaries .*m\.png: 48x48 is 2304 pixels, more than the limit of 2000/],
  ['a 5000x4000 map under the default limit', [...U('wide.png'), ...OUT()], /unaries .*wide\.png: 5000x4000 is 20000000 pixels, more than the limit of 16777216/],
  ['a photo above --max-pixels', [...U('small.png'), ...OUT(), '--image', file('m.png'), '--max-pixels', '1024'], /image .*m\.png: 48x48 is 2304 pixels, more than the limit of 1024/],
  ['frames that together pass --max-pixels', ['--frames', `${file('m.png')},${file('m.png')}`, ...OUT('t{t}.png'), '--max-pixels', '3000'], /unaries .*m\.png: 48x48 is 2304 pixels, more than the limit of 696/],
  ['--max-pixels 0', [...U('m.png'), ...OUT(), '--max-pixels', '0'], /--max-pixels.*expected an integer in \[1, 268402689\], got 0/],
  ['--max-pixels beyond libvips\' limit', [...U('m.png'), ...OUT(), '--max-pixels', '1e12'], /--max-pixels.*got 1000000000000/],
  ['a FIFO as the map (no read blocks)', [...U('fifo.png'), ...OUT()], /unaries .*fifo\.png: not a regular file/],
  ['/dev/zero as the map', ['--unaries', '/dev/zero', ...OUT()], /unaries \/dev\/zero: not a regular file/],
  ['a directory as the map', [...U('a_dir.png'), ...OUT()], /unaries .*a_dir\.png: not a regular file/],
  ['a unicode path written over itself', [...U('ünïcödé 画像.png'), '--out', file('ünïcödé 画像.png')], /--out .*ünïcödé 画像\.png is the same file as --unaries/],
  ['--out a hard link of the map', [...U('m.png'), '--out', file('hard_link.png')], /--out .*hard_link\.png is the same file as --unaries .*m\.png/],
  ['--out a symbolic link to the map', [...U('m.png'), '--out', file('sym_link.png')], /--out .*sym_link\.png is the same file as --unaries .*m\.png/],
  ['--out through a relative detour to the map', [...U('m.png'), '--out', path.join(dir, 'frames', '..', 'm.png')], /is the same file as --unaries/],
  ['--overlay onto the photo', [...U('m.png'), ...OUT(), '--image', file('photo.png'), '--overlay', file('photo.png')], /--overlay .*photo\.png is the same file as --image .*photo\.png/],
  ['--out onto the depth image', [...U('m.png'), '--depth', file('small.png'), '--out', file('small.png')], /--out .*small\.png is the same file as --depth/],
  ['--out whose {t} names a frame', ['--frames', `${file('frames/f0.png')},${file('frames/f1.png')}`, '--out', file('frames/f{t}.png')], /--out .*f0\.png is the same file as --frames .*f0\.png/],
  ['two --times giving one mask file', ['--frames', `${file('frames/f0.png')},${file('frames/f1.png')}`, '--out', file('t.png'), '--times', '1,1'], /--out .*t_t1\.png and --out .*t_t1\.png are the same file/],
  ['more than 1000 --times', ['--frames', `${file('frames/f0.png')},${file('frames/f1.png')}`, '--out', file('t{t}.png'), '--times', Array.from({ length: 1001 }, (_, i) => i).join(',')], /--times asks for 1001 masks; at most 1000/],
  ['--save-prior whose weights.bin is the map', ['--unaries', file('prior_dir/weights.bin'), ...OUT(), '--save-prior', file('prior_dir')], /--save-prior .*prior_dir\/weights\.bin is the same file as --unaries .*weights\.bin/],
  ['--out inside a file', [...U('m.png'), '--out', file('existing_file/m.png')], /--out .*existing_file\/m\.png: (a part of the path is not a directory|.*is not a directory)/],
  ['--out in a missing directory', [...U('m.png'), '--out', file('no/such/m.png')], /--out .*no\/such\/m\.png: directory .* does not exist/],
  ['--out with a 300-byte name', [...U('m.png'), '--out', file(`${'x'.repeat(300)}.png`)], /--out: file name too long/],
  ['--save-prior in a read-only directory', [...U('m.png'), ...OUT(), '--save-prior', file('read_only/prior')], /--save-prior .*read_only\/prior: cannot write in directory .*read_only/],
  ['--overlay in a read-only directory', [...U('m.png'), ...OUT(), '--overlay', file('read_only/o.png')], /--overlay .*read_only\/o\.png: cannot write in directory/],
  ['--steps NaN', [...U('m.png'), ...OUT(), '--steps', 'NaN'], /--steps.*expected an integer, got "NaN"/],
  ['--steps Infinity', [...U('m.png'), ...OUT(), '--steps', 'Infinity'], /--steps.*expected an integer, got "Infinity"/],
  ['--steps -5', [...U('m.png'), ...OUT(), '--steps', '-5'], /--steps.*expected an integer in \[1, 1000000\], got -5/],
  ['--steps 2.5', [...U('m.png'), ...OUT(), '--steps', '2.5'], /--steps.*expected an integer, got "2\.5"/],
  ['--lr NaN', [...U('m.png'), ...OUT(), '--lr', 'NaN'], /--lr.*expected a number, got "NaN"/],
  ['--lr Infinity', [...U('m.png'), ...OUT(), '--lr', 'Infinity'], /--lr.*expected a number, got "Infinity"/],
  ['--lr 0', [...U('m.png'), ...OUT(), '--lr', '0'], /--lr.*expected a number in \(0, 10\], got 0/],
  ['--seed -1', [...U('m.png'), ...OUT(), '--seed', '-1'], /--seed.*expected an integer in \[0, 2147483647\], got -1/],
  ['--points -1', [...U('m.png'), ...OUT(), '--points', '-1'], /--points.*got -1/],
  ['--points empty', [...U('m.png'), ...OUT(), '--points', ''], /--points.*expected an integer, got ""/],
  ['--frame-times with NaN', ['--frames', `${file('frames/f0.png')},${file('frames/f1.png')}`, '--out', file('t{t}.png'), '--frame-times', '0,NaN'], /--frame-times.*expected a number, got "NaN"/],
  ['--workers on a single fit', [...U('m.png'), ...OUT(), '--workers', '2'], /--workers applies to a batch/],
  ['--shard on a single fit', [...U('m.png'), ...OUT(), '--shard', '0/2'], /--shard applies to a batch/],
];
if (!installed('@tensorflow/tfjs-node-gpu')) more.push(['a backend that is not installed', [...U('m.png'), ...OUT(), '--backend', 'node-gpu'], /--backend: backend node-gpu could not be initialised/]);

describe('more hostile input to one fit: exit 2, one line, nothing changed, < 500 MB', () => {
  it.each(more)('%s', (_, args, message) => {
    refused(args, message);
  });

  it('a duplicate flag keeps its last value (commander\'s rule), and only that file is written', () => {
    const r = cli('fit', '--prior', 'convex', '--steps', '3', ...U('one.png'), '--out', file('dup_a.png'), '--out', file('dup_b.png'));
    expect(r.code).toBe(0);
    expect(existsSync(file('dup_b.png'))).toBe(true);
    expect(existsSync(file('dup_a.png'))).toBe(false);
  });

  it('a 1x1 map and a JPEG map are fitted, an earlier mask is replaced, the map is untouched', () => {
    const maps = (p: string) => !p.endsWith('one.png') && !p.endsWith('m.jpg');
    const map = snapshot(dir, maps);
    for (const args of [[...U('one.png'), '--out', file('earlier_mask.png')], [...U('m.jpg'), '--out', file('from_jpeg.png')]]) {
      const r = cli('fit', '--prior', 'convex', '--steps', '3', ...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(snapshot(dir, maps)).toEqual(map);
    expect(statSync(file('earlier_mask.png')).size).not.toBe(statSync(file('small.png')).size);
  });
});

describe('the package from CommonJS', () => {
  /** require('shapeprior') from a package that depends on this one (a node_modules link to the repository). */
  const requireFrom = (nodeFlags: string[]) => {
    const consumer = path.join(dir, 'consumer');
    mkdirSync(path.join(consumer, 'node_modules'), { recursive: true });
    if (!existsSync(path.join(consumer, 'node_modules', 'shapeprior'))) symlinkSync(path.resolve('.'), path.join(consumer, 'node_modules', 'shapeprior'));
    const script = "try { console.log(typeof require('shapeprior').fitPrior); } catch (e) { console.log(e.code + ': ' + e.message); }";
    return execFileSync(process.execPath, [...nodeFlags, '-e', script], { cwd: consumer, encoding: 'utf8' }).trim();
  };

  it('require() gets the module where Node can require ES modules, else an error that says the package is ESM', () => {
    const stub = /^ERR_REQUIRE_ESM: shapeprior is an ES module and this Node cannot require\(\) it/;
    if (process.features.require_module) {
      expect(requireFrom([])).toBe('function');
      expect(requireFrom(['--no-experimental-require-module'])).toMatch(stub);
    } else {
      expect(requireFrom([])).toMatch(stub);
    }
  });
});
