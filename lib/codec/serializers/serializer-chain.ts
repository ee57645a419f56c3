import type { Serializer } from './serializer.js';

/**
 * A serializer fallback chain (`serializer: ['msgpack', 'json']`, as django-cachex has them):
 * the first member serializes every new value; a stored value is given to each member in chain
 * order and the first one that decodes it **whole** without throwing wins. With the two built-in
 * formats the order never changes the result for a value either of them wrote:
 *
 * - Integers never reach a serializer: this module and django-valkey store them as ASCII digits,
 *   and the value codec reads those (and raw floats) before any serializer.
 * - Every other JSON value starts with `{ [ " t f n` (or `N`, `I`, `-` for the non-finite
 *   tokens): bytes below `0x80`, which msgpack reads as a one-byte integer, so msgpack refuses
 *   any longer JSON text as having trailing bytes. JSON text is never a single byte.
 * - Every msgpack value other than a positive fixint (`0x00`-`0x7f`) starts with a byte of
 *   `0x80` or above, which is never valid JSON (nor UTF-8 text JSON accepts).
 *
 * The only ambiguous payloads are single bytes `0x00`-`0x7f`: msgpack's fixints 0 to 127,
 * which neither library writes for a value (integers are stored as digits). A digit byte
 * (`0x30`-`0x39`) reads as that digit's integer, not as msgpack's 48 to 57, whatever the chain.
 * When every member fails, the first member's error is thrown (the value codec wraps it in a
 * `CacheDecodeError`). A custom member must throw on bytes it did not write.
 */
export class SerializerChain implements Serializer {
  /** @param members the chain, writer first; at least one. */
  constructor(readonly members: readonly Serializer[]) {
    if (members.length === 0)
      throw new RangeError('SerializerChain: needs at least one serializer');
  }

  /** The member that serializes new values (the first). */
  get writer(): Serializer {
    return this.members[0]!;
  }

  /** Serializes with the {@link writer}. */
  dumps(value: unknown): Buffer {
    return this.members[0]!.dumps(value);
  }

  /**
   * The {@link writer}'s `dumpsText`; the value codec calls it only when the writer defines one.
   * Throws a `TypeError` when it does not.
   */
  dumpsText(value: unknown): string {
    const writer = this.members[0]!;
    if (typeof writer.dumpsText !== 'function')
      throw new TypeError('SerializerChain: the first serializer writes no text');
    return writer.dumpsText(value);
  }

  /** The value of the first member, in chain order, that decodes `data` without throwing. */
  loads(data: Buffer): unknown {
    let first: unknown;
    for (const s of this.members) {
      try {
        return s.loads(data);
      } catch (error) {
        first ??= error;
      }
    }
    throw first instanceof Error ? first : new Error(String(first));
  }
}
