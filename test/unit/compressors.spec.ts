import { randomBytes } from 'node:crypto';

import {
  BaseCompressor,
  DEFAULT_COMPRESS_MIN_LENGTH,
  loadOptionalPackage,
} from '../../lib/codec/compressors/base-compressor.js';
import { BrotliCompressor } from '../../lib/codec/compressors/brotli-compressor.js';
import {
  type Compressor,
  type CompressorClass,
  CompressorError,
} from '../../lib/codec/compressors/compressor.js';
import {
  compressors,
  knownUnsupported,
  unsupportedCompressorReason,
} from '../../lib/codec/compressors/compressor-registry.js';
import { GzipCompressor } from '../../lib/codec/compressors/gzip-compressor.js';
import { IdentityCompressor } from '../../lib/codec/compressors/identity-compressor.js';
import { Lz4Compressor } from '../../lib/codec/compressors/lz4-compressor.js';
import { ZlibCompressor } from '../../lib/codec/compressors/zlib-compressor.js';
import { ZstdCompressor } from '../../lib/codec/compressors/zstd-compressor.js';

/** A JSON-like payload of about `size` bytes. */
function payload(size: number): Buffer {
  const items: unknown[] = [];
  let text = '';
  for (let i = 0; text.length < size; i++) {
    items.push({
      id: 1000 + i,
      name: `user ${i}`,
      email: `user${i}@example.com`,
      active: i % 3 === 0,
      tags: ['a', 'b'],
    });
    text = JSON.stringify(items);
  }
  return Buffer.from(text.slice(0, size));
}

type Case = {
  name: string;
  cls: new (options?: { minLength?: number; level?: number }) => BaseCompressor;
  /** The first bytes every output starts with, when the format has a magic number. */
  magic?: string;
  levels: { valid: number[]; invalid: number[] };
};

const cases: Case[] = [
  {
    name: 'zlib',
    cls: ZlibCompressor,
    magic: '78',
    levels: { valid: [-1, 0, 1, 9], invalid: [10, -2, 1.5] },
  },
  {
    name: 'gzip',
    cls: GzipCompressor,
    magic: '1f8b08',
    levels: { valid: [0, 1, 9], invalid: [10, -1] },
  },
  { name: 'brotli', cls: BrotliCompressor, levels: { valid: [0, 4, 11], invalid: [12, -1] } },
  {
    name: 'zstd',
    cls: ZstdCompressor,
    magic: '28b52ffd',
    levels: { valid: [-5, 1, 3, 19], invalid: [23] },
  },
  {
    name: 'lz4',
    cls: Lz4Compressor,
    magic: '04224d18',
    levels: { valid: [0, 16], invalid: [17, -1] },
  },
];

describe.each(cases)('$name compressor', ({ cls, magic, levels }) => {
  const compressor = new cls({ minLength: 0 });

  it('round-trips JSON-like data and shrinks it', () => {
    const input = payload(8000);
    const out = compressor.compress(input);
    expect(out.length).toBeLessThan(input.length / 2);
    if (magic) expect(out.subarray(0, magic.length / 2).toString('hex')).toBe(magic);
    expect(compressor.decompress(out)).toEqual(input);
  });

  it.each([1, 17, 1000, 70_000, 300_000])('round-trips %i random bytes', (size) => {
    const input = randomBytes(size);
    // Buffer#equals: jest's toEqual walks big Buffers byte by byte.
    expect(compressor.decompress(compressor.compress(input)).equals(input)).toBe(true);
  });

  it('round-trips unicode text', () => {
    const input = Buffer.from('héllo wörld ✓ 😀 中文 '.repeat(100));
    expect(compressor.decompress(compressor.compress(input))).toEqual(input);
  });

  describe('minLength', () => {
    it(`defaults to ${DEFAULT_COMPRESS_MIN_LENGTH} bytes: at or below it the input is returned as is`, () => {
      const c = new cls();
      expect(c.minLength).toBe(DEFAULT_COMPRESS_MIN_LENGTH);
      const atLimit = payload(DEFAULT_COMPRESS_MIN_LENGTH);
      expect(c.compress(atLimit)).toBe(atLimit);
      const small = Buffer.from('{"a":1}');
      expect(c.compress(small)).toBe(small);
      const above = payload(DEFAULT_COMPRESS_MIN_LENGTH + 1);
      const out = c.compress(above);
      expect(out).not.toBe(above);
      expect(c.decompress(out)).toEqual(above);
    });

    it('can be set per instance', () => {
      const c = new cls({ minLength: 256 });
      const at = payload(256);
      expect(c.compress(at)).toBe(at);
      const above = payload(257);
      expect(c.compress(above)).not.toBe(above);
    });

    it('0 compresses everything that is not empty', () => {
      const one = Buffer.from('x');
      expect(compressor.compress(one)).not.toBe(one);
      const empty = Buffer.alloc(0);
      expect(compressor.compress(empty)).toBe(empty);
    });

    it.each([-1, 1.5, Number.NaN, '10'])('rejects %p', (minLength) => {
      expect(() => new cls({ minLength: minLength as number })).toThrow(RangeError);
    });
  });

  describe('level', () => {
    it.each(levels.valid)('accepts %p', (level) => {
      const c = new cls({ level, minLength: 0 });
      expect(c.level).toBe(level);
      const input = payload(3000);
      expect(c.decompress(c.compress(input))).toEqual(input);
    });

    it.each(levels.invalid)('rejects %p', (level) => {
      expect(() => new cls({ level })).toThrow(RangeError);
    });
  });

  describe('decompress of bytes not in this format throws CompressorError', () => {
    it.each<[string, Buffer]>([
      ['JSON text', Buffer.from('{"id": 1, "name": "not compressed at all, just JSON text"}')],
      ['msgpack', Buffer.from('82a16101a162a3616263', 'hex')],
      ['empty input', Buffer.alloc(0)],
    ])('%s', (_name, data) => {
      expect(() => compressor.decompress(data)).toThrow(CompressorError);
    });

    it('truncated output', () => {
      const out = compressor.compress(payload(5000));
      const truncated = out.subarray(0, out.length - 20);
      expect(() => compressor.decompress(truncated)).toThrow(CompressorError);
    });

    it('keeps the library error as the cause', () => {
      try {
        compressor.decompress(Buffer.from('definitely not compressed'));
        throw new Error('expected a CompressorError');
      } catch (error) {
        expect(error).toBeInstanceOf(CompressorError);
        expect((error as CompressorError).name).toBe('CompressorError');
        expect((error as Error).message).toMatch(/not a valid compressed payload/);
        expect((error as Error).cause).toBeDefined();
      }
    });
  });

  it('is a CompressorClass taking the cache options record', () => {
    const asClass: CompressorClass = cls;
    const instance: Compressor = new asClass({ minLength: 10 });
    expect(instance).toBeInstanceOf(cls);
  });
});

