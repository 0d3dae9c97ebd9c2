import { InputError } from '../io/input_error.js';

/**
 * A flag given twice (`--out a.png --out b.png`): commander keeps the last value without a
 * word, which silently writes somewhere the user may not have meant. Refused instead,
 * naming the flag. Option values never start with `--` in this CLI, so a token that does
 * is a flag; `--` ends the flags.
 */
export function checkNoDuplicateFlags(args: readonly string[]): void {
  const seen = new Set<string>();
  for (const arg of args) {
    if (arg === '--') return;
    if (!arg.startsWith('--')) continue;
    const flag = arg.split('=', 1)[0]!;
    if (seen.has(flag)) throw new InputError(`${flag} is given more than once; give it once`);
    seen.add(flag);
  }
}
