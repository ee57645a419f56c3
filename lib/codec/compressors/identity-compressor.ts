import type { Compressor } from './compressor.js';
import type { CompressorOptions } from './base-compressor.js';

/**
 * The default: stores serialized values as they are (django-valkey's `IdentityCompressor`).
 * `decompress` never throws, so values written by a compressing service are *not* readable
 * through it; configure the same compressor on every service sharing a cache.
 */
export class IdentityCompressor implements Compressor {
  /** Options are accepted (and ignored) so every compressor is constructed the same way. */
  constructor(_options?: Readonly<CompressorOptions>) {}

  /** Returns `data` unchanged. */
  compress(data: Buffer): Buffer {
    return data;
  }

  /** Returns `data` unchanged. */
  decompress(data: Buffer): Buffer {
    return data;
  }
}
