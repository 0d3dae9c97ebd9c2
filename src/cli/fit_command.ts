import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../backend.js';
import { fitBestFolds } from '../fit/fit_folds.js';
import { fitPrior, FIT_DEFAULTS, type FitProgress } from '../fit/fit_prior.js';
import { InputError } from '../io/input_error.js';
import { probabilityToRgb, readRgb, readUnaries, writeMask, writeOverlay } from '../io/images.js';
import { createPrior } from '../priors/create_prior.js';
import { evaluateMask } from '../priors/evaluate.js';
import { PRIOR_KINDS, type PriorConfigInput, type PriorKind } from '../priors/prior_config.js';
import { savePrior } from '../priors/persistence.js';
import { integerIn, numberIn } from './parse_flags.js';
import { fitProgressBar } from './progress.js';

interface FitFlags {
  prior: PriorKind;
  unaries: string;
  out: string;
  image?: string;
  overlay?: string;
  savePrior?: string;
  steps: number;
  folds?: number | 'auto';
  sparsity?: number;
  member?: PriorKind;
  objects?: number;
  sampling: 'cells' | 'pixels';
  points?: number;
  lr?: number;
  seed: number;
  backend?: BackendChoice;
  json?: boolean;
}

function foldsFlag(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : integerIn(2, 64)(value);
}

/** The prior's config from the flags: the kind, with --folds (rotation), --sparsity (periodic), --member and --objects (union). */
function priorConfig(flags: FitFlags): PriorConfigInput {
  if (flags.prior === 'rotation' && typeof flags.folds === 'number') return { kind: 'rotation', folds: flags.folds };
  if (flags.prior === 'periodic' && flags.sparsity !== undefined) return { kind: 'periodic', sparsity: flags.sparsity };
  if (flags.prior === 'union') return { kind: 'union', ...(flags.objects === undefined ? {} : { count: flags.objects }), ...(flags.member === undefined ? {} : { member: flags.member as 'convex' }) };
  return flags.prior;
}

async function ensureWritableTarget(file: string, flag: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat || !stat.isDirectory()) throw new InputError(`${flag} ${file}: directory ${dir} does not exist`);
}

async function runFit(flags: FitFlags): Promise<void> {
  // Check everything the user gave before spending time on the fit.
  await ensureWritableTarget(flags.out, '--out');
  if (flags.overlay) await ensureWritableTarget(flags.overlay, '--overlay');
  const unaries = await readUnaries(flags.unaries);
  const photo = flags.image ? await readRgb(flags.image) : null;
  if (photo && (photo.width !== unaries.width || photo.height !== unaries.height)) {
    throw new InputError(`--image ${flags.image} is ${photo.width}x${photo.height} but --unaries ${flags.unaries} is ${unaries.width}x${unaries.height}; they must be the same size`);
  }
  let backend;
  try {
    backend = await initBackend(flags.backend);
  } catch (err) {
    // A bad SHAPEPRIOR_BACKEND names itself in the message; a failing --backend gets the flag's name.
    throw new InputError(`${flags.backend ? '--backend: ' : ''}${(err as Error).message}`);
  }

  if (flags.folds !== undefined && flags.prior !== 'rotation') throw new InputError(`--folds applies to --prior rotation only, not ${flags.prior}`);
  if (flags.sparsity !== undefined && flags.prior !== 'periodic') throw new InputError(`--sparsity applies to --prior periodic only, not ${flags.prior}`);
  if ((flags.member !== undefined || flags.objects !== undefined) && flags.prior !== 'union') throw new InputError(`--member and --objects apply to --prior union only, not ${flags.prior}`);
  const bar = flags.json ? { update: () => {}, stop: () => {} } : fitProgressBar();
  const fitOptions = {
    maxSteps: flags.steps,
    sampling: flags.sampling,
    ...(flags.points === undefined ? {} : { pointsPerStep: flags.points }),
    ...(flags.lr === undefined ? {} : { learningRate: flags.lr }),
    seed: flags.seed,
    onProgress: (p: FitProgress) => bar.update(p),
  };
  const stats = flags.folds === 'auto'
    ? await fitBestFolds(unaries, {}, fitOptions)
    : await fitPrior(createPrior(priorConfig(flags), { seed: flags.seed }), unaries, fitOptions);
  const { prior } = stats;
  bar.stop();
  const mask = evaluateMask(prior, unaries.height, unaries.width);
  const { certificate } = stats;
  await writeMask(flags.out, mask, unaries.width, unaries.height);
  if (flags.overlay) await writeOverlay(flags.overlay, photo ?? probabilityToRgb(unaries), mask);
  if (flags.savePrior) await savePrior(prior, `file://${path.resolve(flags.savePrior)}`);
  prior.dispose();

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
    out: flags.out,
    ...(flags.overlay ? { overlay: flags.overlay } : {}),
    ...(flags.savePrior ? { savedPrior: flags.savePrior } : {}),
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const cert = certificate.passed ? `certified (${certificate.checked} checks)` : `NOT certified (${certificate.violations}/${certificate.checked} violations)`;
    process.stdout.write(
      `${flags.prior} prior on ${backend.description}: ${stats.steps} steps${stats.converged ? ' (converged)' : ''} in ${stats.seconds.toFixed(2)} s, ` +
        `loss ${stats.finalLoss.toFixed(5)}, ${foregroundPixels} foreground pixels, ${cert}; mask written to ${flags.out}\n`,
    );
  }
}

