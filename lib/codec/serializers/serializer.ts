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
  /**
   * Optional: the same encoding as {@link Serializer.dumps}, as a string whose UTF-8 bytes are
   * exactly what `dumps` returns (text formats such as JSON). When the value is not compressed,
   * the value codec hands this string to iovalkey as it is, which saves a `Buffer` copy and
   * iovalkey's slower buffer-mode command writer. Used only when it is defined by the same class
   * as `dumps` (a subclass that overrides `dumps` alone keeps its own `dumps`).
   */
  dumpsText?(value: unknown): string;
  /** Decodes bytes produced by {@link Serializer.dumps} (or by the matching Python serializer). */
  loads(data: Buffer): unknown;
}

/** A serializer class, constructed once per cache with the cache's options. */
export type SerializerClass = new (options?: Readonly<Record<string, unknown>>) => Serializer;
