import { gunzipSync, gzipSync, type ZlibOptions } from 'node:zlib';

import { BaseCompressor, type CompressorOptions, type LevelRange } from './base-compressor.js';
import { isGzipHeader } from './magic.js';

/**
 * gzip format (RFC 1952), what Python's `gzip.compress` writes and `gzip.decompress` reads
 * (django-valkey `GzipCompressor`); several concatenated members are read as one payload, as
 * Python does. `level` 0 to 9, default 6: django-valkey uses 9, which measured as fast up to
 * 4 KiB but 1.5x slower at 16 KiB (224 vs 153 us) for 4 % smaller output.
 */
export class GzipCompressor extends BaseCompressor {
  /** The accepted `level` range (gzip) and the default level. */
  static readonly levels: LevelRange = { min: 0, max: 9, default: 6 };

  private readonly options: ZlibOptions;

  constructor(options?: Readonly<CompressorOptions>) {
    super(options, GzipCompressor.levels);
    this.options = { level: this.level };
  }

  /** Whether `data` starts with this format's signature; see {@link isGzipHeader}. */
  sniff(data: Uint8Array): boolean {
    return isGzipHeader(data);
  }

  protected compressBytes(data: Buffer): Buffer {
    return gzipSync(data, this.options);
  }

  protected decompressBytes(data: Buffer): Buffer {
    return gunzipSync(data);
  }
}
