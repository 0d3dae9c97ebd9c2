import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../backend/backend_choices.js';

export interface MasksFlags {
  store: string;
  outDir: string;
  size: { height: number; width: number };
  ids?: string[];
  backend?: BackendChoice;
  json?: boolean;
}

/** "HxW" (e.g. 256x384: 256 rows, 384 columns), each side 1-16384. */
function sizeFlag(value: string): { height: number; width: number } {
  const m = /^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$/.exec(value);
  const [height, width] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(height >= 1 && height <= 16384 && width >= 1 && width <= 16384)) throw new InvalidArgumentError(`expected HEIGHTxWIDTH with each side in [1, 16384], e.g. 256x256, got "${value}".`);
  return { height, width };
}

function idList(value: string): string[] {
  const ids = value.split(',');
  if (ids.some((id) => id === '')) throw new InvalidArgumentError(`expected comma-separated sample ids, got "${value}".`);
  return ids;
}

/** `shapeprior masks`: a prior store's masks as pseudo-labels (the runner, with tfjs, is loaded on use). */
export function masksCommand(): Command {
  return new Command('masks')
    .description('write every stored prior\'s mask (a DiskPriorStore of joint training) as an 8-bit PNG of any size, with summary.json: pseudo-labels')
    .requiredOption('--store <dir>', 'the prior store directory (opened read-only: a run may still be writing it)')
    .requiredOption('--out-dir <dir>', 'where the masks (<sample id, file-name safe>.png) and summary.json go; created if missing')
    .requiredOption('--size <HxW>', 'the masks\' size, e.g. 256x256 (the priors are continuous: any resolution)', sizeFlag)
    .option('--ids <list>', 'comma-separated sample ids (default: every id in the store)', idList)
    .addOption(new Option('--backend <name>', 'tfjs backend (default: SHAPEPRIOR_BACKEND, else the fastest available)').choices(BACKEND_CHOICES as unknown as string[]))
    .option('--json', 'print summary.json\'s content on stdout')
    .action(async (flags: MasksFlags) => {
      const { runMasks } = await import('./run_masks.js');
      await runMasks(flags);
    });
}
