// What `shapeprior masks` does once its flags are parsed (loaded on use by masks_command.ts).
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { initBackendOfFlag } from './backend_flag.js';
import { InputError } from '../errors.js';
import { checkOutputDirectory } from '../io/output_paths.js';
import { exportStoreMasks } from '../joint/export_masks.js';
import type { MasksFlags } from './masks_command.js';

export async function runMasks(flags: MasksFlags): Promise<void> {
  const store = await realpath(flags.store).catch(() => {
    throw new InputError(`--store ${flags.store}: no such directory`);
  });
  await checkOutputDirectory({ flag: '--out-dir', file: flags.outDir });
  const out = path.resolve(flags.outDir);
  // Masks inside the store would be files the store does not know (and a later open might refuse the directory).
  if (out === store || out.startsWith(`${store}${path.sep}`)) throw new InputError(`--out-dir ${flags.outDir} is inside --store ${flags.store}: write the masks elsewhere`);
  await initBackendOfFlag(flags.backend);
  const summary = await exportStoreMasks(store, out, { ...flags.size, ...(flags.ids ? { ids: flags.ids } : {}) });
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${summary.masks.length} masks of ${flags.size.height}x${flags.size.width} written to ${flags.outDir} (summary.json lists them)\n`);
}
