import { isUtf8 } from 'node:buffer';

/**
 * A structural check of a MessagePack payload, run before `msgpackr` decodes it, so that corrupt
 * or foreign bytes raise instead of decoding into something a writer of standard MessagePack
 * (this module's serializer, Python's `msgpack.packb`) never produces.
 *
 * Refused:
 * - the byte `0xC1` (never used in MessagePack; `msgpackr` decodes it into a `C1Type` object);
 * - every extension type except the standard timestamp (`-1`) with its 4, 8 or 12 data bytes and
 *   a nanosecond field below 10^9. `msgpackr` otherwise builds objects from extension data
 *   whatever the `Unpackr` options: `undefined` (type 0), `Error` (0x65), `RegExp` (0x78), `Set`
 *   (0x73), typed arrays and `ArrayBuffer`s (0x74), `bigint` (0x42), records (0x72), bundled
 *   strings (0x62), cyclic structures (0x69/0x70), and any type another library in the process
 *   registered with `msgpackr.addExtension` (a global registry);
 * - strings that are not valid UTF-8 (`msgpackr` would decode them into U+FFFD; Python's
 *   `unpackb(raw=False)` raises);
 * - a payload that ends inside a value, or has bytes after the first value;
 * - an array or map announcing more items than bytes left (so a corrupt length never allocates);
 * - nesting deeper than {@link MAX_MSGPACK_DEPTH}.
 *
 * Returns `undefined` when the payload is well formed, else the reason.
 */
export function checkMsgpack(data: Uint8Array): string | undefined {
  const end = data.length;
  if (end === 0) return 'empty msgpack payload';
  let pos = 0;
  // Items still to read at each open level; the top level holds one value.
  const pending: number[] = [1];
  while (pending.length > 0) {
    const top = pending.length - 1;
    if (pending[top] === 0) {
      pending.pop();
      continue;
    }
    pending[top]!--;
    if (pos >= end) return 'truncated msgpack payload';
    const b = data[pos++]!;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue;
    let skip = 0;
    let items = -1;
    let str = false;
    if (b <= 0x8f) items = (b & 0x0f) * 2;
    else if (b <= 0x9f) items = b & 0x0f;
    else if (b <= 0xbf) {
      skip = b & 0x1f;
      str = true;
    } else {
      const need = HEAD[b - 0xc1]!;
      if (need < 0) return `byte 0x${b.toString(16)} is not MessagePack`;
      if (pos + need > end) return 'truncated msgpack payload';
      switch (b) {
        case 0xc4:
        case 0xd9:
          skip = data[pos]!;
          break;
        case 0xc5:
        case 0xda:
          skip = (data[pos]! << 8) | data[pos + 1]!;
          break;
        case 0xc6:
        case 0xdb:
          skip = readU32(data, pos);
          break;
        case 0xdc:
          items = (data[pos]! << 8) | data[pos + 1]!;
          break;
        case 0xdd:
          items = readU32(data, pos);
          break;
        case 0xde:
          items = ((data[pos]! << 8) | data[pos + 1]!) * 2;
          break;
        case 0xdf:
          items = readU32(data, pos) * 2;
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9:
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          const length =
            b === 0xc7
              ? data[pos]!
              : b === 0xc8
                ? (data[pos]! << 8) | data[pos + 1]!
                : b === 0xc9
                  ? readU32(data, pos)
                  : 1 << (b - 0xd4);
          const typeAt = pos + need - 1;
          const reason = checkExtension(data, data[typeAt]!, typeAt + 1, length, end);
          if (reason !== undefined) return reason;
          pos = typeAt + 1 + length;
          continue;
        }
        default:
          // Fixed-size scalars: the bytes are the value.
          break;
      }
      if (b === 0xd9 || b === 0xda || b === 0xdb) str = true;
      pos += need;
    }
    if (items >= 0) {
      if (items > end - pos) return 'msgpack array or map longer than the payload';
      if (items > 0) {
        if (pending.length > MAX_MSGPACK_DEPTH) return 'msgpack payload nested too deeply';
        pending.push(items);
      }
      continue;
    }
    if (skip > end - pos) return 'truncated msgpack payload';
    if (str && skip > 0 && !isUtf8Range(data, pos, pos + skip)) {
      return 'msgpack string is not valid UTF-8';
    }
    pos += skip;
  }
  return pos === end ? undefined : 'bytes after the msgpack value';
}

/** Deepest nesting of arrays and maps accepted (Python's `unpackb` stops at 1024 too). */
export const MAX_MSGPACK_DEPTH = 1024;

/**
 * Bytes after the type byte of `0xC1`...`0xDF` before the payload (or the whole value for
 * fixed-size scalars); `-1`: not a MessagePack type byte. For extensions it includes the type.
 */
const HEAD: readonly number[] = [
  -1, // c1 never used
  0, // c2 false
  0, // c3 true
  1, // c4 bin8
  2, // c5 bin16
  4, // c6 bin32
  2, // c7 ext8 (length, type)
  3, // c8 ext16
  5, // c9 ext32
  4, // ca float32
  8, // cb float64
  1, // cc uint8
  2, // cd uint16
  4, // ce uint32
  8, // cf uint64
  1, // d0 int8
  2, // d1 int16
  4, // d2 int32
  8, // d3 int64
  1, // d4 fixext1 (type)
  1, // d5 fixext2
  1, // d6 fixext4
  1, // d7 fixext8
  1, // d8 fixext16
  1, // d9 str8
  2, // da str16
  4, // db str32
  2, // dc array16
  4, // dd array32
  2, // de map16
  4, // df map32
];

function readU32(data: Uint8Array, pos: number): number {
  return data[pos]! * 0x1000000 + ((data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!);
}

/** Only the standard timestamp extension (-1, i.e. 0xff) with a valid body is accepted. */
function checkExtension(
  data: Uint8Array,
  type: number,
  at: number,
  length: number,
  end: number,
): string | undefined {
  if (at + length > end) return 'truncated msgpack payload';
  if (type !== 0xff)
    return `msgpack extension type ${type > 127 ? type - 256 : type} is not accepted`;
  if (length === 4) return undefined;
  if (length === 8) {
    // 30-bit nanoseconds in the high bits.
    const nanos = readU32(data, at) >>> 2;
    return nanos < 1e9 ? undefined : 'invalid msgpack timestamp';
  }
  if (length === 12) return readU32(data, at) < 1e9 ? undefined : 'invalid msgpack timestamp';
  return 'invalid msgpack timestamp';
}

/** Whether `data[start, end)` is valid UTF-8 (an ASCII scan first: most strings are ASCII). */
function isUtf8Range(data: Uint8Array, start: number, end: number): boolean {
  if (end - start > 64) return isUtf8(data.subarray(start, end));
  for (let i = start; i < end; i++) {
    if (data[i]! >= 0x80) return isUtf8(data.subarray(start, end));
  }
  return true;
}
