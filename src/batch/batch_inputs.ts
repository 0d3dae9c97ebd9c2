import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';

/** Likelihood maps a batch picks up from a directory (other files there are ignored). */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** One map of a batch: its file, and the name its outputs get (the file name without extension). */
export interface BatchInput {
  file: string;
  name: string;
}

/**
 * The batch's inputs, sorted by path (code-unit order, the same on every machine, so
 * that `--shard` splits one list the same way everywhere): the images of a directory,
 * or the lines of a list file (blank lines and `#` comments skipped, relative paths
 * taken from the list file's directory). Two inputs whose outputs would collide are an
 * error.
 */
export async function listInputs(source: { dir?: string; listFile?: string }): Promise<BatchInput[]> {
  let files: string[];
  if (source.dir !== undefined) {
    const entries = await fs.readdir(source.dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`--unaries-dir ${source.dir}: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'ENOTDIR' ? 'not a directory' : err.message}`);
    });
    files = entries.filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())).map((e) => path.join(source.dir!, e.name));
  } else if (source.listFile !== undefined) {
    const text = await fs.readFile(source.listFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`--unaries-list ${source.listFile}: ${err.code === 'ENOENT' ? 'file not found' : err.message}`);
    });
    const base = path.dirname(source.listFile);
    files = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => path.resolve(base, l));
  } else {
    throw new InputError('a batch needs --unaries-dir <dir> or --unaries-list <file>');
  }
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byName = new Map<string, string>();
  const inputs: BatchInput[] = [];
  for (const file of files) {
    const name = path.basename(file, path.extname(file));
    const other = byName.get(name);
    if (other === file) continue;
    if (other !== undefined) throw new InputError(`inputs ${other} and ${file} would both write ${name}.png; rename one`);
    byName.set(name, file);
    inputs.push({ file, name });
  }
  return inputs;
}

/** A shard `i/n` (0 <= i < n): machine i of n takes every n-th input, starting at the i-th. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `--shard i/n`; i counts from 0, as Kubernetes' JOB_COMPLETION_INDEX does. */
export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new InputError(`--shard ${JSON.stringify(value)}: expected i/n, e.g. 0/3 (i from 0 to n - 1)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new InputError(`--shard ${value}: i must be in 0..n-1 and n >= 1`);
  return { index, count };
}

/**
 * This shard's inputs: round robin over the sorted list, so the n shards are disjoint,
 * cover every input, and differ in size by at most one (a run of large maps in the
 * sorted order is spread over the machines instead of landing on one).
 */
export function shardOf<T>(inputs: readonly T[], shard: Shard): T[] {
  return inputs.filter((_, k) => k % shard.count === shard.index);
}
