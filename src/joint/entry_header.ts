import { open } from 'node:fs/promises';
import { CHECKSUM_BYTES, decodeHeader, decodePrefix, PREFIX_BYTES } from './entry_codec.js';
import { PriorStoreError } from '../errors.js';

/**
 * Largest JSON header a reader accepts. A real one lists the config and one line per
 * tensor (a few KB; a union of 64 pc priors stays far below 1 MiB). The bound keeps a
 * corrupt length field from sizing a buffer: a header length with its top bit set used
 * to reach `FileHandle.read` as a length beyond int32 and abort Node in a native assertion.
 */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * The id in a (long-named) entry's header, reading the prefix and the header only, not
 * the payload; undefined when the file is gone (deleted while listing). Every length is
 * checked against the file's size and MAX_HEADER_BYTES before it sizes a buffer or a
 * read, so any corruption ends in a PriorStoreError naming the file.
 */
export async function readEntryId(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PriorStoreError(`cannot read the id: ${(error as Error).message}`, { file }, { cause: error });
  }
  const fail = (problem: string) => new PriorStoreError(`cannot read the id: ${problem}`, { file });
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(PREFIX_BYTES);
    const { bytesRead } = await handle.read(prefix, 0, PREFIX_BYTES, 0);
    const decoded = decodePrefix(prefix.subarray(0, bytesRead));
    if (!decoded.ok) throw fail(decoded.problem);
    const { headerBytes } = decoded.value;
    if (headerBytes > MAX_HEADER_BYTES) throw fail(`corrupt prefix: header length ${headerBytes} is beyond the ${MAX_HEADER_BYTES} bytes a header may have`);
    if (PREFIX_BYTES + headerBytes + CHECKSUM_BYTES > size) throw fail(`truncated: ${size} bytes, its prefix declares a header of ${headerBytes}`);
    const json = Buffer.alloc(headerBytes);
    const header = await handle.read(json, 0, headerBytes, PREFIX_BYTES);
    if (header.bytesRead < headerBytes) throw fail('truncated header');
    const parsed = decodeHeader(json);
    if (!parsed.ok) throw fail(parsed.problem);
    return parsed.value.id;
  } catch (error) {
    if (error instanceof PriorStoreError) throw error;
    throw fail((error as Error).message);
  } finally {
    await handle.close();
  }
}
