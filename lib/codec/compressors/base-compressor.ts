import { packageRequire } from '../../util/package-require.cjs';
import { type Compressor, CompressorError } from './compressor.js';

/** Options every compressor takes (`new ZlibCompressor({ minLength: 256, level: 9 })`). */
export interface CompressorOptions {
  /**
   * Values whose serialized length is at or below this many bytes are stored uncompressed.
   * Default {@link DEFAULT_COMPRESS_MIN_LENGTH}. (django-valkey: `CACHE_COMPRESS_MIN_LENGTH`.)
   */
  minLength?: number;
  /**
   * Compression level in the format's own range; each compressor documents its range and
   * default. (django-valkey: `CACHE_COMPRESS_LEVEL`; note Django treats `0` as "default", here
   * `0` is the level 0.)
   */
  level?: number;
}

/**
 * Default minimum length (bytes) above which values are compressed: 1 KiB, chosen by measurement
 * with `node scripts/measure-compression-threshold.mjs` (Node 20.20, 2 shared vCPU, JSON records;
 * each cell is output size and compress + decompress time of one value, the fastest of 7 samples,
 * best of two runs):
 *
 * | input  | zlib-6       | gzip-6       | brotli-4     | zstd-1       | lz4          |
 * |--------|--------------|--------------|--------------|--------------|--------------|
 * | 64 B   | 72 B, 21 us  | 84 B, 18 us  | 65 B, 18 us  | 73 B, 6 us   | 79 B, 4 us   |
 * | 128 B  | 117 B, 22 us | 131 B, 21 us | 104 B, 21 us | 116 B, 6 us  | 143 B, 4 us  |
 * | 256 B  | 187 B, 20 us | 188 B, 23 us | 174 B, 25 us | 187 B, 7 us  | 234 B, 6 us  |
 * | 512 B  | 274 B, 22 us | 282 B, 26 us | 263 B, 29 us | 289 B, 10 us | 357 B, 7 us  |
 * | 1 KiB  | 383 B, 26 us | 435 B, 30 us | 383 B, 38 us | 378 B, 10 us | 535 B, 8 us  |
 * | 4 KiB  | 975 B, 40 us | 996 B, 44 us | 980 B, 67 us | 1031 B, 26 us| 1592 B, 17 us|
 * | 16 KiB | 2982 B, 139 us | 3005 B, 153 us | 3003 B, 183 us | 3221 B, 58 us | 5368 B, 47 us |
 *
 * Every node:zlib call (zlib, gzip, brotli) costs ~15-20 us however small the input. Below
 * 128 B every compressor makes JSON *larger*; up to 512 B the saving is at most ~250 B (~4 us of
 * wire time at 1 Gbit/s, counting one write and one read) for 20-30 us of CPU. From 1 KiB values
 * shrink by 50-65 %: zstd and lz4 pay for their CPU on a 1 Gbit/s link from 1-2 KiB, zlib and
 * gzip from ~4 KiB (from ~1 KiB on a 100 Mbit/s link), and all of them save Valkey memory.
 * django-valkey's default, 15 bytes, spends ~20 us to grow most small values. Lower `minLength`
 * (e.g. 256) for zstd/lz4 when memory matters more than CPU.
 */
export const DEFAULT_COMPRESS_MIN_LENGTH = 1024;

/** The range and default of a compressor's `level` option. */
export interface LevelRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/**
 * Shared behaviour of the compressors: the `minLength` rule (compress only when longer than
 * `minLength`, as django-valkey does) and turning every decompression failure into a
 * {@link CompressorError}, which tells the value codec to use the bytes as they are.
 */
export abstract class BaseCompressor implements Compressor {
  /** Values at or below this many bytes are returned uncompressed by {@link compress}. */
  readonly minLength: number;
  /** The compression level in use. */
  readonly level: number;

  protected constructor(options: Readonly<CompressorOptions> | undefined, levels: LevelRange) {
    const minLength = options?.minLength ?? DEFAULT_COMPRESS_MIN_LENGTH;
    if (typeof minLength !== 'number' || !Number.isInteger(minLength) || minLength < 0) {
      throw new RangeError(
        `${this.constructor.name}: minLength must be an integer >= 0, got ${String(minLength)}`,
      );
    }
    const level = options?.level ?? levels.default;
    if (
      typeof level !== 'number' ||
      !Number.isInteger(level) ||
      level < levels.min ||
      level > levels.max
    ) {
      throw new RangeError(
        `${this.constructor.name}: level must be an integer from ${levels.min} to ${levels.max}, got ${String(level)}`,
      );
    }
    this.minLength = minLength;
    this.level = level;
  }

  /** Compresses `data` when it is longer than {@link minLength}; otherwise returns it as is. */
  compress(data: Buffer): Buffer {
    return data.length > this.minLength ? this.compressBytes(data) : data;
  }

  /** Decompresses `data`; throws {@link CompressorError} when it is not in this format. */
  decompress(data: Buffer): Buffer {
    // No format here has an empty encoding (zstd-napi and lz4-napi would return it as is).
    if (data.length === 0) throw new CompressorError(`${this.constructor.name}: empty payload`);
    try {
      return this.decompressBytes(data);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CompressorError(
        `${this.constructor.name}: not a valid compressed payload (${reason})`,
        {
          cause: error,
        },
      );
    }
  }

  /** Compresses unconditionally. */
  protected abstract compressBytes(data: Buffer): Buffer;

  /** Decompresses; may throw anything, {@link decompress} wraps it. */
  protected abstract decompressBytes(data: Buffer): Buffer;
}

/**
 * Loads an optional dependency synchronously (they are CommonJS packages), or throws an `Error`
 * telling how to install it. Called from a compressor's constructor, so a cache configured with a
 * compressor whose package is missing fails at boot, not on the first value.
 */
export function loadOptionalPackage<T>(packageName: string, className: string): T {
  try {
    return packageRequire(packageName) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing =
      code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(packageName);
    throw new Error(
      missing
        ? `${className} needs the optional package '${packageName}': run \`npm install ${packageName}\``
        : `${className} could not load the optional package '${packageName}' ` +
            `(reinstall it with \`npm install ${packageName}\`): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
