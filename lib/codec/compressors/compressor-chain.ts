import { type Compressor, CompressorError } from './compressor.js';
import { IdentityCompressor } from './identity-compressor.js';

/**
 * A compressor fallback chain (`compressor: ['zstd', 'zlib']`, as django-cachex has them): the
 * first member compresses every new value, and a stored value written by any member is read
 * back, so a cache shared with a Django service moves from one format to another without a
 * flush. The chain decompresses a stored payload with exactly one member, chosen this way:
 *
 * 1. the member whose {@link Compressor.sniff} accepts the payload's first bytes: zlib (`78 9c`
 *    and the other FCHECK-valid headers), gzip (`1f 8b 08`), zstd (`28 b5 2f fd`), lz4 frame
 *    (`04 22 4d 18`). These signatures exclude one another and never match an uncompressed JSON
 *    or msgpack value, so the choice is unambiguous. A payload whose signature belongs to no
 *    member, or that the chosen member cannot decode, is not tried elsewhere;
 * 2. otherwise the members without a signature (brotli, custom compressors without `sniff`),
 *    in chain order, until one does not throw {@link CompressorError};
 * 3. otherwise it throws {@link CompressorError}, and the value codec reads the payload as an
 *    uncompressed value (as a single compressor does for values at or below its minimum length).
 *
 * Brotli has no signature, so a value stored uncompressed can occasionally "decompress" as
 * brotli to garbage; the value codec then reads the stored bytes instead (as with a single
 * brotli compressor). An `IdentityCompressor` reads nothing: it may only come first, to
 * stop compressing while the values written by the others are still read.
 */
export class CompressorChain implements Compressor {
  /** The members with a signature, tried first by {@link Compressor.sniff}. */
  private readonly sniffing: readonly Compressor[];
  /** The members without one, tried in order when no signature matched. */
  private readonly trying: readonly Compressor[];

  /** @param members the chain, writer first; at least one. */
  constructor(readonly members: readonly Compressor[]) {
    if (members.length === 0)
      throw new RangeError('CompressorChain: needs at least one compressor');
    const readers = members.filter((c) => !(c instanceof IdentityCompressor));
    this.sniffing = readers.filter((c) => typeof c.sniff === 'function');
    this.trying = readers.filter((c) => typeof c.sniff !== 'function');
  }

  /** The member that compresses new values (the first). */
  get writer(): Compressor {
    return this.members[0]!;
  }

  /** Compresses with the {@link writer}. */
  compress(data: Buffer): Buffer {
    return this.members[0]!.compress(data);
  }

  /** Decompresses with the member chosen as described on the class. */
  decompress(data: Buffer): Buffer {
    for (const c of this.sniffing) if (c.sniff!(data)) return c.decompress(data);
    let first: unknown;
    for (const c of this.trying) {
      try {
        return c.decompress(data);
      } catch (error) {
        if (!(error instanceof CompressorError)) throw error;
        first ??= error;
      }
    }
    throw new CompressorError('no compressor of the chain recognised the payload', {
      cause: first,
    });
  }

  /** Whether any member recognises `data` by its signature. */
  sniff(data: Uint8Array): boolean {
    return this.sniffing.some((c) => c.sniff!(data));
  }
}
