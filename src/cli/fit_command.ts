import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../backend.js';
import { FIT_DEFAULTS, type FitProgress } from '../fit/fit_prior.js';
import { InputError } from '../io/input_error.js';
import { probabilityToRgb, readDepth, readRgb, readUnaries, writeMask, writeOverlay } from '../io/images.js';
import type { ProbabilityMap } from '../probability_map.js';
import { framesAt, isSliceStack, liftedByDepth, type LikelihoodData, type SliceStack } from '../slice_stack.js';
import { evaluateMask } from '../priors/evaluate.js';
import { PRIOR_KINDS } from '../priors/prior_config.js';
import { savePrior } from '../priors/persistence.js';
import { runBatch, type BatchFlags } from './batch_run.js';
import { checkSettings, fitWithSettings } from './fit_settings.js';
import { integerIn, numberIn } from './parse_flags.js';
import { fitProgressBar } from './progress.js';

interface FitFlags extends BatchFlags {
  unaries?: string;
  frames?: string[];
  frameTimes?: number[];
  times?: number[];
  depth?: string;
  out?: string;
  image?: string;
  overlay?: string;
  savePrior?: string;
  backend?: BackendChoice;
  json?: boolean;
}

function foldsFlag(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : integerIn(2, 64)(value);
}

function fileList(value: string): string[] {
  const files = value.split(',').map((f) => f.trim());
  if (files.some((f) => f === '')) throw new InvalidArgumentError(`expected comma-separated file names, got "${value}".`);
  return files;
}

function numberList(value: string): number[] {
  return value.split(',').map((v) => numberIn(-1e9, 1e9)(v.trim()));
}

/** The data to fit: one map, frames at times (--frames), or a map lifted by a depth image (--depth). */
async function readData(flags: FitFlags): Promise<{ data: LikelihoodData; first: ProbabilityMap; label: string }> {
  if (flags.frames) {
    if (flags.unaries) throw new InputError('give either --unaries or --frames, not both');
    if (flags.depth) throw new InputError('--depth lifts one map (--unaries); it cannot be combined with --frames');
    const maps: ProbabilityMap[] = [];
    for (const f of flags.frames) maps.push(await readUnaries(f));
    const times = flags.frameTimes ?? maps.map((_, i) => i);
    if (times.length !== maps.length) throw new InputError(`--frame-times gives ${times.length} times for ${maps.length} --frames`);
    maps.forEach((m, i) => {
      if (m.width !== maps[0]!.width || m.height !== maps[0]!.height) throw new InputError(`--frames ${flags.frames![i]} is ${m.width}x${m.height}, ${flags.frames![0]} is ${maps[0]!.width}x${maps[0]!.height}; frames must share one size`);
    });
    if (new Set(times).size !== times.length) throw new InputError(`--frame-times must be distinct, got ${times.join(',')}`);
    return { data: framesAt(maps, times), first: maps[0]!, label: `--frames ${flags.frames[0]!}` };
  }
  if (!flags.unaries) throw new InputError('missing --unaries <file> (or --frames <files>)');
  if (flags.frameTimes) throw new InputError('--frame-times applies to --frames only');
  const unaries = await readUnaries(flags.unaries);
  if (!flags.depth) {
    if (flags.times) throw new InputError('--times applies to --frames only');
    return { data: unaries, first: unaries, label: `--unaries ${flags.unaries}` };
  }
  const depth = await readDepth(flags.depth);
  if (depth.width !== unaries.width || depth.height !== unaries.height) {
    throw new InputError(`--depth ${flags.depth} is ${depth.width}x${depth.height} but --unaries ${flags.unaries} is ${unaries.width}x${unaries.height}; they must be the same size`);
  }
  if (flags.times) throw new InputError('--times applies to --frames only');
  return { data: liftedByDepth(unaries, depth.data), first: unaries, label: `--unaries ${flags.unaries}` };
}

/** Where the mask of time t goes: --out with {t} replaced, or with _t<t> before its extension. */
function outFileAt(out: string, t: number): string {
  if (out.includes('{t}')) return out.replaceAll('{t}', String(t));
  const ext = path.extname(out);
  return `${out.slice(0, out.length - ext.length)}_t${t}${ext}`;
}

async function ensureWritableTarget(file: string, flag: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat || !stat.isDirectory()) throw new InputError(`${flag} ${file}: directory ${dir} does not exist`);
}

