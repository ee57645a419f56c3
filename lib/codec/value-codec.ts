import { type Compressor, CompressorError } from './compressors/compressor.js';
import { BaseCompressor } from './compressors/base-compressor.js';
import { CompressorChain } from './compressors/compressor-chain.js';
import { IdentityCompressor } from './compressors/identity-compressor.js';
import type { Serializer } from './serializers/serializer.js';
import { SerializerChain } from './serializers/serializer-chain.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Byte codes used by the number scanner. */
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const PLUS = 0x2b;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/**
 * Non-finite floats as Python writes them: `repr(float)` (how valkey-py stores a raw float:
 * `inf`, `-inf`, `nan`) and `json.dumps` (`Infinity`, `-Infinity`, `NaN`).
 */
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['inf', Infinity],
  ['-inf', -Infinity],
  ['nan', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['NaN', NaN],
]);

/** Reads byte / char code `i` of a Buffer or string. */
type CodeAt = (i: number) => number;

/**
 * Parses the whole of a stored payload as a number if it is one, else returns `undefined`.
 * Integers: `-?[0-9]+` (a `number` when safe, else a `bigint`). Floats: only the plain decimal
 * forms Python writes (`repr(float)`, `json.dumps`): `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`
 * and the six non-finite spellings; not `float()`'s extras (`+1`, `1_0`, ` 1`, `.5`, `1.`).
 */
function scanNumber(length: number, code: CodeAt, text: () => string): number | bigint | undefined {
  let pos = 0;
  if (code(0) === MINUS) pos = 1;
  const digitsStart = pos;
  let value = 0;
  while (pos < length) {
    const c = code(pos);
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
    pos++;
  }
  const digits = pos - digitsStart;
  if (digits === 0) {
    if (length > 9) return undefined;
    return SPECIAL_FLOATS.get(text());
  }
  if (pos === length) {
    const negative = digitsStart === 1;
    // Up to 15 digits the running value is exact (< 2^53).
    if (digits <= 15) return negative && value !== 0 ? -value : value;
    const big = BigInt(text());
    return big > MAX_SAFE || big < MIN_SAFE ? big : Number(big);
  }
  if (code(pos) === DOT) {
    const fractionStart = ++pos;
    while (pos < length && code(pos) >= ZERO && code(pos) <= NINE) pos++;
    if (pos === fractionStart) return undefined;
  }
  if (pos < length && (code(pos) === LOWER_E || code(pos) === UPPER_E)) {
    pos++;
    if (pos < length && (code(pos) === PLUS || code(pos) === MINUS)) pos++;
    const exponentStart = pos;
    while (pos < length && code(pos) >= ZERO && code(pos) <= NINE) pos++;
    if (pos === exponentStart) return undefined;
  }
  return pos === length ? Number(text()) : undefined;
}

/** Whether a payload starting with this byte / char may be a number (digit, `-`, `i`, `n`, `I`, `N`). */
function mayBeNumber(c: number): boolean {
  return (
    (c >= ZERO && c <= NINE) || c === MINUS || c === 0x69 || c === 0x6e || c === 0x49 || c === 0x4e
  );
}

/**
 * Turns cache values into the bytes stored in Valkey and back, with django-valkey's rules, so a
 * Django service and this module can share keys:
 *
 * - **Integers are stored raw** as ASCII digits, without serializer or compressor, so `INCR`
 *   works and any client reads them: a `number` that is a safe integer, or a `bigint` within
 *   signed int64. Booleans are not integers here (they are serialized, as in Django). Other
 *   numbers (floats, `NaN`, integers beyond int64) go through the serializer; the JSON
 *   serializer writes an integer beyond int64 as plain digits, so it reads back as a `bigint`.
 * - Everything else: `serializer.dumps` then `compressor.compress` (which leaves values at or
 *   below its `minLength` as they are; there is no header).
 *
 * Decoding tries, in order: the whole payload as an integer (`number` when safe, else `bigint`;
 * negative integers too, unlike django-valkey which reads them as floats); as a plain decimal
 * float or one of Python's non-finite spellings (`inf`, `nan`, `Infinity`, ...), which is how
 * django-valkey stores a raw `float` and how `json.dumps` writes one; otherwise
 * `compressor.decompress` (on {@link CompressorError} the bytes are used as they are) and
 * `serializer.loads`. If `loads` fails on bytes that *did* decompress (brotli has no magic number,
 * so stored-uncompressed bytes can decompress to garbage), `loads` is retried on the stored
 * bytes. A payload that cannot be decoded throws an `Error`; the cache wraps it into a
 * `CacheDecodeError` naming the key.
 *
 * The serializer and the compressor may be fallback chains ({@link SerializerChain},
 * {@link CompressorChain}): they write with their first member and read what any member wrote.
 */
