import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES } from '../backend/backend_choices.js';
import { FIT_DEFAULTS } from '../fit/fit_defaults.js';
import { KIND_SETTINGS } from '../fit/fit_settings.js';
import { DEFAULT_MAX_PIXELS, MAX_PIXELS_CEILING, MAX_POINTS_PER_STEP } from '../io/input_limits.js';
import { PRIOR_KINDS, type KindSetting } from '../priors/prior_config.js';
import { integerIn, numberIn } from './parse_flags.js';
import type { FitFlags } from './run_fit.js';

/** The parser of a kind-specific flag, with the range of the library's settings table. */
function kindSettingFlag(setting: KindSetting): (value: string) => number {
  const { integer, min, max } = KIND_SETTINGS[setting];
  return integer ? integerIn(min, max) : numberIn(min, max);
}

function foldsFlag(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : kindSettingFlag('folds')(value);
}

function fileList(value: string): string[] {
  const files = value.split(',').map((f) => f.trim());
  if (files.some((f) => f === '')) throw new InvalidArgumentError(`expected comma-separated file names, got "${value}".`);
  return files;
}

function numberList(value: string): number[] {
  return value.split(',').map((v) => numberIn(-1e9, 1e9)(v.trim()));
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
    .option('--flow-decay <x>', 'pc prior: weight decay on the flow D (default 1e-5; large: near convex, small: thin parts allowed)', kindSettingFlag('flowDecay'))
    .option('--region-weight <w>', "pc prior: weight in [0, 1] of the map's object region (closed over occluders, holes filled) in the map it is fitted to (default 0.3; 0: the map alone, as the paper)", kindSettingFlag('regionWeight'))
    .option('--image <file>', 'photo of the same size, drawn under --overlay')
    .option('--overlay <file>', 'PNG of the photo (or the unaries) with the mask boundary drawn on it')
    .option('--save-prior <dir>', 'also save the fitted prior (model.json + weights) to this directory')
    .option('--steps <n>', 'maximum optimiser steps (the fit stops earlier once converged; a convex prior on one map takes none: its hull start is the fit)', integerIn(1, 1_000_000), FIT_DEFAULTS.maxSteps)
    .addOption(new Option('--member <kind>', 'union prior: the kind of each member (default convex)').choices((PRIOR_KINDS as string[]).filter((k) => k !== 'union')))
    .option('--objects <n>', 'union prior: the number of members, one per object (default 2)', kindSettingFlag('objects'))
    .option('--sparsity <x>', 'periodic prior: weight of the L1 penalty on the amplitudes (default 1e-3)', kindSettingFlag('sparsity'))
    .option('--smoothness <x>', 'star, radial, mirror, rotation: how smooth the radius along the rays must be: the cost of its jumps between rays (default 1e-4; 0: none)', kindSettingFlag('smoothness'))
    .option('--axis-starts <n>', 'mirror prior: search this many candidate axes of the map and keep the best (default 2)', kindSettingFlag('axisStarts'))
    .option('--folds <k>', 'rotation prior: the number of folds k >= 2, or auto (tries 2..8, keeps the lowest loss)', foldsFlag)
    .addOption(new Option('--sampling <how>', 'estimate of eq. 9 per step: cells (averaged cells, default) or pixels (random pixels)').choices(['cells', 'pixels']).default(FIT_DEFAULTS.sampling))
    .option('--points <n>', 'points per step (cells: about this many cells, default 3000; pixels: this many random pixels, default 1024)', integerIn(1, MAX_POINTS_PER_STEP))
    .option('--max-pixels <n>', `most pixels an input image may have (all --frames together); larger ones are refused before decoding (about 45 bytes of memory per pixel)`, integerIn(1, MAX_PIXELS_CEILING), DEFAULT_MAX_PIXELS)
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
    .action(async (flags: FitFlags) => {
      // Loaded on use: tfjs, sharp and the fit take most of a second to import; --help and --version need none of them.
      const { runFit } = await import('./run_fit.js');
      await runFit(flags);
    });
}
