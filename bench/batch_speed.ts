/**
 * node dist/bench/batch_speed.js [maps] [size] [workers]
 *
 * The batch's speed-up: `maps` generated size x size likelihood maps (occluded
 * ellipses), convex prior, fitted one after another in this process, then by
 * fitBatch on `workers` worker threads (worker start-up included). The masks of both
 * runs must agree exactly (same settings, same seed).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { integerIn } from '../src/cli/parse_flags.js';
import sharp from 'sharp';
import { initBackend } from '../src/backend/backend.js';
import { fitBatch } from '../src/batch/fit_batch.js';
import { runFitJob } from '../src/batch/fit_job.js';
import type { FitSettings } from '../src/fit/fit_settings.js';
import { FIT_DEFAULTS } from '../src/fit/fit_prior.js';
import { occludedEllipse } from '../src/synthetic.js';

export interface BatchSpeed {
  maps: number;
  size: string;
  workers: number;
  cores: number;
  sequentialSeconds: number;
  batchSeconds: number;
  /** batch / sequential (the target is <= 0.6 with 2 workers on 2 cores). */
  ratio: number;
  identicalMasks: number;
}

export async function benchBatchSpeed(maps = 24, size = 128, workers = 2): Promise<BatchSpeed> {
  await initBackend();
  const root = mkdtempSync(path.join(tmpdir(), 'shapeprior-bench-batch-'));
  try {
    const inDir = path.join(root, 'maps');
    const seqDir = path.join(root, 'sequential');
    const batchDir = path.join(root, 'batch');
    for (const d of [inDir, seqDir]) mkdirSync(d);
    const names = Array.from({ length: maps }, (_, i) => `map${String(i).padStart(3, '0')}`);
    for (const [i, name] of names.entries()) {
      const c = occludedEllipse({ height: size, width: size, seed: i });
      await sharp(Buffer.from(Uint8Array.from(c.unaries.data, (v) => Math.round(v * 255))), { raw: { width: size, height: size, channels: 1 } }).png().toFile(path.join(inDir, `${name}.png`));
    }
    const settings: FitSettings = { prior: 'convex', steps: FIT_DEFAULTS.maxSteps, sampling: FIT_DEFAULTS.sampling, seed: FIT_DEFAULTS.seed };
    const t0 = performance.now();
    for (const name of names) {
      const r = await runFitJob(settings, { input: path.join(inDir, `${name}.png`), mask: path.join(seqDir, `${name}.png`) });
      if (r.status !== 'fitted') throw new Error(`sequential fit of ${name} failed: ${r.error}`);
    }
    const sequentialSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const summary = await fitBatch({ settings, unariesDir: inDir, outDir: batchDir, workers });
    const batchSeconds = (performance.now() - t1) / 1000;
    if (summary.counts.fitted !== maps) throw new Error(`the batch fitted ${summary.counts.fitted} of ${maps} maps`);
    const identicalMasks = names.filter((n) => readFileSync(path.join(seqDir, `${n}.png`)).equals(readFileSync(path.join(batchDir, `${n}.png`)))).length;
    return { maps, size: `${size}x${size}`, workers, cores: availableParallelism(), sequentialSeconds, batchSeconds, ratio: batchSeconds / sequentialSeconds, identicalMasks };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [maps, size, workers] = new Command('batch_speed')
    .description('a convex fit of generated maps one after another against fitBatch on worker threads')
    .argument('[maps]', 'how many maps', integerIn(1, 10_000))
    .argument('[size]', 'side of the square maps', integerIn(16, 4096))
    .argument('[workers]', 'worker threads', integerIn(1, 256))
    .parse()
    .processedArgs as Array<number | undefined>;
  const r = await benchBatchSpeed(maps, size, workers);
  console.log(JSON.stringify(r, null, 2));
}
