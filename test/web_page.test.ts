/**
 * The browser page (web/) in a real, headless Chromium: the system's /usr/bin/chromium
 * driven by playwright-core, serving a fresh Vite build of the page. Real mouse events
 * paint the scribbles; the downloaded masks are compared with the CLI's on the same
 * likelihood map and seed. Screenshots go to test-output/web/ as artefacts.
 *
 * The fits run on the page's wasm backend (?backend=wasm), the CLI's backend here:
 * Chromium's headless WebGL is SwiftShader, a software GL ~11x slower than wasm for a
 * fit (see bench/web_bench.ts), which is why the page's automatic choice passes over
 * software GL; the webgl path (forced) is checked on a small map.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedComponents } from '../src/analysis/components.js';
import { iou } from '../src/metrics.js';
import { occludedEllipse } from '../src/synthetic.js';
import { chromiumArgs, SYSTEM_CHROMIUM } from '../web/headless_chromium.js';

const BIN = path.resolve('dist/src/cli/main.js');
const OUT = path.resolve('test-output/web');
const work = mkdtempSync(path.join(tmpdir(), 'shapeprior-web-'));
const file = (name: string) => path.join(work, name);

let server: PreviewServer;
let browser: Browser;
let baseUrl: string;

const ellipse = occludedEllipse({ height: 256, width: 256, seed: 3 });
const small = occludedEllipse({ height: 64, width: 64, seed: 1 });

async function greyPng(values: Float32Array, width: number, height: number, to: string): Promise<void> {
  await sharp(Buffer.from(Uint8Array.from(values, (v) => Math.round(v * 255))), { raw: { width, height, channels: 1 } }).png().toFile(to);
}

/** Channel 0 of a PNG as a 0/1 mask (sharp widens grey to sRGB when decoding). */
async function readMask(png: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { mask: Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0)), width: info.width, height: info.height };
}

