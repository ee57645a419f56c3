import { ClassRegistry } from '../../util/class-registry.js';
import { BrotliCompressor } from './brotli-compressor.js';
import type { Compressor } from './compressor.js';
import { GzipCompressor } from './gzip-compressor.js';
import { IdentityCompressor } from './identity-compressor.js';
import { Lz4Compressor } from './lz4-compressor.js';
import { ZlibCompressor } from './zlib-compressor.js';
import { ZstdCompressor } from './zstd-compressor.js';

/**
 * Compressors a config may name, by short name, class name or django-valkey dotted path
 * (`'django_valkey.compressors.zlib.ZlibCompressor'`): `identity` (default), `zlib`, `gzip`,
 * `brotli`, `zstd` (`ZStdCompressor`, optional package `zstd-napi`) and `lz4` (optional package
 * `lz4-napi`). Looking a class up never loads its optional package; constructing it does.
 */
export const compressors: ClassRegistry<Compressor> = new ClassRegistry<Compressor>('compressor')
  .register(IdentityCompressor, 'identity', 'IdentityCompressor')
  .register(ZlibCompressor, 'zlib', 'ZlibCompressor')
  .register(GzipCompressor, 'gzip', 'GzipCompressor')
  .register(BrotliCompressor, 'brotli', 'BrotliCompressor')
  .register(ZstdCompressor, 'zstd', 'ZStdCompressor', 'ZstdCompressor')
  .register(Lz4Compressor, 'lz4', 'Lz4Compressor');

const LZMA_REASON =
  'not supported: Node has no lzma/xz codec in node:zlib and no well-kept synchronous npm binding; ' +
  "use 'zstd' (similar ratio, far faster) on both services";
const BZ2_REASON =
  "not supported: Node has no bzip2 codec in node:zlib and no well-kept npm binding; use 'zstd' or 'gzip' on both services";

/**
 * Compressor names django-valkey accepts that this module does not, with the reason to show in a
 * config error. Keys are short names; resolve dotted paths with {@link unsupportedCompressorReason}.
 */
export const knownUnsupported: ReadonlyMap<string, string> = new Map([
  ['lzma', LZMA_REASON],
  ['LzmaCompressor', LZMA_REASON],
  ['bz2', BZ2_REASON],
  ['Bz2Compressor', BZ2_REASON],
]);

/**
 * The reason a compressor name (short name or dotted Django path, e.g.
 * `'django_valkey.compressors.lzma.LzmaCompressor'`) is unsupported, or `undefined`.
 */
export function unsupportedCompressorReason(name: string): string | undefined {
  return knownUnsupported.get(name) ?? knownUnsupported.get(name.slice(name.lastIndexOf('.') + 1));
}
