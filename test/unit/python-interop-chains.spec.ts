/**
 * Bytes Python wrote (test/fixtures/python-vectors/vectors.json, see python-interop.spec.ts,
 * which checks each against its expected value through the matching single codec) read through
 * fallback chains: every vector must decode through a chain to the same value as through the
 * single codec of the format that wrote it, whatever the chain's order.
 */
import { createHash } from 'node:crypto';

import { BrotliCompressor } from '../../lib/codec/compressors/brotli-compressor.js';
import { CompressorChain } from '../../lib/codec/compressors/compressor-chain.js';
import type { Compressor } from '../../lib/codec/compressors/compressor.js';
import { GzipCompressor } from '../../lib/codec/compressors/gzip-compressor.js';
import { IdentityCompressor } from '../../lib/codec/compressors/identity-compressor.js';
import { Lz4Compressor } from '../../lib/codec/compressors/lz4-compressor.js';
import { ZlibCompressor } from '../../lib/codec/compressors/zlib-compressor.js';
import { ZstdCompressor } from '../../lib/codec/compressors/zstd-compressor.js';
import { JsonSerializer } from '../../lib/codec/serializers/json-serializer.js';
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';
import { SerializerChain } from '../../lib/codec/serializers/serializer-chain.js';
import type { Serializer } from '../../lib/codec/serializers/serializer.js';
import { ValueCodec } from '../../lib/codec/value-codec.js';
import { loadPythonVectors } from '../support/python-vectors.js';

const vectors = loadPythonVectors();
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

const SERIALIZERS: Record<string, () => Serializer> = {
  json: () => new JsonSerializer(),
  msgpack: () => new MsgpackSerializer(),
};
const COMPRESSORS: Record<string, () => Compressor> = {
  identity: () => new IdentityCompressor(),
  zlib: () => new ZlibCompressor(),
  gzip: () => new GzipCompressor(),
  brotli: () => new BrotliCompressor(),
  lz4: () => new Lz4Compressor(),
  zstd: () => new ZstdCompressor(),
};
const COMPRESSED = ['zlib', 'gzip', 'brotli', 'lz4', 'zstd'];

/** Serializer chains in both orders, and compressor chains with every member first and last. */
const serializerChains = (): Serializer[] => [
  new SerializerChain([new MsgpackSerializer(), new JsonSerializer()]),
  new SerializerChain([new JsonSerializer(), new MsgpackSerializer()]),
];
const compressorChains = (): CompressorChain[] => [
  new CompressorChain(COMPRESSED.map((c) => COMPRESSORS[c]!())),
  new CompressorChain([...COMPRESSED].reverse().map((c) => COMPRESSORS[c]!())),
  new CompressorChain([new IdentityCompressor(), ...COMPRESSED.map((c) => COMPRESSORS[c]!())]),
];

/** Equality that treats NaN as NaN. */
const expectSame = (actual: unknown, expected: unknown): void => {
  if (typeof expected === 'number' && Number.isNaN(expected)) expect(actual).toBeNaN();
  else expect(actual).toEqual(expected);
};

describe('Python vectors read through fallback chains', () => {
  it.each(['raw', 'json', 'msgpack'] as const)('%s values: same as the single codec', (group) => {
    for (const [name, bytes] of Object.entries(vectors[group])) {
      const single = new ValueCodec(
        SERIALIZERS[group === 'msgpack' ? 'msgpack' : 'json']!(),
        new IdentityCompressor(),
      );
      const expected = single.decode(hex(bytes));
      for (const s of serializerChains()) {
        for (const c of [new IdentityCompressor(), ...compressorChains()]) {
          const got = new ValueCodec(s, c).decode(hex(bytes));
          try {
            expectSame(got, expected);
          } catch (error) {
            throw new Error(`${group}/${name}: ${(error as Error).message}`, { cause: error });
          }
        }
      }
    }
  });

  it.each(Object.keys(vectors.compressed))('compressed %s: the payload', (name) => {
    const payload = Buffer.from(vectors.payload, 'utf8');
    for (const chain of compressorChains()) {
      expect(chain.decompress(hex(vectors.compressed[name]!))).toEqual(payload);
    }
  });

  it.each(Object.keys(vectors.large.compressed))('large %s: the payload', (name) => {
    for (const chain of compressorChains()) {
      const out = chain.decompress(hex(vectors.large.compressed[name]!));
      expect(createHash('sha256').update(out).digest('hex')).toBe(vectors.large.sha256);
    }
  });

  it.each(Object.keys(vectors.django))("django-valkey's encode() %s", (name) => {
    const [s, c] = name.split('/') as [string, string];
    const bytes = hex(vectors.django[name]!);
    const expected = new ValueCodec(SERIALIZERS[s]!(), COMPRESSORS[c]!()).decode(bytes);
    for (const serializer of serializerChains()) {
      for (const compressor of compressorChains()) {
        expect(new ValueCodec(serializer, compressor).decode(bytes)).toEqual(expected);
      }
    }
  });
});
