/*
 * Prior store format, version 1, entry versions 1 and 2 (normative copy: STORE_FORMAT.md next to this file).
 *
 * Directory:
 *   <store>/store.json     {"format": "shapeprior-prior-store", "formatVersion": 1, "created": "<ISO time>"}
 *   <store>/entries/<ss>/<name>.prior
 *     ss = first 2 hex digits of sha256(id bytes): 256 shards, ~390 files each at 100,000 entries.
 *     id bytes = UTF-8 of the id (a lone surrogate as its 3-byte WTF-8 form).
 *     name = id bytes percent-encoded: a-z 0-9 _ - literal, any other byte %XX (upper-case hex),
 *       so names never differ only in case and "..", "/" cannot escape the shard; the Windows
 *       device names (con, nul, com1, ...) get their first byte escaped. An encoding longer than
 *       150 characters, the empty id, or an id with a lone surrogate is named
 *       <first <=80 chars>~<sha256 hex> and its id is read from the entry header. The id is
 *       always stored in the entry too. A class entry (key { id, class }) adds .c<class> before
 *       .prior in the id's shard, and "class" to its header; single-class names are unchanged.
 *   Temp files: .<target name>.<pid>-<random>.tmp; readers ignore every dot-file, a read-write
 *   open() deletes leftover .*.tmp files (one writing process per store; readOnly opens delete nothing).
 *   open() reads no entry; it lists the shard directories (names only) for the temp-file cleanup.
 *   A non-empty directory without store.json is not a store: open() refuses to write into it.
 *
 * Entry file, integers little-endian:
 *   0   8  magic "SPPRIOR\0"
 *   8   4  entry version u32: 1 if every tensor is float32, 2 if one is float16
 *   12  4  H = header length, u32
 *   16  8  P = payload length, u64
 *   24  H  header, UTF-8 JSON: {"format": "shapeprior-prior-entry", "version": 1 | 2, "id", "class"?, "step",
 *          "config": PriorConfig, "tensors": [{"group": "weights" | "firstMoment" | "secondMoment",
 *          "name", "shape", "dtype": "float32" | "float16", "byteOffset", "byteLength"}, ...]}
 *          dtype is required in version 2; absent in version 1 means float32 (float16 needs 2).
 *          byteOffset from the payload start; tensors back to back in list order (weights, then
 *          first moments, then second moments), byteLength = (4 or 2) * prod(shape), covering exactly P.
 *   ..  0-7 zero padding: the payload starts at S = align8(24 + H)
 *   S   P  values, little-endian, row-major, each tensor in its dtype
 *   S+P 32 sha256 of all bytes before it
 *
 * Reading checks magic (else foreign), version, length (shorter: truncated), checksum, header
 * format/version/id, config kind and layout; any failure throws PriorStoreError naming the id
 * and the file. Never undefined, never a fresh start in its place.
 *
 * Writing: temp file in the same directory, fsync, rename, fsync the directory (see durable_fs.ts).
 * compression 'float16' stores weights (never Adam moments) as float16, a tensor with a value that
 * is non-finite or beyond +-65504 as float32. Readers refuse versions and dtypes they do not know.
 * Several processes may read at once, also while one writes: each sees an old or a new complete entry.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { decodeEntry, encodeEntry } from './entry_codec.js';
import { readEntryId } from './entry_header.js';
import { STORE_COMPRESSIONS, type StoreCompression } from './stored_dtype.js';
import { entryLocation, isShardName, parseEntryName } from './entry_names.js';
import { isTempName, syncDirectory, writeFileDurably } from './durable_fs.js';
import { LruCache } from './lru_cache.js';
import type { PriorState, PriorStore } from './prior_state.js';
import { copyPriorState, priorStateProblem } from './prior_state_copy.js';
import { ConfigError, PriorStoreError } from '../errors.js';
import { checkKey, keyClass, keyId, keyPlace, keyText, priorKey, type PriorKey } from './prior_key.js';

export const STORE_FORMAT = 'shapeprior-prior-store';
export const STORE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'store.json';
export const ENTRIES_DIR = 'entries';
/** 256 entries of a 3x130 convex prior with its Adam moments take ~110 MB. */
export const DEFAULT_CACHE_ENTRIES = 256;

