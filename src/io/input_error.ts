/**
 * A problem with what the user gave us (a file, a flag, a value), as opposed to a bug.
 * The CLI prints its message as one line and exits with code 2.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}
