import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, realpath, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../errors.js';

/**
 * Checks every path a command will write before any work starts, so that a fit of
 * minutes never ends in "cannot write", and so that no output replaces an input, another
 * output, a directory or a special file (a device node, a FIFO: the temp-file-and-rename
 * write would put a PNG in its place). Each problem is an InputError naming the flag(s)
 * and path(s).
 */

/** A path given by the user, with the flag (or role) that named it. */
export interface NamedPath {
  flag: string;
  file: string;
}

export interface OutputPlan {
  /** Files to be created or replaced. */
  files: NamedPath[];
  /** Directories to be created if missing and written into (e.g. --save-prior, --out-dir). */
  directories?: NamedPath[];
  /** Files read: no output may be one of them. Missing ones are left to the reader to report. */
  inputs?: NamedPath[];
}

export async function checkOutputPlan(plan: OutputPlan): Promise<void> {
  for (const d of plan.directories ?? []) await checkOutputDirectory(d);
  // Files inside a planned directory: that directory's check covers them (it may not exist yet).
  const writableDirs = new Set((plan.directories ?? []).map((d) => path.resolve(d.file)));
  const owners = new Map<string, NamedPath>();
  for (const input of plan.inputs ?? []) {
    const key = await identity(input.file);
    if (key !== undefined && !owners.has(key)) owners.set(key, input);
  }
  const inputKeys = new Set(owners.keys());
  for (const out of plan.files) {
    await checkReplaceable(out.file, out.flag);
    const dir = path.dirname(path.resolve(out.file));
    if (!writableDirs.has(dir)) {
      await checkWritableDirectory(dir, `${out.flag} ${out.file}`);
      writableDirs.add(dir);
    }
    const key = (await identity(out.file))!;
    const other = owners.get(key);
    if (other !== undefined) {
      throw new InputError(
        inputKeys.has(key)
          ? `${out.flag} ${out.file} is the same file as ${other.flag} ${other.file}: refusing to overwrite an input`
          : `${out.flag} ${out.file} and ${other.flag} ${other.file} are the same file: one output would overwrite the other`,
      );
    }
    owners.set(key, out);
  }
}

/**
 * Throws unless `file` may be replaced by a rename: it is missing or a regular file (a
 * symbolic link counts as what it points to). `flag` names it in the message.
 */
export async function checkReplaceable(file: string, flag = 'output'): Promise<void> {
  if (file === '') throw new InputError(`${flag}: empty file name`);
  const info = await statOrUndefined(file, flag);
  if (info === undefined || info.isFile()) return;
  throw new InputError(`${flag} ${file}: ${info.isDirectory() ? 'is a directory' : `is ${specialKind(info)}, not a regular file`}; refusing to replace it`);
}

/** A directory that is or will be written into: an existing one must be writable; a missing one, creatable. */
export async function checkOutputDirectory(d: NamedPath): Promise<void> {
  if (d.file === '') throw new InputError(`${d.flag}: empty directory name`);
  let dir = path.resolve(d.file);
  let info = await statOrUndefined(dir, d.flag);
  if (info !== undefined && !info.isDirectory()) throw new InputError(`${d.flag} ${d.file}: exists and is not a directory`);
  // A missing directory is created with its parents: the nearest existing ancestor must take it.
  while (info === undefined) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
    info = await statOrUndefined(dir, d.flag);
    if (info !== undefined && !info.isDirectory()) throw new InputError(`${d.flag} ${d.file}: ${dir} is not a directory`);
  }
  await checkWritableDirectory(dir, `${d.flag} ${d.file}`);
}

/**
 * Creates and removes a probe file in `dir`: the only test that also holds for root (who
 * passes access(2) on a read-only directory) and for read-only mounts.
 */
async function checkWritableDirectory(dir: string, what: string): Promise<void> {
  const info = await statOrUndefined(dir, what);
  if (info === undefined) throw new InputError(`${what}: directory ${dir} does not exist`);
  if (!info.isDirectory()) throw new InputError(`${what}: ${dir} is not a directory`);
  const probe = path.join(dir, `.shapeprior-probe-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left' : (err as Error).message;
    throw new InputError(`${what}: cannot write in directory ${dir} (${why})`);
  }
  await rm(probe, { force: true });
}

/** A key equal for two paths exactly when they are (or would be) one file: device and inode if it exists. */
async function identity(file: string): Promise<string | undefined> {
  if (file === '') return undefined;
  const info = await stat(file).catch(() => undefined);
  if (info !== undefined) return `inode:${info.dev}:${info.ino}`;
  // Not there yet: its resolved directory (links followed) and name.
  const resolved = path.resolve(file);
  const dir = await realpath(path.dirname(resolved)).catch(() => path.dirname(resolved));
  return `path:${path.join(dir, path.basename(resolved))}`;
}

async function statOrUndefined(file: string, what: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new InputError(`${what} ${file}: a part of the path is not a directory`);
    if (code === 'ENAMETOOLONG') throw new InputError(`${what}: file name too long`);
    if (code === 'ELOOP') throw new InputError(`${what} ${file}: too many levels of symbolic links`);
    throw new InputError(`${what} ${file}: cannot inspect (${code ?? (err as Error).message})`);
  }
}

function specialKind(info: Stats): string {
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'a special file';
}