export interface DiskPriorStoreOptions {
  /** Loaded entries kept decoded in memory, least recently used evicted; 0 disables the cache. */
  cacheEntries?: number;
  /** Create a new store when `dir` holds none (default true); false makes a missing store an error. */
  create?: boolean;
  /**
   * How saves store the prior's weights: 'none' (default) as float32, bit-exact; 'float16' as
   * float16 (relative error <= 2^-11), except a tensor holding a non-finite value or one beyond
   * +-65504, which stays float32. Adam moments are always float32. Entries record their dtypes,
   * so a store is read the same whatever this option, also one written with both.
   */
  compression?: StoreCompression;
  /**
   * Open for reading only: the store must exist, nothing is created or deleted (not even the
   * temp files of a crashed writer, which may be another process's save in flight), and
   * save/delete throw. For processes that read a store while another one writes it.
   */
  readOnly?: boolean;
}

/**
 * Per-sample priors on disk (eq. 12), in the versioned format above: crash-safe writes,
 * checksummed entries, a bounded LRU cache. One process writes a store at a time (its
 * cache and temp-file cleanup assume so); within it, operations on one id run in call
 * order, so a load never returns or caches data older than a save it was issued after.
 * Other processes may read it meanwhile (`readOnly: true`); their caches do not see
 * later writes (`cacheEntries: 0` in a reader that must).
 */
export class DiskPriorStore implements PriorStore {
  private readonly cache: LruCache<string, PriorState>;
  private readonly pending = new Map<string, Promise<void>>();
  private readonly entriesDir: string;

  private constructor(
    /** The store's directory (absolute). */
    readonly dir: string,
    cacheEntries: number,
    private readonly knownShards: Set<string>,
    /** How saves store weights (see DiskPriorStoreOptions). */
    readonly compression: StoreCompression,
    readonly readOnly: boolean,
  ) {
    this.cache = new LruCache(cacheEntries);
    this.entriesDir = path.join(dir, ENTRIES_DIR);
  }

  /**
   * Opens the store in `dir`, creating it unless `create: false` or `readOnly`, and (unless
   * `readOnly`) removes temp files a crash left. Reads no entry, whatever the store's size.
   */
  static async open(dir: string, options: DiskPriorStoreOptions = {}): Promise<DiskPriorStore> {
    const root = path.resolve(dir);
    const cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
    if (!Number.isSafeInteger(cacheEntries) || cacheEntries < 0) throw new ConfigError(`cacheEntries must be a non-negative integer, got ${cacheEntries}`);
    const compression = options.compression ?? 'none';
    if (!STORE_COMPRESSIONS.includes(compression)) throw new ConfigError(`compression must be ${STORE_COMPRESSIONS.map((c) => `'${c}'`).join(' or ')}, got ${JSON.stringify(compression)}`);
    const readOnly = options.readOnly ?? false;
    const manifestFile = path.join(root, MANIFEST_FILE);
    const manifest = await readIfExists(manifestFile, { file: manifestFile });
    if (manifest === undefined) {
      if (options.create === false || readOnly) throw new PriorStoreError(`no prior store here: ${MANIFEST_FILE} is missing`, { file: manifestFile });
      await createStore(root, manifestFile);
    } else {
      checkManifest(manifest, manifestFile);
    }
    const entriesDir = path.join(root, ENTRIES_DIR);
    if (readOnly) return new DiskPriorStore(root, cacheEntries, new Set(), compression, true);
    if ((await mkdir(entriesDir, { recursive: true })) !== undefined) await syncDirectory(root);
    await removeTempFiles(root);
    const shards = (await readdir(entriesDir, { withFileTypes: true })).filter((d) => d.isDirectory() && isShardName(d.name)).map((d) => d.name);
    await Promise.all(shards.map((shard) => removeTempFiles(path.join(entriesDir, shard))));
    return new DiskPriorStore(root, cacheEntries, new Set(shards), compression, false);
  }

  /** The file that holds (or would hold) the entry of `key` (a sample id, or { id, class }). */
  entryFile(key: PriorKey): string {
    const { shard, name } = entryLocation(keyId(key), keyClass(checkKey(key)));
    return path.join(this.entriesDir, shard, name);
  }

  /** Entries held in the cache now (at most cacheCapacity). */
  get cacheSize(): number {
    return this.cache.size;
  }

  get cacheCapacity(): number {
    return this.cache.capacity;
  }

