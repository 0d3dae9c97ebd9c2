/**
 * A prior store refused an entry or the store itself: a corrupt, truncated or foreign
 * file, an unsupported format version, or a state that cannot be stored. The message
 * names the sample id and the file so that a training run that stops on it says
 * exactly which example and which file to look at.
 */
export class PriorStoreError extends Error {
  /** The sample id concerned; undefined for errors about the store as a whole (its manifest). */
  readonly id: string | undefined;
  /** The file concerned; undefined for the in-memory store. */
  readonly file: string | undefined;

  constructor(problem: string, where: { id?: string; file?: string }, options?: { cause?: unknown }) {
    super(`${describe(where)}: ${problem}`, options);
    this.name = 'PriorStoreError';
    this.id = where.id;
    this.file = where.file;
  }
}

function describe(where: { id?: string; file?: string }): string {
  // JSON quoting shows ids with spaces, slashes or control characters unambiguously.
  const idPart = where.id === undefined ? 'prior store' : `prior of sample ${JSON.stringify(where.id)}`;
  return where.file === undefined ? idPart : `${idPart} (file ${where.file})`;
}
