import { Packr, Unpackr } from 'msgpackr';

import { setOwnProperty } from '../../util/own-property.js';
import { checkMsgpack } from './msgpack-check.js';
import type { Serializer } from './serializer.js';
import { PLAIN, Refusal, SPECIAL, ValueWalker, type WalkResult } from './value-walker.js';

/**
 * Standard MessagePack on `msgpackr`, readable and writable by django-valkey's `MSGPackSerializer`
 * (Python `msgpack.packb(value)` / `msgpack.unpackb(data, raw=False)`): no records or other
 * msgpackr-only extensions, the smallest map/array/str headers (as Python writes), `str` for
 * strings and `bin` for bytes.
 *
 * Types, both ways:
 * - `null`, booleans, strings, arrays and plain objects map to nil, bool, str, array and map.
 *   Maps are always decoded as plain objects (keys become strings); a key `__proto__` is renamed
 *   `__proto_` by msgpackr on decode (no prototype pollution). Class instances are written as
 *   their own enumerable properties, or as what their `toJSON()` returns when they have one.
 * - Numbers: integers in the int64 range are written as msgpack ints (a `number` up to 2^53 in
 *   magnitude, or a `bigint` up to uint64 max), other numbers as float64, as Python does for
 *   `int` and `float`. Decoding gives a `number` for integers within +/-2^53 and a `bigint` beyond,
 *   so no precision is lost. JavaScript has one number type, so a Python float `3.0` comes back
 *   as `3`, and `-0` is written as the integer 0. A `bigint` beyond 64 bits is refused (Python's
 *   `packb` raises `OverflowError` for it too).
 * - `Buffer` / `Uint8Array` are written as `bin` and come back as (copied) `Buffer`s; Python sees
 *   `bytes`.
 * - A `Date` is written with the standard timestamp extension (type -1) and comes back as a
 *   `Date` (millisecond precision). Python's `unpackb` returns a `msgpack.Timestamp` for it, or a
 *   UTC `datetime` with `timestamp=3`; Python only *writes* datetimes with `datetime=True`.
 * - An object property whose value is `undefined` is omitted (as in the JSON serializer).
 *
 * Refused with a `TypeError`: strings (or keys) with a lone UTF-16 surrogate (not encodable as
 * UTF-8; Python's `packb` raises too), `undefined` at the top level or as an array element, functions,
 * symbols, `Map`, `Set`, `WeakMap`, `WeakSet`, `RegExp`, `Error`, `Promise`, typed arrays other
 * than `Uint8Array`, `ArrayBuffer`, `DataView`, an invalid `Date`, integers beyond 64 bits and
 * circular structures.
 *
 * Refused on decode with a `SyntaxError` (see `checkMsgpack`), before `msgpackr` sees the bytes:
 * the unused byte `0xC1`, every extension type but the timestamp (so `msgpackr`'s own extensions,
 * which build `undefined`, `Error`, `RegExp`, `Set`, typed arrays, records and cyclic structures,
 * and any class registered process-wide with `msgpackr.addExtension`, never apply), strings
 * that are not valid UTF-8, truncated payloads and trailing bytes. Decoding builds data only.
 *
 * Byte-for-byte: for nil, booleans, floats, strings, bin, arrays, maps and integers in
 * [-2^31, 2^32) the bytes equal Python's `packb`. Larger integers are written as int64 (`0xd3`)
 * where Python writes uint64 (`0xcf`) for positive ones; both decode to the same integer.
 */
export class MsgpackSerializer implements Serializer {
  private readonly packr = new Packr({
    useRecords: false,
    variableMapSize: true,
    moreTypes: false,
    structuredClone: false,
    bundleStrings: false,
    onInvalidDate: () => {
      throw new TypeError('msgpack serializer cannot store an invalid Date');
    },
  });

  private readonly unpackr = new Unpackr({
    useRecords: false,
    mapsAsObjects: true,
    copyBuffers: true,
    // 'auto' (numbers within +/-2^53, bigints beyond) exists at run time but not in the typings.
    int64AsType: 'auto' as 'bigint',
    // Never resolve the structured-clone reference extensions (checkMsgpack refuses them first).
    structuredClone: false,
  });

