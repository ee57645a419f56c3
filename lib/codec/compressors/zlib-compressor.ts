import { deflateSync, inflateSync, type ZlibOptions } from 'node:zlib';

import { BaseCompressor, type CompressorOptions, type LevelRange } from './base-compressor.js';
import { isZlibHeader } from './magic.js';

/**
 * zlib format (RFC 1950: 2-byte header, deflate data, Adler-32), what Python's `zlib.compress`
 * writes and `zlib.decompress` reads (django-valkey `ZlibCompressor`, default `wbits=15`).
 * `level` -1 (library default) to 9, default 6 (as django-valkey).
 */
export class ZlibCompressor extends BaseCompressor {
  /** The accepted `level` range (zlib) and the default level. */
  static readonly levels: LevelRange = { min: -1, max: 9, default: 6 };

  private readonly options: ZlibOptions;

  constructor(options?: Readonly<CompressorOptions>) {
    super(options, ZlibCompressor.levels);
    this.options = { level: this.level };
  }

  /** Whether `data` starts with this format's signature; see {@link isZlibHeader}. */
  sniff(data: Uint8Array): boolean {
    return isZlibHeader(data);
  }

  protected compressBytes(data: Buffer): Buffer {
    return deflateSync(data, this.options);
  }

  protected decompressBytes(data: Buffer): Buffer {
    return inflateSync(data);
  }
}
