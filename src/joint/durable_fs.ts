import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Crash-safe replacement of a file: temp file in the same directory, fsync, rename over
 * the target, fsync the directory. A crash at any point leaves either the old or the new
 * file under the target name, never a partial one; what can remain is a temp file,
 * recognised by isTempName.
 *
 * Written by hand rather than with write-file-atomic: that package fsyncs the file but
 * not the directory after the rename, so the rename itself can be lost on power failure
 * (the target then still holds the old entry, or no entry), and its temp names
 * (`<file>.<number>`) are not distinguishable by a pattern of our own.
 */
export async function writeFileDurably(file: string, data: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, tempName(path.basename(file)));
  // 'wx': never write into a file that someone else created under this name.
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** Makes entries created, renamed or removed in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `.<target name>.<pid>-<random>.tmp`: a dot-file, so never mistaken for an entry. */
export function tempName(target: string): string {
  return `.${target}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