export class ValueCodec {
  /**
   * Serialized text of at most this many UTF-16 code units is never compressed, so
   * {@link encodeForWire} sends it as a string; `-1` when the serializer writes no text.
   */
  private readonly textUpTo: number;

  constructor(
    /** Serializes every value that is not stored raw. */
    readonly serializer: Serializer,
    /** Compresses serialized values above its minimum length. */
    readonly compressor: Compressor,
  ) {
    // A chain writes with its first member, so that member decides the text fast path.
    this.textUpTo = textLimit(
      serializer instanceof SerializerChain ? serializer.writer : serializer,
      compressor instanceof CompressorChain ? compressor.writer : compressor,
    );
  }

  /**
   * {@link encode} for a command argument: the same bytes, but a serialized value that will not
   * be compressed comes as a string when the serializer writes text (JSON), which iovalkey writes
   * without the `Buffer` copy and its slower buffer-mode command writer.
   */
  encodeForWire(value: unknown): Buffer | string {
    if (this.textUpTo < 0 || typeof value === 'number' || typeof value === 'bigint') {
      return this.encode(value);
    }
    const text = this.serializer.dumpsText!(value);
    return text.length <= this.textUpTo
      ? text
      : this.compressor.compress(Buffer.from(text, 'utf8'));
  }

  /**
   * Encodes a value for storage: a string of ASCII digits for an integer, else the serialized
   * (and possibly compressed) bytes. Throws the serializer's `TypeError` for values it refuses.
   */
  encode(value: unknown): Buffer | string {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) return String(value);
    } else if (typeof value === 'bigint') {
      if (value >= INT64_MIN && value <= INT64_MAX) return value.toString();
    }
    return this.compressor.compress(this.serializer.dumps(value));
  }

  /**
   * Decodes a stored payload (prefer the `Buffer` from iovalkey's `*Buffer` commands; a string
   * is accepted, but binary payloads do not survive a UTF-8 string). A `number` or `bigint`
   * (an integer reply from `INCR` or a script) is returned as is. Throws an `Error` when the
   * payload cannot be decoded.
   */
  decode(data: Buffer | string): unknown {
    if (typeof data === 'string') return this.decodeString(data);
    if (typeof data === 'number' || typeof data === 'bigint') return data;
    const length = data.length;
    if (length > 0 && mayBeNumber(data[0]!)) {
      const number = scanNumber(
        length,
        (i) => data[i]!,
        () => data.toString('latin1', 0, length),
      );
      if (number !== undefined) return number;
    }
    return this.decodePayload(data);
  }

  private decodeString(data: string): unknown {
    const length = data.length;
    if (length > 0 && mayBeNumber(data.charCodeAt(0))) {
      const number = scanNumber(
        length,
        (i) => data.charCodeAt(i),
        () => data,
      );
      if (number !== undefined) return number;
    }
    return this.decodePayload(Buffer.from(data, 'utf8'));
  }

  private decodePayload(data: Buffer): unknown {
    let bytes: Buffer;
    try {
      bytes = this.compressor.decompress(data);
    } catch (error) {
      if (!(error instanceof CompressorError)) throw asError(error, 'decompression failed');
      bytes = data;
    }
    try {
      return this.serializer.loads(bytes);
    } catch (error) {
      if (bytes !== data) {
        try {
          return this.serializer.loads(data);
        } catch {
          // Report the first failure: the decompressed bytes were the likelier payload.
        }
      }
      throw asError(error, 'deserialization failed');
    }
  }
}

/** The prototype (or object) that defines `name` for `obj`. */
function definerOf(obj: object, name: string): object | null {
  let p: object | null = obj;
  while (p !== null && !Object.prototype.hasOwnProperty.call(p, name)) p = Object.getPrototypeOf(p);
  return p;
}

/**
 * How long serialized text may be (in UTF-16 code units) and still be sent as a string: every
 * code unit is at most 3 UTF-8 bytes, so text of `minLength / 3` units is never compressed.
 * `-1` without a `dumpsText` defined next to `dumps`, or with a compressor other than the
 * identity or a {@link BaseCompressor} using its own `compress`.
 */
function textLimit(serializer: Serializer, compressor: Compressor): number {
  if (typeof serializer.dumpsText !== 'function') return -1;
  if (definerOf(serializer, 'dumpsText') !== definerOf(serializer, 'dumps')) return -1;
  if (compressor.constructor === IdentityCompressor) return Infinity;
  // Only BaseCompressor's own compress() is known to leave values of minLength bytes alone.
  if (!(compressor instanceof BaseCompressor)) return -1;
  if (definerOf(compressor, 'compress') !== BaseCompressor.prototype) return -1;
  return Math.floor(compressor.minLength / 3);
}

function asError(error: unknown, what: string): Error {
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}
