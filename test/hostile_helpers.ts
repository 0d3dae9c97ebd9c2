import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { expect } from 'vitest';

/** Helpers of the hostile-input tests: spawn the built CLI, measure its peak memory, checksum what it must not touch. */
export const BIN = path.resolve('dist/src/cli/main.js');

/**
 * Loaded before the CLI (`--import`): on exit, writes the process's peak RSS in KB (worker
 * threads included) to $SHAPEPRIOR_TEST_RSS_FILE. On Linux it is VmHWM, the high-water mark
 * of this program's own memory: getrusage's maxRSS survives exec, so it also counts the
 * forked copy of the vitest worker that spawned the CLI (measured: 288 MB for a refusal
 * whose own peak is under 100 MB).
 */
const RSS_HOOK = `data:text/javascript,import { readFileSync, writeFileSync } from 'node:fs'; process.on('exit', () => { let kb = process.resourceUsage().maxRSS; try { const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8')); if (m) kb = Number(m[1]); } catch {} writeFileSync(process.env.SHAPEPRIOR_TEST_RSS_FILE, String(kb)); });`;

/** Whether an optional package (a native backend) is installed: tests of its absence skip where it is. */
export function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the CLI process in MB. */
  peakMb: number;
}

/** Runs root's tests' "not writable" cases as nobody: root writes into a read-only directory anyway. */
export const AS_UNPRIVILEGED: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

export function runCli(args: string[], options: { env?: Record<string, string>; spawn?: SpawnSyncOptions; rssFile: string } ): CliRun {
  rmSync(options.rssFile, { force: true });
  const r = spawnSync(process.execPath, ['--import', RSS_HOOK, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SHAPEPRIOR_BACKEND: 'wasm', SHAPEPRIOR_TEST_RSS_FILE: options.rssFile, ...options.env },
    ...options.spawn,
  });
  let peakKb = Number.NaN;
  try {
    peakKb = Number(readFileSync(options.rssFile, 'utf8'));
  } catch {
    // the process died before its exit handler ran: NaN fails every memory assertion
  }
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr), peakMb: peakKb / 1024 };
}

/** Every regular file under `dir` with its sha256, and every other entry with its kind: what must not change. */
export function snapshot(dir: string, skip: (name: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (skip(p)) continue;
      const info = lstatSync(p);
      if (info.isDirectory()) {
        out[p] = `dir ${(info.mode & 0o777).toString(8)}`;
        walk(p);
      } else if (info.isFile()) out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
      else out[p] = info.isFIFO() ? 'fifo' : info.isSymbolicLink() ? 'symlink' : info.isCharacterDevice() ? 'chardev' : 'other';
    }
  };
  walk(dir);
  return out;
}

/** The contract for refused input: exit code, one line starting with "shapeprior:" matching `message`, no stack, nothing on stdout. */
export function expectRefused(r: CliRun, message: RegExp, code = 2): void {
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
  expect(r.stderr.startsWith('shapeprior: ')).toBe(true);
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error|node:internal/);
  expect(r.stdout).toBe('');
}
