/**
 * The flags of `npm run bench` (bench/bench.ts), parsed by commander: a mistyped flag or a
 * bad number stops the run with a message naming it instead of being ignored, and
 * `npm run bench -- --help` lists them. Which section runs and each section's own flags
 * (`--polar`, `--pc`, `--speed`) share one command line.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { integerIn, numberIn } from '../src/cli/parse_flags.js';
import type { BaselineKind } from './geometric_baseline.js';
import { POLAR_BENCH_KINDS } from './polar_bench.js';

export interface BenchFlags {
  json: boolean;
  reference: boolean;
  jointOnly: boolean;
  batchOnly: boolean;
  storeOnly: boolean;
  storeEntries: number;
  polar: boolean;
  pc: boolean;
  speed: boolean;
  authors: boolean;
  half: 'tuning' | 'heldout' | 'both';
  maps?: number;
  png?: string;
  only?: string[];
  kinds?: BaselineKind[];
  smoothness?: number;
  axisStarts?: number;
  referenceDir?: string;
  referenceResults?: string;
  sizes: number[];
  perSize: number;
}

function list(value: string): string[] {
  const items = value.split(',');
  if (items.some((item) => item === '')) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}".`);
  return items;
}

function polarKindList(value: string): BaselineKind[] {
  const kinds = list(value);
  const unknown = kinds.filter((k) => !(POLAR_BENCH_KINDS as string[]).includes(k));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown polar kind ${unknown.join(', ')} (${POLAR_BENCH_KINDS.join(', ')}).`);
  return kinds as BaselineKind[];
}

function sizeList(value: string): number[] {
  return list(value).map(integerIn(16, 4096));
}

/** Parses `argv` (the arguments after the script, as process.argv.slice(2)). */
export function parseBenchFlags(argv: string[]): BenchFlags {
  return new Command('bench')
    .description('shapeprior benchmarks: fits, joint training, batches, the store; or one of --polar, --pc, --speed')
    .option('--json', 'print one JSON object instead of tables', false)
    .option('--reference', 'also run the slow yardsticks (the 3000-step fit; with --pc or --speed the authors\' recipe)', false)
    .option('--joint-only', 'only joint training', false)
    .option('--batch-only', 'only batch fitting', false)
    .option('--store-only', 'only the disk prior store at scale', false)
    .option('--store-entries <n>', 'entries of the store benchmark', integerIn(1, 10_000_000), 100_000)
    .option('--polar', "only the polar kinds' benchmark (bench/polar_bench.ts)", false)
    .option('--pc', "only the path-connected prior's benchmark (bench/pc_bench.ts)", false)
    .option('--speed', "only the convex fit's cost and quality (bench/convex_speed.ts)", false)
    .option('--authors', "--speed: also the authors' convex recipe", false)
    .addOption(new Option('--half <half>', 'which half of the generated maps').choices(['tuning', 'heldout', 'both']).default('both'))
    .option('--maps <n>', '--polar: maps per family (default 16); --pc: maps (default 14)', integerIn(2, 10_000))
    .option('--png <dir>', '--polar, --pc: write the masks as PNGs into this folder')
    .option('--only <names>', '--polar, --pc: only these maps (comma-separated names)', list)
    .option('--kinds <kinds>', '--polar: the kinds (default star,radial,mirror,rotation)', polarKindList)
    .option('--smoothness <x>', '--polar: the radial jump cost', numberIn(0, 1e6))
    .option('--axis-starts <n>', '--polar: candidate mirror axes the closed form searches', integerIn(1, 16))
    .option('--reference-dir <dir>', "--pc, --speed: the folder of the authors' fit_reference.py (default ../shared/reference)")
    .option('--reference-results <dir>', "--pc: keep (or, without --reference, read) the reference's masks here")
    .option('--sizes <list>', '--speed: map sizes', sizeList, [128, 256, 512, 1024])
    .option('--per-size <n>', '--speed: maps per size', integerIn(1, 1000), 4)
    .parse(argv, { from: 'user' })
    .opts<BenchFlags>();
}
