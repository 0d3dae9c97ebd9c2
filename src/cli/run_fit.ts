// What `shapeprior fit` does once its flags are parsed (loaded on use by fit_command.ts).
import * as path from 'node:path';
import type { BackendChoice } from '../backend/backend.js';
import { initBackendOfFlag } from './backend_flag.js';
import type { FitProgress } from '../fit/fit_prior.js';
import { InputError } from '../errors.js';
import { checkOutputPlan } from '../io/output_paths.js';
import { probabilityToRgb, readDepth, readRgb, readUnaries, writeMask, writeOverlay } from '../io/images.js';
import type { ProbabilityMap } from '../probability_map.js';
import { framesAt, isSliceStack, liftedByDepth, type LikelihoodData } from '../slice_stack.js';
import { evaluateMask } from '../priors/evaluate.js';
import { savePrior } from '../priors/persistence.js';
import { runBatch, type BatchFlags } from './batch_run.js';
import { checkSettings } from '../fit/fit_settings.js';
import { fitWithSettings } from '../fit/fit_with_settings.js';
import { fitOutputPlan, maskTimes, outFileAt, type FitPathFlags } from './fit_output_plan.js';
import { fitProgressBar } from './progress.js';

export interface FitFlags extends BatchFlags, FitPathFlags {
  backend?: BackendChoice;
  json?: boolean;
  maxPixels: number;
}

/** The data to fit: one map, frames at times (--frames), or a map lifted by a depth image (--depth). */
async function readData(flags: FitFlags): Promise<{ data: LikelihoodData; first: ProbabilityMap; label: string }> {
  if (flags.frames) {
    if (flags.unaries) throw new InputError('give either --unaries or --frames, not both');
    if (flags.depth) throw new InputError('--depth lifts one map (--unaries); it cannot be combined with --frames');
    const maps: ProbabilityMap[] = [];
    // --max-pixels bounds all frames together: each read gets what the earlier ones left.
    let budget = flags.maxPixels;
    for (const f of flags.frames) {
      if (budget < 1) throw new InputError(`--frames: ${maps.length} frames of ${maps[0]!.width}x${maps[0]!.height} already reach the limit of ${flags.maxPixels} pixels (--max-pixels)`);
      const map = await readUnaries(f, { maxPixels: budget });
      budget -= map.width * map.height;
      maps.push(map);
    }
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
  const unaries = await readUnaries(flags.unaries, { maxPixels: flags.maxPixels });
  if (!flags.depth) {
    if (flags.times) throw new InputError('--times applies to --frames only');
    return { data: unaries, first: unaries, label: `--unaries ${flags.unaries}` };
  }
  const depth = await readDepth(flags.depth, { maxPixels: flags.maxPixels });
  if (depth.width !== unaries.width || depth.height !== unaries.height) {
    throw new InputError(`--depth ${flags.depth} is ${depth.width}x${depth.height} but --unaries ${flags.unaries} is ${unaries.width}x${unaries.height}; they must be the same size`);
  }
  if (flags.times) throw new InputError('--times applies to --frames only');
  return { data: liftedByDepth(unaries, depth.data), first: unaries, label: `--unaries ${flags.unaries}` };
}

export async function runFit(flags: FitFlags): Promise<void> {
  if (flags.unariesDir !== undefined || flags.unariesList !== undefined) return runBatch(flags as FitFlags & Record<string, unknown>);
  for (const [flag, value] of [['--out-dir', flags.outDir], ['--image-dir', flags.imageDir], ['--workers', flags.workers], ['--shard', flags.shard]] as const) {
    if (value !== undefined) throw new InputError(`${flag} applies to a batch (--unaries-dir or --unaries-list) only`);
  }
  if (flags.out === undefined) throw new InputError('missing --out <file> (or --out-dir <dir> with --unaries-dir / --unaries-list for a batch)');
  const out = flags.out;
  // Check everything the user gave before spending time on the fit: every output path
  // (writable, not an input, not another output, not a directory or device), then the inputs.
  await checkOutputPlan(fitOutputPlan({ ...flags, out }));
  const { data, first: unaries, label } = await readData(flags);
  const photo = flags.image ? await readRgb(flags.image, { maxPixels: flags.maxPixels }) : null;
  if (photo && (photo.width !== unaries.width || photo.height !== unaries.height)) {
    throw new InputError(`--image ${flags.image} is ${photo.width}x${photo.height} but ${label} is ${unaries.width}x${unaries.height}; they must be the same size`);
  }
  const backend = await initBackendOfFlag(flags.backend);

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
    for (const t of maskTimes(flags)) outputs.push({ file: outFileAt(out, t), mask: evaluateMask(prior, unaries.height, unaries.width, t), time: t });
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
