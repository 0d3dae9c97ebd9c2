import * as path from 'node:path';
import { InputError } from '../errors.js';
import { MAX_MASK_TIMES } from '../io/input_limits.js';
import type { NamedPath, OutputPlan } from '../io/output_paths.js';

/** The flags of one `fit` that name files (see fit_command.ts). */
export interface FitPathFlags {
  unaries?: string;
  frames?: string[];
  frameTimes?: number[];
  times?: number[];
  depth?: string;
  out?: string;
  image?: string;
  overlay?: string;
  savePrior?: string;
}

/** Where the mask of time t goes: --out with {t} replaced, or with _t<t> before its extension. */
export function outFileAt(out: string, t: number): string {
  if (out.includes('{t}')) return out.replaceAll('{t}', String(t));
  const ext = path.extname(out);
  return `${out.slice(0, out.length - ext.length)}_t${t}${ext}`;
}

/** With --frames, the times a mask is written for: --times, else the frames' times (--frame-times, else 0, 1, 2, ...). */
export function maskTimes(flags: FitPathFlags): number[] {
  return flags.times ?? flags.frameTimes ?? (flags.frames ?? []).map((_, i) => i);
}

/** The files tfjs's file:// save writes into --save-prior's directory. */
const SAVED_PRIOR_FILES = ['model.json', 'weights.bin'];

/**
 * Every file one `fit` reads and writes, known from its flags alone, so that all of them
 * are checked (checkOutputPlan) before the fit starts: the mask (one per time with
 * --frames), the overlay, the saved prior's files, and the inputs none may replace.
 */
export function fitOutputPlan(flags: FitPathFlags & { out: string }): OutputPlan {
  const masks: NamedPath[] = [];
  if (flags.frames) {
    const times = maskTimes(flags);
    if (times.length > MAX_MASK_TIMES) throw new InputError(`--times asks for ${times.length} masks; at most ${MAX_MASK_TIMES} per fit`);
    for (const t of times) masks.push({ flag: '--out', file: outFileAt(flags.out, t) });
  } else {
    masks.push({ flag: '--out', file: flags.out });
  }
  const files = [...masks];
  if (flags.overlay !== undefined) files.push({ flag: '--overlay', file: flags.overlay });
  const directories: NamedPath[] = [];
  if (flags.savePrior !== undefined) {
    directories.push({ flag: '--save-prior', file: flags.savePrior });
    if (flags.savePrior !== '') for (const name of SAVED_PRIOR_FILES) files.push({ flag: '--save-prior', file: path.join(flags.savePrior, name) });
  }
  const inputs: NamedPath[] = [];
  if (flags.unaries !== undefined) inputs.push({ flag: '--unaries', file: flags.unaries });
  for (const f of flags.frames ?? []) inputs.push({ flag: '--frames', file: f });
  if (flags.depth !== undefined) inputs.push({ flag: '--depth', file: flags.depth });
  if (flags.image !== undefined) inputs.push({ flag: '--image', file: flags.image });
  return { files, directories, inputs };
}
