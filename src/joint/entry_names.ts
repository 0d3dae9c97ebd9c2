import { createHash } from 'node:crypto';

/**
 * Where an id's entry lives: `entries/<shard>/<name>` (see STORE_FORMAT.md). Names are
 * made of `a-z 0-9 _ - % ~ .` only, so they are valid on every common filesystem,
 * distinct ids never get names that differ only in letter case (case-insensitive
 * filesystems would merge them), and no id can reach outside its shard ("..", "/").
 */
export const ENTRY_SUFFIX = '.prior';
/**
 * The entry of a class's prior (key { id, class }) adds `.c<class>` (decimal) before the
 * suffix. Stems never hold a '.', so the names of single-class stores are unchanged and
 * never taken for a class entry.
 */
const CLASS_PART = /\.c(0|[1-9][0-9]{0,9})$/;
/** Percent-encoded names up to this length are used as they are; longer ones are hashed (filename limits are ~255 bytes). */
export const MAX_PLAIN_NAME = 150;
/** Readable start kept in front of the hash of a long id. */
const HASHED_NAME_HINT = 80;
const SHARD_PATTERN = /^[0-9a-f]{2}$/;
const PLAIN_STEM = /^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/;
const HASHED_STEM = /^(?:[a-z0-9_-]|%[0-9A-F]{2})*~[0-9a-f]{64}$/;
// Device names that Windows reserves whatever the extension.
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface EntryLocation {
  shard: string;
  name: string;
}

/**
 * The shard and file name of the entry of `id` (class `cls`, if given). Every class of one
 * id lies in the id's shard, next to the others.
 */
export function entryLocation(id: string, cls?: number): EntryLocation {
  const suffix = (cls === undefined ? '' : `.c${cls}`) + ENTRY_SUFFIX;
  const bytes = idBytes(id);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const shard = hash.slice(0, 2);
  const wellFormed = !LONE_SURROGATE.test(id);
  let stem = percentEncode(bytes);
  // The empty id would give the dot-file ".prior", which readers skip: it is hashed too.
  if (wellFormed && stem.length > 0 && stem.length <= MAX_PLAIN_NAME) {
    if (WINDOWS_RESERVED.test(stem)) stem = `%${hex2(bytes[0]!)}${stem.slice(1)}`;
    return { shard, name: stem + suffix };
  }
  // Lone surrogates go here too: plain names are decoded as strict UTF-8, which cannot hold them.
  return { shard, name: `${cutAtEscape(stem, HASHED_NAME_HINT)}~${hash}${suffix}` };
}

export function isShardName(name: string): boolean {
  return SHARD_PATTERN.test(name);
}

/**
 * What a file name in a shard says: the id itself (plain names decode to it), `hashed`
 * (the id is only in the entry's header) or `foreign` (not a name this store writes).
 */
export type ParsedEntryName = { kind: 'plain'; id: string; cls?: number } | { kind: 'hashed'; cls?: number } | { kind: 'foreign' };

export function parseEntryName(name: string): ParsedEntryName {
  if (!name.endsWith(ENTRY_SUFFIX)) return { kind: 'foreign' };
  let stem = name.slice(0, -ENTRY_SUFFIX.length);
  const classPart = CLASS_PART.exec(stem);
  const cls = classPart ? Number(classPart[1]) : undefined;
  if (classPart) stem = stem.slice(0, classPart.index);
  if (cls !== undefined && cls >= 2 ** 31) return { kind: 'foreign' };
  const withClass = cls === undefined ? {} : { cls };
  if (HASHED_STEM.test(stem)) return { kind: 'hashed', ...withClass };
  if (!PLAIN_STEM.test(stem)) return { kind: 'foreign' };
  let id: string;
  try {
    id = new TextDecoder('utf-8', { fatal: true }).decode(percentDecode(stem));
  } catch {
    return { kind: 'foreign' };
  }
  // Only the one name the encoder gives an id counts (e.g. "%61.prior" for "a" does not).
  return entryLocation(id, cls).name === name ? { kind: 'plain', id, ...withClass } : { kind: 'foreign' };
}

/**
 * UTF-8 of the id; a lone surrogate (a JS string need not be valid Unicode) is encoded
 * as its 3-byte generalised UTF-8 form (WTF-8) instead of U+FFFD, so distinct ids never
 * share bytes, hence never share a hashed name.
 */
export function idBytes(id: string): Uint8Array {
  if (!LONE_SURROGATE.test(id)) return Buffer.from(id, 'utf8');
  const out: number[] = [];
  for (const ch of id) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

function percentEncode(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    const literal = (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d;
    s += literal ? String.fromCharCode(b) : `%${hex2(b)}`;
  }
  return s;
}

function percentDecode(stem: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < stem.length; i++) {
    if (stem[i] === '%') {
      out.push(parseInt(stem.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(stem.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/** At most `max` characters of `stem`, never splitting a %XX escape. */
function cutAtEscape(stem: string, max: number): string {
  if (stem.length <= max) return stem;
  const percent = stem.lastIndexOf('%', max - 1);
  return percent >= 0 && percent > max - 3 ? stem.slice(0, percent) : stem.slice(0, max);
}
