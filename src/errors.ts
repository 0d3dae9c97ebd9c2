/**
 * shapeprior's errors: four kinds, each deciding how the CLI ends. A user sees the
 * message of the first three as one line; anything else is a bug (internal).
 *
 * | class            | what went wrong                                   | exit code |
 * | ---------------- | ------------------------------------------------- | --------- |
 * | InputError       | a file, flag or value the user gave               | 2         |
 * | ConfigError      | a prior config or fit option out of its range     | 2         |
 * | PriorStoreError  | a saved prior store or entry (corrupt, foreign)   | 2         |
 * | InternalError    | shapeprior itself (an invariant broke)            | 1         |
 */
export abstract class ShapepriorError extends Error {
  /** The process exit code the CLI ends with on this error. */
  abstract readonly exitCode: number;
}

/** A problem with what the user gave us (a file, a flag, a value), as opposed to a bug. */
export class InputError extends ShapepriorError {
  override readonly name = 'InputError';
  readonly exitCode = 2;
}

/** A prior config or fit option that is out of range or does not apply (from code, JSON on disk or flags). */
export class ConfigError extends ShapepriorError {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
}

/**
 * A prior store refused an entry or the store itself: a corrupt, truncated or foreign
 * file, an unsupported format version, or a state that cannot be stored. The message
 * names the sample id and the file so that a training run that stops on it says
 * exactly which example and which file to look at.
 */
export class PriorStoreError extends ShapepriorError {
  override readonly name = 'PriorStoreError';
  readonly exitCode = 2;
  /** The sample id concerned; undefined for errors about the store as a whole (its manifest). */
  readonly id: string | undefined;
  /** The class (output channel) of the prior concerned; undefined for a single-class entry. */
  readonly priorClass: number | undefined;
  /** The file concerned; undefined for the in-memory store. */
  readonly file: string | undefined;

  constructor(problem: string, where: { id?: string; priorClass?: number; file?: string }, options?: { cause?: unknown }) {
    super(`${describeStorePlace(where)}: ${problem}`, options);
    this.id = where.id;
    this.priorClass = where.priorClass;
    this.file = where.file;
  }
}

/** An invariant of shapeprior broke: a bug, never the user's input. */
export class InternalError extends ShapepriorError {
  override readonly name = 'InternalError';
  readonly exitCode = 1;
}

function describeStorePlace(where: { id?: string; priorClass?: number; file?: string }): string {
  // JSON quoting shows ids with spaces, slashes or control characters unambiguously.
  const classPart = where.priorClass === undefined ? '' : `, class ${where.priorClass}`;
  const idPart = where.id === undefined ? 'prior store' : `prior of sample ${JSON.stringify(where.id)}${classPart}`;
  return where.file === undefined ? idPart : `${idPart} (file ${where.file})`;
}

/** The exit code for any thrown value: the error's own for shapeprior's errors, else 1 (internal). */
export function exitCodeOf(err: unknown): number {
  return err instanceof ShapepriorError ? err.exitCode : 1;
}
