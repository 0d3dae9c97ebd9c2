#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../errors.js';
import { fitCommand } from './fit_command.js';
import { masksCommand } from './masks_command.js';

/** Exit codes: 0 success, 1 internal error, 2 bad input (flags, files, values); shapeprior's errors carry theirs (src/errors.ts). */
const EXIT_BAD_INPUT = 2;

/** This package's version, from its package.json (found upward, so it works from src/ and dist/ alike). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'shapeprior' && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
  }
  return 'unknown';
}

// Every error is one line that starts with "shapeprior:" (commander's own may span two,
// e.g. an unknown option with its "(Did you mean ...?)"); subcommands do not inherit it.
const output = { outputError: (str: string, write: (s: string) => void) => write(`shapeprior: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`) };
const program = new Command('shapeprior')
  .description('provable shape constraints (convex, ...) for segmentation masks, with TensorFlow.js')
  .version(packageVersion())
  .exitOverride()
  .configureOutput(output)
  .addCommand(fitCommand().exitOverride().configureOutput(output))
  .addCommand(masksCommand().exitOverride().configureOutput(output));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed its one-line message; help and --version end with code 0.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else {
    // The error's class decides the exit code (src/errors.ts); only internal errors may show a stack.
    const e = err as Error;
    const code = exitCodeOf(err);
    const debug = process.env['SHAPEPRIOR_DEBUG'] ? `${e.stack}\n` : '';
    // One line: a message that spans lines (a path with a newline, say) is joined.
    const message = e.message.replace(/\s*\n\s*/g, ' ');
    process.stderr.write(code === 1 ? `shapeprior: internal error: ${message}\n${debug}` : `shapeprior: ${message}\n`);
    process.exitCode = code;
  }
}
