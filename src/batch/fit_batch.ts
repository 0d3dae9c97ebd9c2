import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import writeFileAtomic from 'write-file-atomic';
import type { BackendChoice } from '../backend/backend.js';
import type { FitSettings } from '../fit/fit_settings.js';
import { InputError } from '../errors.js';
import { checkOutputPlan } from '../io/output_paths.js';
import { checkBackendInstalled } from './backend_preflight.js';
import { batchOutputPlan, maskFileOf, overlayFileOf, SUMMARY_FILE } from './batch_outputs.js';
import { listInputs, shardOf, type BatchInput, type Shard } from './batch_inputs.js';
import type { FitJob, FitJobResult } from './fit_job.js';
import { runOnWorkers, WORKER_START_FAILED } from './worker_pool.js';

export const BATCH_SUMMARY_FORMAT = 'shapeprior-batch-summary';
export const BATCH_SUMMARY_VERSION = 1;
/**
 * Young generation of each worker's V8 heap, in MB. A fit allocates many short-lived
 * objects (tfjs's tensor bookkeeping); with every core fitting, the garbage collector's
 * helper threads compete with the fits instead of using an idle core. Measured, 24 maps
 * of 128x128 on 2 workers: 87.7 s with Node's default, 79.2 s with 128 MB, 77.4 s with
 * 256 MB; one process fitting them one after another gains nothing from it (140.5 s vs
 * 141.1 s), since there the collector has the idle core.
 */
const WORKER_YOUNG_GENERATION_MB = 128;
/** The summary is rewritten at most this often while a batch runs (and once at its end). */
const SUMMARY_INTERVAL_MS = 2000;

export interface BatchOptions {
  settings: FitSettings;
  /** The maps: every PNG/JPEG of a directory, or the files a list names (one per line). */
  unariesDir?: string;
  unariesList?: string;
  /** Masks go to OUT/<name>.png, overlays to OUT/<name>_overlay.png, and OUT/summary.json. */
  outDir: string;
  /** Photos, matched to the maps by name (any of .jpg, .jpeg, .png): an overlay per map. */
  imageDir?: string;
  /** Worker threads, each with its own backend (default: the number of cores). */
  workers?: number;
  shard?: Shard;
  backend?: BackendChoice;
  /** Most pixels of one map (or photo); a larger one fails with a message (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** After each input (fitted, skipped or failed). */
  onProgress?: (done: number, total: number, result: FitJobResult) => void;
}

export interface BatchSummary {
  format: typeof BATCH_SUMMARY_FORMAT;
  version: number;
  settings: FitSettings;
  shard: string | null;
  workers: number;
  backend: string | null;
  seconds: number;
  counts: { total: number; fitted: number; skipped: number; failed: number };
  /** One entry per input of this shard, in input order; a skipped one keeps its earlier figures. */
  images: FitJobResult[];
}

/**
 * Fits every map of a batch on worker threads and writes OUT/summary.json. Resumable:
 * an input whose mask (and overlay) already exists as a readable PNG of its size is
 * skipped, since masks are written to a temporary file and renamed. A failing input is
 * recorded in the summary and the others go on.
 */