function cliFit(unaries: string, out: string, ...extra: string[]): { steps: number; seconds: number; backend: string } {
  const r = spawnSync(process.execPath, [BIN, 'fit', '--prior', 'convex', '--unaries', unaries, '--out', out, '--seed', '0', '--json', ...extra], {
    encoding: 'utf8', env: { ...process.env, SHAPEPRIOR_BACKEND: 'wasm' },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

async function openPage(query = '?backend=wasm'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${baseUrl}${query}`);
  await page.waitForFunction(() => document.body.dataset['state'] !== 'starting', null, { timeout: 60_000 });
  expect(errors).toEqual([]);
  return page;
}

/** Presses Fit and waits until the page has finished with it (a result, or a message). */
async function fit(page: Page): Promise<void> {
  const before = Number(await page.locator('body').getAttribute('data-fits') ?? 0);
  await page.click('#fit-button');
  await page.waitForFunction((n) => Number(document.body.dataset['fits'] ?? 0) > n, before, { timeout: 170_000 });
}

async function download(page: Page, button: string, to: string): Promise<string> {
  const [saved] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  const target = path.join(OUT, to);
  await saved.saveAs(target);
  return target;
}

/** Drags the mouse along `points` (fractions of the photo's box) with the button down. */
async function stroke(page: Page, points: Array<[number, number]>): Promise<void> {
  const box = (await page.locator('#scribble-canvas').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
  await page.mouse.up();
}

const text = (page: Page, selector: string) => page.locator(selector).textContent().then((t) => t ?? '');

beforeAll(async () => {
  // CI installs Chromium (.ci/run); a missing browser is a failure, not a skip.
  if (!existsSync(SYSTEM_CHROMIUM)) throw new Error(`no Chromium at ${SYSTEM_CHROMIUM}: install the Debian package (apt-get install -y chromium), as .ci/run does`);
  mkdirSync(OUT, { recursive: true });
  // The page's own types (DOM, Vite), which tsconfig.json does not cover.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'], { stdio: 'inherit' });
  const outDir = file('dist-web');
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({ configFile: 'web/vite.config.ts', logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  baseUrl = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: chromiumArgs() });
  await greyPng(ellipse.unaries.data, 256, 256, file('ellipse.png'));
  await greyPng(small.unaries.data, 64, 64, file('small.png'));
  writeFileSync(file('notes.txt'), 'this is not an image');
  const colour = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 37) % 251);
  await sharp(Buffer.from(colour), { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(file('colour.png'));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the browser page (web/) in headless Chromium', () => {
  it('passes over software webgl for wasm by itself and says so; forced webgl reports itself and agrees with the CLI', async () => {
    // Automatic choice: headless Chromium's only GL is SwiftShader (on the CPU), so the page takes wasm and says why.
    const auto = await openPage('');
    expect(await auto.locator('#backend').getAttribute('data-backend')).toBe('wasm');
    expect(await auto.locator('#backend').textContent()).toMatch(/^backend: wasm \(SIMD, 1 thread\); webgl not used: software GL: SwiftShader/i);
    await auto.close();
    const page = await openPage('?backend=webgl');
    const backend = page.locator('#backend');
    expect(await backend.getAttribute('data-backend')).toBe('webgl');
    expect(await backend.textContent()).toMatch(/^backend: webgl \(WebGL 2, /);
    await page.setInputFiles('#map-input', file('small.png'));
    await expect.poll(() => text(page, '#map-name')).toContain('64×64');
    // Few steps, as the CLI's --steps 40: SwiftShader runs every step on the CPU.
    await page.fill('#steps', '40');
    await fit(page);
    expect(await text(page, '#message')).toBe('');
    expect(await page.locator('#fit-stats').getAttribute('data-backend')).toBe('webgl');
    const mask = await readMask(await download(page, '#download-mask', 'webgl_small_mask.png'));
    const steps = Number(await page.locator('#fit-stats').getAttribute('data-steps'));
    cliFit(file('small.png'), file('small_cli.png'), '--steps', '40');
    const cli = await readMask(file('small_cli.png'));
    const agreement = iou(mask.mask, cli.mask);
    console.log(`webgl (64x64 map, ${steps} steps): IoU with the CLI (wasm) ${agreement.toFixed(4)}, with the truth ${iou(mask.mask, small.truth).toFixed(4)}`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
    await page.close();
  }, 150_000);

  it('fits a convex prior to a likelihood map like the CLI (same map, seed 0), and keeps the result on broken input', async () => {
    const page = await openPage();
    expect(await page.locator('#backend').getAttribute('data-backend')).toBe('wasm');
    await page.setInputFiles('#map-input', file('ellipse.png'));
    await expect.poll(() => text(page, '#map-name')).toContain('256×256');
    await page.selectOption('#prior-kind', 'convex');
    await page.fill('#seed', '0');
    await page.screenshot({ path: path.join(OUT, 'map_before_fit.png') });
    await fit(page);
    await page.screenshot({ path: path.join(OUT, 'map_after_fit.png') });
    expect(await text(page, '#message')).toBe('');
    expect(await page.locator('#certificate').getAttribute('data-passed')).toBe('true');
    expect(await text(page, '#step-count')).toMatch(/^step \d+$/);
    const stats = page.locator('#fit-stats');
    const steps = Number(await stats.getAttribute('data-steps'));
    const seconds = Number(await stats.getAttribute('data-seconds'));
    const pageMask = await readMask(await download(page, '#download-mask', 'map_mask.png'));
    expect([pageMask.width, pageMask.height]).toEqual([256, 256]);
    const cli = cliFit(file('ellipse.png'), file('ellipse_cli.png'));
    const cliMask = await readMask(file('ellipse_cli.png'));
    const agreement = iou(pageMask.mask, cliMask.mask);
    console.log(`likelihood map 256x256, convex, seed 0: page (wasm) ${steps} steps in ${seconds.toFixed(2)} s, CLI (${cli.backend}) ${cli.steps} steps in ${cli.seconds.toFixed(2)} s; IoU page/CLI ${agreement.toFixed(4)}, page/truth ${iou(pageMask.mask, ellipse.truth).toFixed(4)}`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
    expect(iou(pageMask.mask, ellipse.truth)).toBeGreaterThan(0.9);

    // Broken input: a text file as the photo, a colour image as the map. A message each; the result stays.
    const before = await stats.textContent();
    await page.setInputFiles('#photo-input', file('notes.txt'));
    await expect.poll(() => text(page, '#message')).toMatch(/photo notes\.txt: not a readable image/);
    await page.setInputFiles('#map-input', file('colour.png'));
    await expect.poll(() => text(page, '#message')).toMatch(/likelihood map colour\.png: has 3 channels that differ .*expected a grey likelihood map/);
    await page.screenshot({ path: path.join(OUT, 'broken_input.png') });
    expect(await stats.textContent()).toBe(before);
    expect(await page.locator('#message').isVisible()).toBe(true);
    const kept = await readMask(await download(page, '#download-mask', 'map_mask_after_broken_input.png'));
    expect(iou(kept.mask, pageMask.mask)).toBe(1);

    // A photo dropped on the page opens like a picked one.
    const bytes = [...readFileSync(file('colour.png'))];
    const transfer = await page.evaluateHandle((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
      return dt;
    }, bytes);
    await page.dispatchEvent('#stage', 'drop', { dataTransfer: transfer });
    await expect.poll(() => text(page, '#status')).toMatch(/Photo dropped\.png: 32×32, working at 32×32/);
    expect(await page.locator('#message').isHidden()).toBe(true);
    await page.close();
  }, 170_000);

  it('trains unaries from mouse scribbles on a sample photo, fits, and the CLI on its unaries agrees; empty scribbles give a message', async () => {
    const page = await openPage();
    await page.click('#sample-tomatoes');
    await expect.poll(() => text(page, '#status')).toMatch(/Photo tomatoes\.jpg: 960×1280, working at 192×256/);
    // tomatoes.jpg: the red tomato spans about x 0.31-0.56, y 0.18-0.35 of the photo.
    await page.check('#tool-foreground');
    await stroke(page, [[0.36, 0.25], [0.44, 0.23], [0.5, 0.27], [0.42, 0.3]]);
    await page.check('#tool-background');
    await stroke(page, [[0.2, 0.1], [0.45, 0.08], [0.7, 0.12], [0.75, 0.25], [0.7, 0.42], [0.45, 0.5], [0.2, 0.42], [0.15, 0.25], [0.2, 0.1]]);
    await stroke(page, [[0.4, 0.55], [0.6, 0.75], [0.3, 0.85]]);
    await page.selectOption('#prior-kind', 'convex');
    await page.fill('#seed', '0');
    await page.screenshot({ path: path.join(OUT, 'scribbles_before_fit.png') });
    await fit(page);
    await page.screenshot({ path: path.join(OUT, 'scribbles_after_fit.png') });
    expect(await text(page, '#message')).toBe('');
    expect(await page.locator('#certificate').getAttribute('data-passed')).toBe('true');
    const stats = page.locator('#fit-stats');
    const pageMask = await readMask(await download(page, '#download-mask', 'tomatoes_mask.png'));
    const unaries = await download(page, '#download-unaries', 'tomatoes_unaries.png');
    expect([pageMask.width, pageMask.height]).toEqual([192, 256]);
    cliFit(unaries, file('tomatoes_cli.png'));
    const cliMask = await readMask(file('tomatoes_cli.png'));
    const agreement = iou(pageMask.mask, cliMask.mask);
    // Sensible: one blob, about the red tomato's size, containing the foreground scribble and not the background ring.
    const box = (mask: Uint8Array) => {
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      mask.forEach((v, i) => {
        if (!v) return;
        const [x, y] = [(i % 192) / 192, Math.floor(i / 192) / 256];
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      });
      return [x0, y0, x1, y1];
    };
    const [x0, y0, x1, y1] = box(pageMask.mask);
    console.log(`scribbles on tomatoes.jpg (192x256): ${await stats.textContent()}; IoU page/CLI on the page's unaries ${agreement.toFixed(4)}; mask box x ${x0!.toFixed(2)}-${x1!.toFixed(2)}, y ${y0!.toFixed(2)}-${y1!.toFixed(2)}`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
    expect(connectedComponents(pageMask.mask, 256, 192, 8).length).toBe(1);
    expect(x0).toBeGreaterThan(0.25);
    expect(x1).toBeLessThan(0.62);
    expect(y0).toBeGreaterThan(0.13);
    expect(y1).toBeLessThan(0.4);
    expect(x1! - x0!).toBeGreaterThan(0.15);

    // No scribbles, or no background ones: a message, and the result stays.
    const before = await stats.textContent();
    await page.click('#clear-scribbles');
    await fit(page);
    expect(await text(page, '#message')).toMatch(/No scribbles: paint some foreground \(red\) and some background \(blue\)/);
    await page.check('#tool-foreground');
    await stroke(page, [[0.4, 0.25], [0.45, 0.27]]);
    await fit(page);
    expect(await text(page, '#message')).toMatch(/No background scribbles/);
    await page.screenshot({ path: path.join(OUT, 'empty_scribbles.png') });
    expect(await stats.textContent()).toBe(before);
    const kept = await readMask(await download(page, '#download-mask', 'tomatoes_mask_after_empty_scribbles.png'));
    expect(iou(kept.mask, pageMask.mask)).toBe(1);
    await page.close();
  }, 170_000);
});
