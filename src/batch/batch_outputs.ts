import * as path from 'node:path';
import type { NamedPath, OutputPlan } from '../io/output_paths.js';
import type { BatchInput } from './batch_inputs.js';

/** Where a batch writes: OUT/<name>.png, OUT/<name>_overlay.png (with photos), OUT/summary.json. */
export const SUMMARY_FILE = 'summary.json';

export function maskFileOf(outDir: string, name: string): string {
  return path.join(outDir, `${name}.png`);
}

export function overlayFileOf(outDir: string, name: string): string {
  return path.join(outDir, `${name}_overlay.png`);
}

/**
 * Every file a batch reads and writes, for checkOutputPlan before anything is written: so
 * that `--out-dir` equal to `--unaries-dir` (each mask would be its own input, "skipped"),
 * an input `x_overlay.png` next to `x.png` (its mask would be x's overlay) or a photo in
 * the output directory is refused, naming both files, instead of silently overwriting.
 * Built over all inputs, not one shard's: shards may share an output directory.
 */
export function batchOutputPlan(options: { inputs: readonly BatchInput[]; outDir: string; photos: Map<string, string> | null; listFile?: string }): OutputPlan {
  const { inputs, outDir, photos } = options;
  const files: NamedPath[] = [{ flag: '--out-dir summary', file: path.join(outDir, SUMMARY_FILE) }];
  const read: NamedPath[] = [];
  if (options.listFile !== undefined) read.push({ flag: '--unaries-list', file: options.listFile });
  for (const input of inputs) {
    read.push({ flag: 'input', file: input.file });
    files.push({ flag: `the mask of ${input.file}:`, file: maskFileOf(outDir, input.name) });
    const photo = photos?.get(input.name);
    if (photo !== undefined) {
      read.push({ flag: '--image-dir photo', file: photo });
      files.push({ flag: `the overlay of ${input.file}:`, file: overlayFileOf(outDir, input.name) });
    }
  }
  return { files, directories: [{ flag: '--out-dir', file: outDir }], inputs: read };
}