  async load(key: PriorKey): Promise<PriorState | undefined> {
    const file = this.entryFile(key);
    const text = keyText(key);
    const where = { ...keyPlace(key), file };
    return this.inOrder(text, async () => {
      const cached = this.cache.get(text);
      if (cached !== undefined) return copyPriorState(cached);
      const bytes = await readIfExists(file, where);
      if (bytes === undefined) return undefined;
      const decoded = decodeEntry(bytes, keyId(key), keyClass(key));
      if (!decoded.ok) throw new PriorStoreError(decoded.problem, where);
      if (this.cache.capacity === 0) return decoded.value;
      this.cache.set(text, decoded.value);
      return copyPriorState(decoded.value);
    });
  }

  async save(key: PriorKey, state: PriorState): Promise<void> {
    const file = this.entryFile(key);
    const text = keyText(key);
    const where = { ...keyPlace(key), file };
    if (this.readOnly) throw new PriorStoreError('cannot save: the store was opened read-only', where);
    const problem = priorStateProblem(state);
    if (problem !== undefined) throw new PriorStoreError(`cannot save: ${problem}`, where);
    // Encoded and copied now, so a caller changing `state` after this call changes nothing.
    let bytes: Buffer;
    let readBack: PriorState;
    try {
      ({ bytes, readBack } = encodeEntry(keyId(key), state, this.compression, keyClass(key)));
    } catch (error) {
      throw new PriorStoreError(`cannot save: ${messageOf(error)}`, where, { cause: error });
    }
    // The cache holds what a read of the file gives: float16 weights rounded, the config as JSON round-trips it.
    const cached = this.cache.capacity === 0 ? undefined : { ...copyPriorState(readBack), config: JSON.parse(JSON.stringify(state.config)) };
    await this.inOrder(text, async () => {
      this.cache.delete(text);
      try {
        await this.ensureShard(path.basename(path.dirname(file)));
        await writeFileDurably(file, bytes);
      } catch (error) {
        throw new PriorStoreError(`cannot save: ${messageOf(error)}`, where, { cause: error });
      }
      if (cached !== undefined) this.cache.set(text, cached);
    });
  }

  /** Whether an entry file exists for `key` (its contents are checked by load, not here). */
  async has(key: PriorKey): Promise<boolean> {
    const file = this.entryFile(key);
    const text = keyText(key);
    const where = { ...keyPlace(key), file };
    return this.inOrder(text, async () => {
      if (this.cache.get(text) !== undefined) return true;
      try {
        const info = await stat(file);
        if (!info.isFile()) throw new PriorStoreError('not a regular file: a foreign entry', where);
        return true;
      } catch (error) {
        if (error instanceof PriorStoreError) throw error;
        if (codeOf(error) === 'ENOENT') return false;
        throw new PriorStoreError(`cannot read: ${messageOf(error)}`, where, { cause: error });
      }
    });
  }

  /**
   * Every sample id with an entry (each once, whatever its classes), from the shard
   * directories' listings (only long ids' headers are read). For very large stores
   * `eachId` streams them instead of building the whole list.
   */
  async ids(): Promise<string[]> {
    return [...new Set((await this.keys()).map(keyId))];
  }

  /** Every entry's key: plain ids, and { id, class } for class entries. */
  async keys(): Promise<PriorKey[]> {
    const shards = await readdir(this.entriesDir, { withFileTypes: true });
    const lists = await Promise.all(
      shards
        .filter((d) => !d.name.startsWith('.'))
        .map((d) => {
          const dir = path.join(this.entriesDir, d.name);
          if (!d.isDirectory() || !isShardName(d.name)) throw new PriorStoreError('not a shard directory: a foreign file in the store', { file: dir });
          return this.keysInShard(d.name, dir);
        }),
    );
    return lists.flat();
  }