  /** Options are accepted for a uniform constructor signature; there are none yet. */
  constructor(_options?: Readonly<Record<string, unknown>>) {}

  /** Encodes `value` as MessagePack; throws a `TypeError` for values it cannot represent. */
  dumps(value: unknown): Buffer {
    return this.packr.pack(walker.isPlain(value) ? value : rewrite(value));
  }

  /**
   * Decodes one MessagePack value; throws a `SyntaxError` when the bytes are not exactly one
   * well-formed value of standard MessagePack (see {@link checkMsgpack}: no `0xC1`, no extension
   * but the timestamp, valid UTF-8 strings, nothing truncated or trailing). Only data types are
   * built: `null`, booleans, numbers, bigints, strings, `Buffer`s, arrays, plain objects, `Date`s.
   */
  loads(data: Buffer): unknown {
    const problem = checkMsgpack(data);
    if (problem !== undefined) throw new SyntaxError(problem);
    return this.unpackr.unpack(data) as unknown;
  }
}

const objectProto = Object.prototype;
const INT32_MIN = -0x80000000;
const UINT32_MAX = 0xffffffff;
const TWO_53 = 2 ** 53;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

const LONE_SURROGATE =
  'a string with a lone surrogate (msgpack strings are UTF-8; it would come back as U+FFFD)';

/** `String.prototype.isWellFormed` (Node 20; not in the ES2022 typings). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** A number msgpackr would write as float64 but Python as an int: rewrite it as a bigint. */
function isWideInteger(n: number): boolean {
  return (n > UINT32_MAX || n < INT32_MIN) && Number.isInteger(n) && Math.abs(n) <= TWO_53;
}

/** A bigint msgpackr would write as int64 but Python in fewer bytes: rewrite it as a number. */
function isNarrowBigInt(n: bigint): boolean {
  return n >= INT32_MIN && n <= UINT32_MAX;
}

/**
 * What msgpack stores: msgpackr packs the value as is (`PLAIN`), or it needs `rewrite` first
 * (`SPECIAL`: integer widths to fix, `undefined` properties to drop, boxed primitives to unbox,
 * `toJSON` objects to replace).
 */
class MsgpackWalker extends ValueWalker {
  protected readonly undefinedProperty = SPECIAL;
  protected readonly binaryOk = true;
  protected readonly replaced = SPECIAL;

  protected string(value: string): WalkResult {
    if (!isWellFormed(value)) throw new Refusal(LONE_SURROGATE);
    return PLAIN;
  }

  protected number(value: number): WalkResult {
    return isWideInteger(value) ? SPECIAL : PLAIN;
  }

  protected bigint(value: bigint): WalkResult {
    if (value < INT64_MIN || value > UINT64_MAX) {
      throw new Refusal('an integer beyond 64 bits (msgpack has no such type)');
    }
    return isNarrowBigInt(value) ? SPECIAL : PLAIN;
  }

  protected key(key: string): void {
    if (!isWellFormed(key)) throw new Refusal(`${LONE_SURROGATE} (in a key)`);
  }

  protected toJSON(obj: object): unknown {
    return (obj as { toJSON(): unknown }).toJSON();
  }
}

const walker = new MsgpackWalker('msgpack');

/** Copies a value the walk accepted into the shape that msgpackr packs as Python would. */
function rewrite(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return isWideInteger(value) ? BigInt(value) : value;
    case 'bigint':
      return isNarrowBigInt(value) ? Number(value) : value;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(rewrite);
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return rewrite(value.valueOf());
  }
  const obj = value as Record<string, unknown> & { toJSON?: unknown };
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== objectProto && proto !== null && typeof obj.toJSON === 'function') {
    return rewrite((obj as { toJSON(): unknown }).toJSON());
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const item = obj[key];
    if (item !== undefined) setOwnProperty(copy, key, rewrite(item));
  }
  return copy;
}