describe('format details', () => {
  it('gzip reads several concatenated members as one payload, as Python does', () => {
    const gzip = new GzipCompressor({ minLength: 0 });
    const joined = Buffer.concat([
      gzip.compress(Buffer.from('hello ')),
      gzip.compress(Buffer.from('world')),
    ]);
    expect(gzip.decompress(joined).toString()).toBe('hello world');
  });

  it('zstd reads several concatenated frames', () => {
    const zstd = new ZstdCompressor({ minLength: 0 });
    const joined = Buffer.concat([
      zstd.compress(Buffer.from('hello ')),
      zstd.compress(Buffer.from('world')),
    ]);
    expect(zstd.decompress(joined).toString()).toBe('hello world');
  });

  it('zlib detects a corrupted checksum', () => {
    const zlib = new ZlibCompressor({ minLength: 0 });
    const out = Buffer.from(zlib.compress(payload(2000)));
    out[out.length - 1] ^= 0xff;
    expect(() => zlib.decompress(out)).toThrow(CompressorError);
  });

  it('higher levels do not produce bigger output on JSON', () => {
    const input = payload(20_000);
    expect(
      new ZlibCompressor({ level: 9, minLength: 0 }).compress(input).length,
    ).toBeLessThanOrEqual(new ZlibCompressor({ level: 1, minLength: 0 }).compress(input).length);
    expect(new BrotliCompressor({ level: 11, minLength: 0 }).compress(input).length).toBeLessThan(
      new BrotliCompressor({ level: 1, minLength: 0 }).compress(input).length,
    );
  });
});

describe('IdentityCompressor', () => {
  const identity = new IdentityCompressor({ minLength: 0 });
  it('returns its input for compress and decompress, and never throws', () => {
    const data = payload(5000);
    expect(identity.compress(data)).toBe(data);
    expect(identity.decompress(data)).toBe(data);
    expect(identity.decompress(Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });
});

describe('optional packages', () => {
  it('loads an installed package synchronously', () => {
    expect(
      typeof loadOptionalPackage<{ compressFrameSync: unknown }>('lz4-napi', 'Lz4Compressor')
        .compressFrameSync,
    ).toBe('function');
  });

  it('tells how to install a missing package', () => {
    expect(() => loadOptionalPackage('no-such-package-nestjs-valkey', 'ZstdCompressor')).toThrow(
      "ZstdCompressor needs the optional package 'no-such-package-nestjs-valkey': run `npm install no-such-package-nestjs-valkey`",
    );
  });
});

describe('compressor registry', () => {
  it.each<[string, unknown]>([
    ['identity', IdentityCompressor],
    ['IdentityCompressor', IdentityCompressor],
    ['django_valkey.compressors.identity.IdentityCompressor', IdentityCompressor],
    ['zlib', ZlibCompressor],
    ['django_valkey.compressors.zlib.ZlibCompressor', ZlibCompressor],
    ['gzip', GzipCompressor],
    ['django_valkey.compressors.gzip.GzipCompressor', GzipCompressor],
    ['brotli', BrotliCompressor],
    ['django_valkey.compressors.brotli.BrotliCompressor', BrotliCompressor],
    ['zstd', ZstdCompressor],
    ['ZStdCompressor', ZstdCompressor],
    ['ZstdCompressor', ZstdCompressor],
    ['django_valkey.compressors.zstd.ZStdCompressor', ZstdCompressor],
    ['lz4', Lz4Compressor],
    ['django_valkey.compressors.lz4.Lz4Compressor', Lz4Compressor],
  ])('resolves %s', (name, cls) => {
    expect(compressors.lookup(name)).toBe(cls);
  });

  it('lists lzma and bz2 as known but unsupported', () => {
    for (const name of [
      'lzma',
      'LzmaCompressor',
      'django_valkey.compressors.lzma.LzmaCompressor',
    ]) {
      expect(compressors.lookup(name)).toBeUndefined();
      expect(unsupportedCompressorReason(name)).toMatch(/^not supported: .*lzma/);
    }
    for (const name of ['bz2', 'Bz2Compressor', 'django_valkey.compressors.bz2.Bz2Compressor']) {
      expect(compressors.lookup(name)).toBeUndefined();
      expect(unsupportedCompressorReason(name)).toMatch(/^not supported: .*bzip2/);
    }
    expect(knownUnsupported.size).toBe(4);
    expect(unsupportedCompressorReason('zlib')).toBeUndefined();
  });
});