async function runFit(flags: FitFlags): Promise<void> {
  if (flags.unariesDir !== undefined || flags.unariesList !== undefined) return runBatch(flags as FitFlags & Record<string, unknown>);
  for (const [flag, value] of [['--out-dir', flags.outDir], ['--image-dir', flags.imageDir], ['--workers', flags.workers], ['--shard', flags.shard]] as const) {
    if (value !== undefined) throw new InputError(`${flag} applies to a batch (--unaries-dir or --unaries-list) only`);
  }
  if (flags.out === undefined) throw new InputError('missing --out <file> (or --out-dir <dir> with --unaries-dir / --unaries-list for a batch)');
  const out = flags.out;
  // Check everything the user gave before spending time on the fit.
  await ensureWritableTarget(out, '--out');
  if (flags.overlay) await ensureWritableTarget(flags.overlay, '--overlay');
  const { data, first: unaries, label } = await readData(flags);
  const photo = flags.image ? await readRgb(flags.image) : null;
  if (photo && (photo.width !== unaries.width || photo.height !== unaries.height)) {
    throw new InputError(`--image ${flags.image} is ${photo.width}x${photo.height} but ${label} is ${unaries.width}x${unaries.height}; they must be the same size`);
  }
  let backend;
  try {
    backend = await initBackend(flags.backend);
  } catch (err) {
    // A bad SHAPEPRIOR_BACKEND names itself in the message; a failing --backend gets the flag's name.
    throw new InputError(`${flags.backend ? '--backend: ' : ''}${(err as Error).message}`);
  }

  checkSettings(flags);
  const inputDim = isSliceStack(data) ? 3 : 2;
  const bar = flags.json ? { update: () => {}, stop: () => {} } : fitProgressBar();
  const stats = await fitWithSettings(flags, data, inputDim, (p: FitProgress) => bar.update(p));
  const { prior } = stats;
  bar.stop();
  const { certificate } = stats;
  // One mask per requested time (frames), else one: of the map, or of the map's pixels at their depths.
  const outputs: Array<{ file: string; mask: Uint8Array; time?: number }> = [];
  if (flags.frames) {
    const times = flags.times ?? (data as SliceStack).slices.map((sl) => sl.third as number);
    for (const t of times) outputs.push({ file: outFileAt(out, t), mask: evaluateMask(prior, unaries.height, unaries.width, t), time: t });
  } else {
    const third = isSliceStack(data) ? data.slices[0]!.third : undefined;
    outputs.push({ file: out, mask: evaluateMask(prior, unaries.height, unaries.width, third) });
  }
  for (const o of outputs) await writeMask(o.file, o.mask, unaries.width, unaries.height);
  if (flags.overlay) await writeOverlay(flags.overlay, photo ?? probabilityToRgb(unaries), outputs[0]!.mask);
  if (flags.savePrior) await savePrior(prior, `file://${path.resolve(flags.savePrior)}`);
  prior.dispose();

  const mask = outputs[0]!.mask;
  const foregroundPixels = mask.reduce((a, v) => a + v, 0);
  const result = {
    prior: flags.prior,
    ...(prior.config.kind === 'rotation' ? { folds: prior.config.folds } : {}),
    ...('lossByFolds' in stats ? { lossByFolds: stats.lossByFolds } : {}),
    backend: backend.choice,
    backendDetail: backend.description,
    width: unaries.width,
    height: unaries.height,
    steps: stats.steps,
    converged: stats.converged,
    seconds: Number(stats.seconds.toFixed(3)),
    pointsPerStep: stats.pointsPerStep,
    finalLoss: stats.finalLoss,
    foregroundPixels,
    certificate,
    out,
    ...(flags.frames ? { masks: outputs.map((o) => ({ time: o.time, file: o.file, foregroundPixels: o.mask.reduce((a, v) => a + v, 0) })) } : {}),
    ...(flags.overlay ? { overlay: flags.overlay } : {}),
    ...(flags.savePrior ? { savedPrior: flags.savePrior } : {}),
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const cert = certificate.passed ? `certified (${certificate.checked} checks)` : `NOT certified (${certificate.violations}/${certificate.checked} violations)`;
    process.stdout.write(
      `${flags.prior} prior on ${backend.description}: ${stats.steps} steps${stats.converged ? ' (converged)' : ''} in ${stats.seconds.toFixed(2)} s, ` +
        `loss ${stats.finalLoss.toFixed(5)}, ${foregroundPixels} foreground pixels, ${cert}; ${outputs.length === 1 ? `mask written to ${out}` : `${outputs.length} masks written to ${outputs.map((o) => o.file).join(', ')}`}\n`,
    );
  }
}