export async function fitBatch(options: BatchOptions): Promise<BatchSummary> {
  const started = performance.now();
  const all = await listInputs({ ...(options.unariesDir !== undefined ? { dir: options.unariesDir } : {}), ...(options.unariesList !== undefined ? { listFile: options.unariesList } : {}) });
  if (all.length === 0) {
    throw new InputError(options.unariesDir !== undefined ? `--unaries-dir ${options.unariesDir}: no .png/.jpg/.jpeg maps in it` : `--unaries-list ${options.unariesList}: lists no file`);
  }
  const inputs = options.shard ? shardOf(all, options.shard) : all;
  const photos = options.imageDir !== undefined ? await photosByName(options.imageDir) : null;
  // Everything that can be refused is refused before the output directory is created.
  checkBackendInstalled(options.backend, 'backend');
  await checkOutputPlan(batchOutputPlan({ inputs: all, outDir: options.outDir, photos, ...(options.unariesList !== undefined ? { listFile: options.unariesList } : {}) }));
  const created = await fs.mkdir(options.outDir, { recursive: true }).catch((err: Error) => {
    throw new InputError(`--out-dir ${options.outDir}: ${err.message}`);
  });
  const summaryFile = path.join(options.outDir, SUMMARY_FILE);
  const earlier = await readEarlierSummary(summaryFile);

  const results = new Map<string, FitJobResult>();
  const jobs: FitJob[] = [];
  for (const input of inputs) {
    const job = jobOf(input, options.outDir, photos);
    if (typeof job === 'string') {
      results.set(input.file, { input: input.file, mask: maskFileOf(options.outDir, input.name), status: 'failed', error: job });
    } else if (await isComplete(job)) {
      results.set(input.file, { ...(earlier.get(input.file) ?? { input: job.input, mask: job.mask, ...(job.overlay ? { overlay: job.overlay } : {}) }), status: 'skipped' });
    } else {
      jobs.push(job);
    }
  }
  // More threads than cores or than maps only add memory (each has its own backend) and contention.
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), availableParallelism(), jobs.length));
  const pending: FitJob[] = options.maxPixels === undefined ? jobs : jobs.map((j) => ({ ...j, maxPixels: options.maxPixels! }));

  let backend: string | null = null;
  let done = 0;
  let lastWrite = performance.now();
  const summary = (): BatchSummary => {
    const images = inputs.flatMap((i) => results.get(i.file) ?? []);
    const count = (s: FitJobResult['status']) => images.filter((r) => r.status === s).length;
    return {
      format: BATCH_SUMMARY_FORMAT,
      version: BATCH_SUMMARY_VERSION,
      settings: options.settings,
      shard: options.shard ? `${options.shard.index}/${options.shard.count}` : null,
      workers,
      backend,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      counts: { total: inputs.length, fitted: count('fitted'), skipped: count('skipped'), failed: count('failed') },
      images,
    };
  };
  const report = (result: FitJobResult) => options.onProgress?.(++done, inputs.length, result);
  for (const r of results.values()) report(r);

  let writing: Promise<void> = Promise.resolve();
  let writeError: Error | undefined;
  await runOnWorkers<FitJob, FitJobResult>({
    script: new URL('./batch_worker.js', import.meta.url),
    workerData: { settings: options.settings, backend: options.backend },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    size: workers,
    jobs: pending,
    onReady: (b) => {
      backend = b;
    },
    onResult: (result) => {
      results.set(result.input, result);
      report(result);
      // The summary so far, now and then: a batch killed midway still says what it did.
      if (performance.now() - lastWrite > SUMMARY_INTERVAL_MS) {
        lastWrite = performance.now();
        const snapshot = summary();
        writing = writing.then(() => writeSummary(summaryFile, snapshot)).catch((err: Error) => {
          writeError ??= err;
        });
      }
    },
    onCrash: (job, err) => ({ input: job.input, mask: job.mask, status: 'failed', error: `the worker fitting it died: ${err.message}` }),
  }).catch(async (err: Error) => {
    // No worker could start (its backend does not load): nothing was fitted, so a directory
    // this call created is removed again, and the cause is the backend the user chose.
    if (created !== undefined) await removeEmptyDirs(options.outDir, created);
    throw err.message.startsWith(WORKER_START_FAILED) ? new InputError(err.message) : err;
  });
  await writing;
  const final = summary();
  await writeSummary(summaryFile, final).catch((err: Error) => {
    throw new InputError(`--out-dir ${options.outDir}: cannot write ${summaryFile}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
  });
  if (writeError !== undefined) process.emitWarning(`summary ${summaryFile} could not be rewritten while the batch ran: ${writeError.message}`);
  return final;
}

/** `dir` and its parents up to `created` (the first directory mkdir made), each if empty. */
async function removeEmptyDirs(dir: string, created: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (!(await fs.rmdir(d).then(() => true, () => false))) return;
    if (d === path.resolve(created) || path.dirname(d) === d) return;
  }
}

function jobOf(input: BatchInput, outDir: string, photos: Map<string, string> | null): FitJob | string {
  const job: FitJob = { input: input.file, mask: maskFileOf(outDir, input.name) };
  if (!photos) return job;
  const photo = photos.get(input.name);
  if (!photo) return `no photo named ${input.name}.jpg/.jpeg/.png in --image-dir for ${input.file}`;
  return { ...job, photo, overlay: overlayFileOf(outDir, input.name) };
}

/** The photos of --image-dir by name without extension. */
async function photosByName(dir: string): Promise<Map<string, string>> {
  const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`--image-dir ${dir}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`);
  });
  const photos = new Map<string, string>();
  for (const e of entries.sort()) {
    const ext = path.extname(e).toLowerCase();
    if (['.jpg', '.jpeg', '.png'].includes(ext)) photos.set(path.basename(e, path.extname(e)), path.join(dir, e));
  }
  return photos;
}

/** Done before: the mask (and overlay) is a PNG that decodes to the input's size. */
async function isComplete(job: FitJob): Promise<boolean> {
  const size = async (file: string) => {
    try {
      const m = await sharp(file).metadata();
      return m.format === 'png' || file === job.input ? `${m.width}x${m.height}` : null;
    } catch {
      return null;
    }
  };
  const want = await size(job.input);
  if (want === null) return false;
  if ((await size(job.mask)) !== want) return false;
  return !job.overlay || (await size(job.overlay)) === want;
}

/** The entries of an earlier run's summary by input (none when it is missing or unreadable). */
async function readEarlierSummary(file: string): Promise<Map<string, FitJobResult>> {
  try {
    const s = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<BatchSummary>;
    if (s.format !== BATCH_SUMMARY_FORMAT || !Array.isArray(s.images)) return new Map();
    return new Map(s.images.filter((r) => r.status !== 'failed').map((r) => [r.input, r]));
  } catch {
    return new Map();
  }
}

function writeSummary(file: string, summary: BatchSummary): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(summary, null, 2)}\n`);
}
