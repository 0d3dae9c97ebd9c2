import { endianness } from 'node:os';
import { f16round, Float16Array } from '@petamoriken/float16';

/**
 * How one tensor's values are stored in an entry file (STORE_FORMAT.md). float16 halves
 * a tensor's bytes at a relative error of at most 2^-11 (about 4.9e-4) for |v| >= 2^-14
 * and an absolute error of at most 2^-25 (about 3e-8) below that.
 */
export const STORED_DTYPES = ['float32', 'float16'] as const;
export type StoredDtype = (typeof STORED_DTYPES)[number];

/** What a DiskPriorStore writes: `'none'` stores every tensor as float32 (bit-exact). */
export const STORE_COMPRESSIONS = ['none', 'float16'] as const;
export type StoreCompression = (typeof STORE_COMPRESSIONS)[number];

/** The largest finite float16. A tensor with a value beyond it (or NaN, or an infinity) stays float32. */
export const FLOAT16_MAX = 65504;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export function bytesPerValue(dtype: StoredDtype): number {
  return dtype === 'float16' ? 2 : 4;
}

/**
 * The dtype a tensor of `group` is stored as. Only weights are ever float16: Adam's
 * moments of a fitted prior lie at 1e-12..1e-5 (measured on a joint-training run), below
 * float16's normal range (6.1e-5) and mostly below its smallest subnormal (6e-8), so
 * they would round to zero, and a second moment of zero with a non-zero first moment
 * makes the next Adam step ~1/epsilon times too large. Weights that do not fit float16
 * (non-finite, or |v| > 65504) keep the whole tensor float32, exactly.
 */
export function storedDtype(group: 'weights' | 'firstMoment' | 'secondMoment', values: Float32Array, compression: StoreCompression): StoredDtype {
  if (compression !== 'float16' || group !== 'weights') return 'float32';
  for (let i = 0; i < values.length; i++) {
    // Written so that NaN fails the test too.
    if (!(Math.abs(values[i]!) <= FLOAT16_MAX)) return 'float32';
  }
  return 'float16';
}

/**
 * Writes `values` as little-endian `dtype` at `out[at]` and returns the values a reader
 * gets back (`values` itself for float32; the rounded values, a fresh array, for float16).
 */
export function writeValues(out: Buffer, at: number, values: Float32Array, dtype: StoredDtype): Float32Array {
  if (dtype === 'float32') {
    if (LITTLE_ENDIAN_HOST) Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out, at);
    else for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, at + 4 * i);
    return values;
  }
  // The polyfill rounds (f16round, round to nearest even); its own decoding of every bit
  // pattern, inverted, gives the bits. ~4x faster than `new Float16Array(values)`.
  const rounded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) rounded[i] = f16round(values[i]!);
  const roundedBits = new Uint32Array(rounded.buffer);
  const bitsOf = float16BitsTable();
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = bitsOf[roundedBits[i]! >>> 13]!;
  if (LITTLE_ENDIAN_HOST) Buffer.from(half.buffer).copy(out, at);
  else for (let i = 0; i < half.length; i++) out.writeUInt16LE(half[i]!, at + 2 * i);
  return rounded;
}

/** `count` little-endian `dtype` values at `bytes[at]`, as a fresh array (never a view of `bytes`, which the caller may reuse). */
export function readValues(bytes: Buffer, at: number, count: number, dtype: StoredDtype): Float32Array {
  const start = bytes.byteOffset + at;
  if (dtype === 'float32' && LITTLE_ENDIAN_HOST) return new Float32Array(bytes.buffer.slice(start, start + 4 * count));
  const values = new Float32Array(count);
  if (dtype === 'float32') {
    for (let i = 0; i < count; i++) values[i] = bytes.readFloatLE(at + 4 * i);
    return values;
  }
  const valueOf = float16ValueTable();
  if (LITTLE_ENDIAN_HOST) {
    const bits = new Uint16Array(bytes.buffer.slice(start, start + 2 * count));
    for (let i = 0; i < count; i++) values[i] = valueOf[bits[i]!]!;
  } else {
    for (let i = 0; i < count; i++) values[i] = valueOf[bytes.readUInt16LE(at + 2 * i)]!;
  }
  return values;
}

let valueTable: Float32Array | undefined;
let bitsTable: Uint16Array | undefined;

/**
 * The value of every float16 bit pattern, converted once by the polyfill: a table lookup
 * per value is ~25x faster than iterating a polyfill Float16Array (a Proxy) or getFloat16.
 */
function float16ValueTable(): Float32Array {
  if (valueTable === undefined) {
    const patterns = Uint16Array.from({ length: 65536 }, (_, i) => i);
    valueTable = new Float32Array(65536);
    let i = 0;
    // Both arrays use the host's byte order, so pattern i is read as itself.
    for (const v of new Float16Array(patterns.buffer)) valueTable[i++] = v;
  }
  return valueTable;
}

/**
 * The inverse: the float16 bits of each float16 value, indexed by the value's float32 bits
 * shifted right by 13 (every float16 value, subnormals included, is a float32 whose 13 low
 * mantissa bits are zero, so the index is exact). NaN maps to the quiet NaN 0x7e00.
 */
function float16BitsTable(): Uint16Array {
  if (bitsTable === undefined) {
    const values = float16ValueTable();
    const valueBits = new Uint32Array(values.buffer);
    bitsTable = new Uint16Array(1 << 19);
    for (let h = 0; h < 65536; h++) if (!Number.isNaN(values[h])) bitsTable[valueBits[h]! >>> 13] = h;
    bitsTable[new Uint32Array(Float32Array.of(Number.NaN).buffer)[0]! >>> 13] = 0x7e00;
  }
  return bitsTable;
}
