/**
 * npm run bench:web [-- --json] [-- --cpu] [-- --steps N]
 *
 * The convex prior's fit time in the browser page (web/) against the CLI's, on one
 * input: the redness likelihood map of a 256x256 photo (tomatoes.jpg, cropped around
 * the red tomato and scaled), seed 0. The page runs in headless Chromium (the system
 * /usr/bin/chromium, as the test does) once per backend: webgl (SwiftShader, a
 * software GL, in headless Chromium) and wasm, and with --cpu also tfjs's pure-JS cpu
 * backend. The CLI runs `shapeprior fit --json` on the same PNG (its backend: wasm
 * unless tfjs-node is installed). Reports the fit's own seconds (fitPrior's, without
 * the certificate), its steps, the wall time from pressing Fit to the result, and the
 * IoU of each page mask with the CLI's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { build, preview } from 'vite';
import { repoRoot } from '../examples/photo_example.js';
import { rednessUnaries } from '../examples/tomato_scene.js';
import { integerIn } from '../src/cli/parse_flags.js';
import { iou } from '../src/metrics.js';
import { chromiumArgs, SYSTEM_CHROMIUM } from '../web/headless_chromium.js';

const root = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
const flags = new Command('web_bench')
  .description("the convex fit's time in the browser page (webgl, wasm) against the CLI's")
  .option('--json', 'print JSON instead of a table', false)
  .option('--cpu', "also tfjs's pure-JS cpu backend", false)
  .option('--steps <n>', 'the fit\'s step limit', integerIn(1, 1_000_000), 1000)
  .parse()
  .opts<{ json: boolean; cpu: boolean; steps: number }>();
const { json, steps: maxSteps } = flags;
const backends = ['webgl', 'wasm', ...(flags.cpu ? ['cpu'] : [])];
const work = mkdtempSync(path.join(tmpdir(), 'shapeprior-web-bench-'));
const SIZE = 256;

interface Row {
  where: string;
  backend: string;
  steps: number;
  seconds: number;
  wallSeconds: number;
  iouWithCli: number;
}

async function readMask(png: string): Promise<Uint8Array> {
  const data = await sharp(png).extractChannel(0).raw().toBuffer();
  return Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
}

/** The input: a 400x400 crop of tomatoes.jpg around the red tomato, scaled to 256x256, and its redness map as an 8-bit PNG. */
async function writeInput(): Promise<string> {
  const { data } = await sharp(path.join(root, 'examples/data/tomatoes.jpg'))
    .extract({ left: 250, top: 150, width: 400, height: 400 }).resize(SIZE, SIZE).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const map = rednessUnaries({ width: SIZE, height: SIZE, data: new Uint8Array(data) });
  const file = path.join(work, 'tomato_256_unaries.png');
  await sharp(Buffer.from(Uint8Array.from(map.data, (v) => Math.round(v * 255))), { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toFile(file);
  return file;
}

function runCli(unaries: string, out: string): { steps: number; seconds: number; backend: string; wallSeconds: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'fit', '--prior', 'convex', '--unaries', unaries, '--out', out, '--seed', '0', '--steps', String(maxSteps), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`CLI failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout) as { steps: number; seconds: number; backendDetail: string };
  return { steps: result.steps, seconds: result.seconds, backend: result.backendDetail, wallSeconds: (performance.now() - started) / 1000 };
}

async function runPage(browser: Browser, url: string, backend: string, unaries: string): Promise<Omit<Row, 'iouWithCli'> & { mask: Uint8Array }> {
  const page = await browser.newPage();
  try {
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => document.body.dataset['state'] !== 'starting', null, { timeout: 120_000 });
    const reported = await page.locator('#backend').textContent();
    if ((await page.locator('#backend').getAttribute('data-backend')) !== backend) throw new Error(`the page did not start ${backend}: ${reported}; ${await page.locator('#message').textContent()}`);
    await page.setInputFiles('#map-input', unaries);
    await page.waitForFunction(() => (document.getElementById('map-name')?.textContent ?? '') !== '');
    await page.fill('#steps', String(maxSteps));
    await page.fill('#seed', '0');
    const started = performance.now();
    await page.click('#fit-button');
    await page.waitForFunction(() => Number(document.body.dataset['fits'] ?? 0) > 0, null, { timeout: 3_600_000, polling: 200 });
    const wallSeconds = (performance.now() - started) / 1000;
    const message = await page.locator('#message').textContent();
    if (message) throw new Error(`${backend}: ${message}`);
    const stats = page.locator('#fit-stats');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-mask')]);
    const file = path.join(work, `page_${backend}.png`);
    await download.saveAs(file);
    return {
      where: 'page (headless Chromium)', backend: reported!.replace(/^backend: /, ''),
      steps: Number(await stats.getAttribute('data-steps')), seconds: Number(await stats.getAttribute('data-seconds')), wallSeconds, mask: await readMask(file),
    };
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const unaries = await writeInput();
  const outDir = path.join(work, 'dist-web');
  const config = path.join(root, 'web/vite.config.ts');
  await build({ configFile: config, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ configFile: config, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  const browser = await chromium.launch({ executablePath: SYSTEM_CHROMIUM, args: chromiumArgs() });
  const rows: Row[] = [];
  try {
    const cliOut = path.join(work, 'cli.png');
    const cli = runCli(unaries, cliOut);
    const cliMask = await readMask(cliOut);
    rows.push({ where: 'CLI (node)', backend: cli.backend, steps: cli.steps, seconds: cli.seconds, wallSeconds: cli.wallSeconds, iouWithCli: 1 });
    for (const backend of backends) {
      const { mask, ...row } = await runPage(browser, server.resolvedUrls!.local[0]!, backend, unaries);
      rows.push({ ...row, iouWithCli: iou(mask, cliMask) });
      if (!json) process.stderr.write(`${row.backend}: ${row.steps} steps, ${row.seconds.toFixed(2)} s\n`);
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ input: `${SIZE}x${SIZE} redness map of tomatoes.jpg`, prior: 'convex', seed: 0, maxSteps, rows })}\n`);
    return;
  }
  console.log(`convex prior, seed 0, ${SIZE}x${SIZE} redness map of tomatoes.jpg (max ${maxSteps} steps)`);
  console.log('| where | backend | steps | fit s | ms/step | wall s | IoU with CLI |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.where} | ${r.backend} | ${r.steps} | ${r.seconds.toFixed(2)} | ${(1000 * r.seconds / r.steps).toFixed(1)} | ${r.wallSeconds.toFixed(2)} | ${r.iouWithCli.toFixed(4)} |`);
  }
}

await main();