export function fitCommand(): Command {
  return new Command('fit')
    .description('fit a shape prior to a foreground-likelihood map (eq. 9) and write its mask')
    .addOption(new Option('--prior <kind>', 'shape class').choices(PRIOR_KINDS as string[]).makeOptionMandatory())
    .requiredOption('--unaries <file>', '8-bit grey PNG/JPEG, value/255 = foreground probability')
    .requiredOption('--out <file>', 'mask PNG to write (same size as the unaries, 255 = foreground)')
    .option('--image <file>', 'photo of the same size, drawn under --overlay')
    .option('--overlay <file>', 'PNG of the photo (or the unaries) with the mask boundary drawn on it')
    .option('--save-prior <dir>', 'also save the fitted prior (model.json + weights) to this directory')
    .option('--steps <n>', 'maximum optimiser steps (the fit stops earlier once converged)', integerIn(1, 1_000_000), FIT_DEFAULTS.maxSteps)
    .addOption(new Option('--member <kind>', 'union prior: the kind of each member (default convex)').choices((PRIOR_KINDS as string[]).filter((k) => k !== 'union')))
    .option('--objects <n>', 'union prior: the number of members, one per object (default 2)', integerIn(1, 64))
    .option('--sparsity <x>', 'periodic prior: weight of the L1 penalty on the amplitudes (default 1e-3)', numberIn(0, 1e6))
    .option('--folds <k>', 'rotation prior: the number of folds k >= 2, or auto (tries 2..8, keeps the lowest loss)', foldsFlag)
    .addOption(new Option('--sampling <how>', 'estimate of eq. 9 per step: cells (averaged cells, default) or pixels (random pixels)').choices(['cells', 'pixels']).default(FIT_DEFAULTS.sampling))
    .option('--points <n>', 'points per step (cells: about this many cells, default 3000; pixels: this many random pixels, default 1024)', integerIn(1, 16_777_216))
    .option('--lr <x>', 'Adam learning rate (default: 1e-2 with cells, 1e-3 with pixels)', numberIn(0, 10, { exclusiveMin: true }))
    .option('--seed <n>', 'random seed (same seed, same backend: same mask)', integerIn(0, 2 ** 31 - 1), FIT_DEFAULTS.seed)
    .addOption(new Option('--backend <name>', 'tfjs backend (default: SHAPEPRIOR_BACKEND, else the fastest available)').choices(BACKEND_CHOICES as unknown as string[]))
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (flags: FitFlags) => runFit(flags));
}