export function fitCommand(): Command {
  return new Command('fit')
    .description('fit a shape prior to a foreground-likelihood map (eq. 9) and write its mask')
    .addOption(new Option('--prior <kind>', 'shape class').choices(PRIOR_KINDS as string[]).makeOptionMandatory())
    .option('--unaries <file>', '8-bit grey PNG/JPEG, value/255 = foreground probability')
    .option('--out <file>', 'mask PNG to write (same size as the unaries, 255 = foreground); with --frames one per time: {t} in the name is replaced by the time, else _t<time> is added')
    .option('--frames <files>', 'spatio-temporal fit: comma-separated unaries of the frames (instead of --unaries); the prior is 3-D in (x, y, t)', fileList)
    .option('--frame-times <list>', 'with --frames: the time of each frame (default 0,1,2,...)', numberList)
    .option('--times <list>', 'with --frames: the times to write masks for, also between or beyond the frames (default: the frame times)', numberList)
    .option('--depth <file>', 'depth-space fit: a depth image (8/16-bit grey) of the same size as --unaries; the prior is 3-D in (x, y, depth)')
    .option('--flow-decay <x>', 'pc prior: weight decay on the flow D (default 1e-5; large: near convex, small: thin parts allowed)', numberIn(0, 1e6))
    .option('--image <file>', 'photo of the same size, drawn under --overlay')
    .option('--overlay <file>', 'PNG of the photo (or the unaries) with the mask boundary drawn on it')
    .option('--save-prior <dir>', 'also save the fitted prior (model.json + weights) to this directory')
    .option('--steps <n>', 'maximum optimiser steps (the fit stops earlier once converged)', integerIn(1, 1_000_000), FIT_DEFAULTS.maxSteps)
    .addOption(new Option('--member <kind>', 'union prior: the kind of each member (default convex)').choices((PRIOR_KINDS as string[]).filter((k) => k !== 'union')))
    .option('--objects <n>', 'union prior: the number of members, one per object (default 2)', integerIn(1, 64))
    .option('--sparsity <x>', 'periodic prior: weight of the L1 penalty on the amplitudes (default 1e-3)', numberIn(0, 1e6))
    .option('--smoothness <x>', 'star, radial, mirror, rotation: weight of the penalty on the roughness of the radius along the rays (default 1e-4; 0: none)', numberIn(0, 1e6))
    .option('--axis-starts <n>', 'mirror prior: fit from this many candidate axes of the map and keep the best (default 2)', integerIn(1, 16))
    .option('--folds <k>', 'rotation prior: the number of folds k >= 2, or auto (tries 2..8, keeps the lowest loss)', foldsFlag)
    .addOption(new Option('--sampling <how>', 'estimate of eq. 9 per step: cells (averaged cells, default) or pixels (random pixels)').choices(['cells', 'pixels']).default(FIT_DEFAULTS.sampling))
    .option('--points <n>', 'points per step (cells: about this many cells, default 3000; pixels: this many random pixels, default 1024)', integerIn(1, 16_777_216))
    .option('--lr <x>', 'Adam learning rate (default: 1e-2 with cells, 1e-3 with pixels)', numberIn(0, 10, { exclusiveMin: true }))
    .option('--seed <n>', 'random seed (same seed, same backend: same mask)', integerIn(0, 2 ** 31 - 1), FIT_DEFAULTS.seed)
    .addOption(new Option('--backend <name>', 'tfjs backend (default: SHAPEPRIOR_BACKEND, else the fastest available)').choices(BACKEND_CHOICES as unknown as string[]))
    .option('--unaries-dir <dir>', 'batch: fit every PNG/JPEG map in this directory (masks to --out-dir, in parallel worker threads)')
    .option('--unaries-list <file>', 'batch: fit the maps this text file lists, one path per line (relative to the file)')
    .option('--out-dir <dir>', 'batch: masks as <name>.png, overlays as <name>_overlay.png, and summary.json (an existing mask is kept: a rerun resumes)')
    .option('--image-dir <dir>', 'batch: photos named like the maps (.jpg/.jpeg/.png); an overlay per map')
    .option('--workers <n>', 'batch: worker threads, each with its own backend (default: the number of cores)', integerIn(1, 1024))
    .option('--shard <i/n>', 'batch: take every n-th input from the i-th (i = 0..n-1) of the sorted list, to share a dataset between n machines')
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (flags: FitFlags) => runFit(flags));
}
