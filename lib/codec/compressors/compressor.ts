/**
 * A compressor shrinks serialized values above a minimum length. As in django-valkey there is no
 * header: `decompress` of bytes that are not in the compressor's format throws
 * {@link CompressorError}, and the value codec then uses the bytes as they are.
 */
export interface Compressor {
  /** Compresses `data` when it is longer than the compressor's minimum length, else returns it. */
  compress(data: Buffer): Buffer;
  /** Decompresses `data`; throws {@link CompressorError} when `data` is not in this format. */
  decompress(data: Buffer): Buffer;
  /**
   * Optional: whether `data` starts with this format's signature (magic bytes). A
   * {@link CompressorChain} gives a stored value to the member whose `sniff` accepts it; members
   * without `sniff` (brotli, which has no signature) are tried after that, in chain order.
   * Signatures of the members of one chain must not overlap.
   */
  sniff?(data: Uint8Array): boolean;
}

/** A compressor class, constructed once per cache with the cache's options. */
export type CompressorClass = new (options?: Readonly<Record<string, unknown>>) => Compressor;

/** Raised by {@link Compressor.decompress} when the bytes are not compressed in its format. */
export class CompressorError extends Error {
  override readonly name = 'CompressorError';
}
