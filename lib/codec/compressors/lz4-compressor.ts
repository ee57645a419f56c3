import {
  BaseCompressor,
  type CompressorOptions,
  type LevelRange,
  loadOptionalPackage,
} from './base-compressor.js';
import { isLz4Frame } from './magic.js';

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
  /** The accepted `level` range (lz4) and the default level. */
  static readonly levels: LevelRange = { min: 0, max: 16, default: 0 };

  private readonly lz4: Lz4Napi;

  constructor(options?: Readonly<CompressorOptions>) {
    super(options, Lz4Compressor.levels);
    this.lz4 = loadOptionalPackage<Lz4Napi>(LZ4_PACKAGE, 'Lz4Compressor');
  }

  /** Whether `data` starts with this format's signature; see {@link isLz4Frame}. */
  sniff(data: Uint8Array): boolean {
    return isLz4Frame(data);
  }

  protected compressBytes(data: Buffer): Buffer {
    return this.lz4.compressFrameSync(data);
  }

  protected decompressBytes(data: Buffer): Buffer {
    // lz4-napi returns what it decoded so far from a truncated frame: refuse those first.
    const problem = checkLz4Frames(data);
    if (problem !== undefined) throw new Error(problem);
    return this.lz4.decompressFrameSync(data);
  }
}

const LZ4_MAGIC = 0x184d2204;

/**
 * Walks the LZ4 frames of `data` (RFC-less spec: lz4_Frame_format.md) without decompressing:
 * `undefined` when it is one or more complete frames (skippable frames allowed) ending exactly at
 * the end of `data`, else why not. Catches truncation, which the decoder does not report.
 */
export function checkLz4Frames(data: Uint8Array): string | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const end = data.length;
  let pos = 0;
  while (pos < end) {
    if (end - pos < 8) return 'truncated LZ4 frame';
    const magic = view.getUint32(pos, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      pos += 8 + view.getUint32(pos + 4, true);
      continue;
    }
    if (magic !== LZ4_MAGIC) return 'not an LZ4 frame';
    const flg = data[pos + 4]!;
    if (flg >> 6 !== 1) return 'unsupported LZ4 frame version';
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    pos += 7 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0);
    for (;;) {
      if (end - pos < 4) return 'truncated LZ4 frame';
      const size = view.getUint32(pos, true) & 0x7fffffff;
      pos += 4;
      if (size === 0) break;
      pos += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) pos += 4;
  }
  return pos === end ? undefined : 'truncated LZ4 frame';
}
