/**
 * npm run bench -- --speed [--sizes 128,256,512,1024] [--per-size N] [--half tuning|heldout] [--reference] [--authors [--reference-dir DIR]] [--json]
 *
 * The convex fit's cost and quality together, on generated maps (bench/convex_maps.ts:
 * clean and cluttered, tuning and held-out halves). For each map:
 *  - the whole CLI call (`shapeprior fit --prior convex`, a fresh process: start-up,
 *    reading the PNG, the fit, the certificate, writing the mask): wall seconds, steps,
 *    peak RSS, IoU with the truth;
 *  - the fit as it was before the speed work (the moment-ellipse start, then Adam on
 *    the 3x130 net on 3000 cells until the loss plateaus; in this process, on the same
 *    8-bit map, with its retry after a failed fit): seconds, steps, IoU with the truth,
 *    and the IoU between its mask and the CLI's.
 *  - with --reference, a long fit from the same start (3x130, 8000 cells, 1500 steps
 *    at a fixed rate): the IoU of the CLI's mask with it;
 *  - with --authors, the authors' own convex fit on the same PNG (their 'teaser' recipe,
 *    `fit_reference.py fit --prior convex` in ../shared/reference or --reference-dir,
 *    run by /usr/bin/python3 with torch): its wall seconds and IoU with the truth.
 * Prints one row per map and, per half and size, the median CLI seconds and the mean
 * IoUs; or one JSON object with --json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConvexPrior, createPrior, evaluateMask, FIT_DEFAULTS, fitPrior, initBackend, SAMPLING_DEFAULTS, iou, probabilityToRgb, readUnaries, writeRgb } from '../src/index.js';
import { convexMaps, type ConvexMap } from './convex_maps.js';

export interface ConvexSpeedRow {
  name: string;
  size: number;
  damage: string;
  half: string;
  cli: { seconds: number; steps: number; iou: number; peakRssMb: number };
  before: { seconds: number; steps: number; iou: number; agreement: number };
  reference?: { agreement: number };
  authors?: { seconds: number; iou: number };
}

/** The fit as shapeprior ran it before the speed work, pinned (the defaults may change; this yardstick must not). */
const BEFORE = { pointsPerStep: SAMPLING_DEFAULTS.cells.pointsPerStep as number, patience: FIT_DEFAULTS.patience, reductions: FIT_DEFAULTS.reductions };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The convex prior as it started before the hull start: every start (the retry's too) from the moment ellipse, then Adam. */
function momentStarted(prior: ConvexPrior): ConvexPrior {
  prior.initializeFromData = (data, seed) => prior.initializeFromMoments(data, seed);
  return prior;
}

/** Masks are read back as 0/1. */
async function readMask(file: string): Promise<Uint8Array> {
  const m = await readUnaries(file);
  return Uint8Array.from(m.data, (v) => (v >= 0.5 ? 1 : 0));
}

async function benchMap(map: ConvexMap, dir: string, bin: string, withReference: boolean, authorsDir?: string): Promise<ConvexSpeedRow> {
  const unariesFile = path.join(dir, 'unaries.png');
  const outFile = path.join(dir, 'mask.png');
  const rssFile = path.join(dir, 'rss.txt');
  await writeRgb(unariesFile, probabilityToRgb(map.unaries));
  // The peak RSS of the CLI process, written by a preloaded hook as it exits.
  const hook = path.join(dir, 'rss_hook.mjs');
  await import('node:fs').then((fs) => fs.writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`));
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--import', hook, bin, 'fit', '--prior', 'convex', '--unaries', unariesFile, '--out', outFile, '--seed', '0', '--json', '--backend', 'wasm'], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${map.name}: the CLI failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { steps: number };
  const cliMask = await readMask(outFile);
  const peakRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;

  // The same 8-bit map the CLI read, fitted as before: the paper's 3x130 net on 3000 cells.
  const unaries = await readUnaries(unariesFile);
  const old = momentStarted(createPrior({ kind: 'convex', width: 130 }, { seed: 0 }) as ConvexPrior);
  const fitted = await fitPrior(old, unaries, { seed: 0, ...BEFORE });
  const beforeMask = evaluateMask(old, map.size, map.size);
  old.dispose();
  const row: ConvexSpeedRow = {
    name: map.name, size: map.size, damage: map.damage, half: map.half,
    cli: { seconds: wall, steps: result.steps, iou: iou(cliMask, map.truth), peakRssMb },
    before: { seconds: fitted.seconds, steps: fitted.steps, iou: iou(beforeMask, map.truth), agreement: iou(cliMask, beforeMask) },
  };
  if (authorsDir) {
    const authorsMask = path.join(dir, 'authors.png');
    const t = performance.now();
    const ref = spawnSync('/usr/bin/python3', [path.join(authorsDir, 'fit_reference.py'), 'fit', '--prior', 'convex', '--unaries', unariesFile, '--out', authorsMask, '--json'], { encoding: 'utf8' });
    if (ref.status !== 0) throw new Error(`${map.name}: the authors' fit failed: ${ref.stderr}`);
    row.authors = { seconds: (performance.now() - t) / 1000, iou: iou(await readMask(authorsMask), map.truth) };
  }
  if (withReference) {
    const ref = momentStarted(createPrior({ kind: 'convex', width: 130 }, { seed: 0 }) as ConvexPrior);
    await fitPrior(ref, unaries, { seed: 0, pointsPerStep: 8000, maxSteps: 1500, tolerance: 0, learningRate: 3e-3 });
    row.reference = { agreement: iou(cliMask, evaluateMask(ref, map.size, map.size)) };
    ref.dispose();
  }
  return row;
}

export async function benchConvexSpeed(options: { sizes: number[]; perSize: number; half?: 'tuning' | 'heldout'; reference: boolean; authorsDir?: string; bin: string; log: (s: string) => void }): Promise<ConvexSpeedRow[]> {
  await initBackend('wasm');
  const maps = convexMaps(options.sizes, options.perSize).filter((m) => !options.half || m.half === options.half);
  const dir = mkdtempSync(path.join(tmpdir(), 'shapeprior-speed-'));
  const rows: ConvexSpeedRow[] = [];
  try {
    for (const map of maps) {
      const row = await benchMap(map, dir, options.bin, options.reference, options.authorsDir);
      rows.push(row);
      options.log(
        `${row.name.padEnd(36)} ${row.half.padEnd(7)} CLI ${row.cli.seconds.toFixed(2)} s ${String(row.cli.steps).padStart(4)} steps ${row.cli.peakRssMb.toFixed(0)} MB IoU ${row.cli.iou.toFixed(4)} | before ${row.before.seconds.toFixed(2)} s ${String(row.before.steps).padStart(4)} steps IoU ${row.before.iou.toFixed(4)} | delta ${(row.cli.iou - row.before.iou).toFixed(4)} agreement ${row.before.agreement.toFixed(4)}${row.reference ? ` | vs reference ${row.reference.agreement.toFixed(4)}` : ''}${row.authors ? ` | authors ${row.authors.seconds.toFixed(2)} s IoU ${row.authors.iou.toFixed(4)}` : ''}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Per half and size: median CLI seconds, mean IoUs, the worst per-map change of IoU. */
export function summariseConvexSpeed(rows: ConvexSpeedRow[]): string[] {
  const lines: string[] = [];
  for (const half of ['tuning', 'heldout']) {
    for (const size of [...new Set(rows.map((r) => r.size))]) {
      const rs = rows.filter((r) => r.half === half && r.size === size);
      if (rs.length === 0) continue;
      const worst = Math.min(...rs.map((r) => r.cli.iou - r.before.iou));
      lines.push(
        `${half.padEnd(7)} ${String(size).padStart(4)} px, ${rs.length} maps: CLI median ${median(rs.map((r) => r.cli.seconds)).toFixed(2)} s (before: fit alone ${median(rs.map((r) => r.before.seconds)).toFixed(2)} s), ` +
          `steps ${median(rs.map((r) => r.cli.steps))} (before ${median(rs.map((r) => r.before.steps))}), peak RSS ${Math.max(...rs.map((r) => r.cli.peakRssMb)).toFixed(0)} MB; ` +
          `IoU ${mean(rs.map((r) => r.cli.iou)).toFixed(4)} (before ${mean(rs.map((r) => r.before.iou)).toFixed(4)}, worst change ${worst.toFixed(4)})` +
          (rs.every((r) => r.authors) ? `; authors' fit: median ${median(rs.map((r) => r.authors!.seconds)).toFixed(2)} s, IoU ${mean(rs.map((r) => r.authors!.iou)).toFixed(4)}` : ''),
      );
    }
  }
  return lines;
}