  /**
   * Every stored sample id, one shard directory at a time (in shard order), so that at
   * most one shard's listing (~390 names at 100,000 entries) is held at once. An id's
   * classes share its shard, so each id comes once.
   */
  async *eachId(): AsyncGenerator<string, void, undefined> {
    const shards = (await readdir(this.entriesDir, { withFileTypes: true })).filter((d) => !d.name.startsWith('.'));
    shards.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const d of shards) {
      const dir = path.join(this.entriesDir, d.name);
      if (!d.isDirectory() || !isShardName(d.name)) throw new PriorStoreError('not a shard directory: a foreign file in the store', { file: dir });
      yield* new Set((await this.keysInShard(d.name, dir)).map(keyId));
    }
  }

  async delete(key: PriorKey): Promise<void> {
    const file = this.entryFile(key);
    const text = keyText(key);
    const where = { ...keyPlace(key), file };
    if (this.readOnly) throw new PriorStoreError('cannot delete: the store was opened read-only', where);
    await this.inOrder(text, async () => {
      this.cache.delete(text);
      try {
        await rm(file);
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return;
        throw new PriorStoreError(`cannot delete: ${messageOf(error)}`, where, { cause: error });
      }
      await syncDirectory(path.dirname(file));
    });
  }

  private async keysInShard(shard: string, dir: string): Promise<PriorKey[]> {
    const files = await readdir(dir, { withFileTypes: true });
    const keys: PriorKey[] = [];
    for (const f of files) {
      if (f.name.startsWith('.')) continue; // temp files of an interrupted write, or system dot-files
      const file = path.join(dir, f.name);
      const parsed = parseEntryName(f.name);
      if (!f.isFile() || parsed.kind === 'foreign') throw new PriorStoreError('not a prior entry name: a foreign file in the store', { file });
      const id = parsed.kind === 'plain' ? parsed.id : await readEntryId(file);
      if (id === undefined) continue; // deleted while listing
      const expected = entryLocation(id, parsed.cls);
      if (expected.shard !== shard || expected.name !== f.name) {
        throw new PriorStoreError(`misplaced entry: its id belongs in ${path.join(expected.shard, expected.name)}`, { id, ...(parsed.cls === undefined ? {} : { priorClass: parsed.cls }), file });
      }
      keys.push(priorKey(id, parsed.cls));
    }
    return keys;
  }

  private async ensureShard(shard: string): Promise<void> {
    if (this.knownShards.has(shard)) return;
    if ((await mkdir(path.join(this.entriesDir, shard), { recursive: true })) !== undefined) await syncDirectory(this.entriesDir);
    this.knownShards.add(shard);
  }

  /** Runs `op` after every earlier operation on the same key (its keyText) has settled. */
  private inOrder<T>(id: string, op: () => Promise<T>): Promise<T> {
    const previous = this.pending.get(id) ?? Promise.resolve();
    const result = previous.then(op);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending.set(id, settled);
    void settled.then(() => {
      if (this.pending.get(id) === settled) this.pending.delete(id);
    });
    return result;
  }
}

async function createStore(root: string, manifestFile: string): Promise<void> {
  const firstCreated = await mkdir(root, { recursive: true });
  const present = (await readdir(root)).filter((name) => !name.startsWith('.'));
  if (present.length > 0) {
    throw new PriorStoreError(`the directory is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}) and holds no ${MANIFEST_FILE}: not a prior store, not writing into it`, { file: manifestFile });
  }
  const manifest = { format: STORE_FORMAT, formatVersion: STORE_FORMAT_VERSION, created: new Date().toISOString() };
  await writeFileDurably(manifestFile, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  if (firstCreated !== undefined) {
    // Each directory mkdir created must be recorded in its parent.
    for (let d = root; d !== path.dirname(firstCreated); d = path.dirname(d)) await syncDirectory(path.dirname(d));
  }
}

function checkManifest(bytes: Buffer, file: string): void {
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new PriorStoreError(`${MANIFEST_FILE} is not valid JSON`, { file });
  }
  const m = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as { format?: unknown; formatVersion?: unknown };
  if (m.format !== STORE_FORMAT) throw new PriorStoreError(`not a shapeprior prior store: format is ${JSON.stringify(m.format)}, not "${STORE_FORMAT}"`, { file });
  if (m.formatVersion !== STORE_FORMAT_VERSION) {
    throw new PriorStoreError(`store format version ${JSON.stringify(m.formatVersion)}; this shapeprior reads version ${STORE_FORMAT_VERSION}`, { file });
  }
}

async function removeTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir);
  await Promise.all(names.filter(isTempName).map((name) => rm(path.join(dir, name), { force: true })));
}

async function readIfExists(file: string, where: { id?: string; file: string }): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw new PriorStoreError(`cannot read: ${messageOf(error)}`, where, { cause: error });
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
