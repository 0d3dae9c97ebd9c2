import { parseBackendChoice, type BackendChoice } from '../backend/backend.js';
import { checkBackendInstalled } from '../batch/backend_preflight.js';
import { parseShard } from '../batch/batch_inputs.js';
import { fitBatch } from '../batch/fit_batch.js';
import { InputError } from '../errors.js';
import { checkSettings, type FitSettings } from '../fit/fit_settings.js';
import { batchProgressBar } from './progress.js';

/** Exit code of a batch that finished with some inputs failed (each is in summary.json). */
export const EXIT_SOME_FAILED = 3;

export interface BatchFlags extends FitSettings {
  unariesDir?: string;
  unariesList?: string;
  outDir?: string;
  imageDir?: string;
  workers?: number;
  shard?: string;
  backend?: BackendChoice;
  json?: boolean;
  maxPixels?: number;
}

/** Flags of a single fit that have no meaning in a batch. */
const SINGLE_ONLY: Array<[string, string]> = [
  ['unaries', '--unaries'], ['frames', '--frames'], ['frameTimes', '--frame-times'], ['times', '--times'], ['depth', '--depth'],
  ['out', '--out'], ['image', '--image'], ['overlay', '--overlay'], ['savePrior', '--save-prior'],
];

/** `shapeprior fit --unaries-dir IN --out-dir OUT ...`: every map of IN, on worker threads. */
export async function runBatch(flags: BatchFlags & Record<string, unknown>): Promise<void> {
  if (flags.unariesDir !== undefined && flags.unariesList !== undefined) throw new InputError('give either --unaries-dir or --unaries-list, not both');
  for (const [key, flag] of SINGLE_ONLY) if (flags[key] !== undefined) throw new InputError(`${flag} fits one map; a batch (--unaries-dir / --unaries-list) takes --out-dir${flag === '--image' || flag === '--overlay' ? ' and --image-dir' : ''} instead`);
  if (flags.outDir === undefined) throw new InputError('a batch needs --out-dir <dir> for its masks and summary.json');
  checkSettings(flags);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  // parseBackendChoice throws an InputError naming SHAPEPRIOR_BACKEND for a bad value.
  const fromEnv = process.env['SHAPEPRIOR_BACKEND'];
  const backend: BackendChoice | undefined = flags.backend ?? (fromEnv ? parseBackendChoice(fromEnv, 'SHAPEPRIOR_BACKEND') : undefined);
  checkBackendInstalled(backend, flags.backend !== undefined ? '--backend' : 'SHAPEPRIOR_BACKEND');
  const settings: FitSettings = {
    prior: flags.prior, steps: flags.steps, sampling: flags.sampling, seed: flags.seed,
    ...pick(flags, ['folds', 'sparsity', 'smoothness', 'axisStarts', 'flowDecay', 'regionWeight', 'member', 'objects', 'points', 'lr']),
  };
  const bar = flags.json ? { update: () => {}, stop: () => {} } : batchProgressBar();
  let failed = 0;
  const summary = await fitBatch({
    settings,
    ...(flags.unariesDir !== undefined ? { unariesDir: flags.unariesDir } : {}),
    ...(flags.unariesList !== undefined ? { unariesList: flags.unariesList } : {}),
    outDir: flags.outDir,
    ...(flags.imageDir !== undefined ? { imageDir: flags.imageDir } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(shard ? { shard } : {}),
    ...(backend ? { backend } : {}),
    ...(flags.maxPixels !== undefined ? { maxPixels: flags.maxPixels } : {}),
    onProgress: (done, total, result) => {
      if (result.status === 'failed') {
        failed++;
        if (!flags.json) process.stderr.write(`shapeprior: ${result.error}\n`);
      }
      bar.update(done, total, failed);
    },
  });
  bar.stop();
  const { counts } = summary;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ summary: `${flags.outDir}/summary.json`, counts, seconds: summary.seconds, workers: summary.workers, backend: summary.backend, shard: summary.shard })}\n`);
  } else {
    process.stdout.write(
      `${counts.total} images${summary.shard ? ` (shard ${summary.shard})` : ''}: ${counts.fitted} fitted, ${counts.skipped} skipped (mask already there), ${counts.failed} failed, ` +
        `in ${summary.seconds.toFixed(1)} s with ${summary.workers} workers${summary.backend ? ` on ${summary.backend}` : ''}; summary in ${flags.outDir}/summary.json\n`,
    );
  }
  if (counts.failed > 0) process.exitCode = EXIT_SOME_FAILED;
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
