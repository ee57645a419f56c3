/**
 * A serializer turns a cache value into bytes and back. Integers never reach a serializer: the
 * value codec stores them as raw ASCII digits (so `INCR` works and other languages read them),
 * exactly as django-valkey does.
 *
 * Implement this interface to plug in a custom format, then pass the class (or an instance) as
 * `options.serializer`.
 */
export interface Serializer {
  /** Encodes a value. Throws a `TypeError` for values the format cannot represent. */
  dumps(value: unknown): Buffer;
  /** Decodes bytes produced by {@link Serializer.dumps} (or by the matching Python serializer). */
  loads(data: Buffer): unknown;
}

/** A serializer class, constructed once per cache with the cache's options. */
export type SerializerClass = new (options?: Readonly<Record<string, unknown>>) => Serializer;
