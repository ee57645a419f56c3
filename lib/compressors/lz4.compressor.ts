import { BaseCompressor, type CompressorOptions, loadOptionalPackage } from './base.compressor.js';

/** The part of the `lz4-napi` package this compressor uses. */
interface Lz4Napi {
  compressFrameSync(data: Buffer): Buffer;
  decompressFrameSync(data: Buffer): Buffer;
}

/** The npm package providing the LZ4 frame format. */
export const LZ4_PACKAGE = 'lz4-napi';

/**
 * The LZ4 *frame* format (magic `04 22 4D 18`), what Python's `lz4.frame.compress` writes and
 * `lz4.frame.decompress` reads (django-valkey `Lz4Compressor`): linked or independent blocks,
 * with or without content size and checksums. (Not the raw LZ4 block format.)
 *
 * Needs the optional dependency `lz4-napi` (lz4_flex through napi-rs, prebuilt binaries, no
 * install script): the constructor throws an `Error` saying `npm install lz4-napi` when it is
 * missing. It has a single (fast) compression mode, which is django-valkey's default level 0:
 * `level` is accepted (0 to 16, so a shared Django-style config validates) but does not change
 * the output.
 */
export class Lz4Compressor extends BaseCompressor {
  private readonly lz4: Lz4Napi;

  constructor(options?: Readonly<CompressorOptions>) {
    super(options, { min: 0, max: 16, default: 0 });
    this.lz4 = loadOptionalPackage<Lz4Napi>(LZ4_PACKAGE, 'Lz4Compressor');
  }

  protected compressBytes(data: Buffer): Buffer {
    return this.lz4.compressFrameSync(data);
  }

  protected decompressBytes(data: Buffer): Buffer {
    return this.lz4.decompressFrameSync(data);
  }
}
