/**
 * Serializer and compressor fallback chains: how a stored value is recognised (magic bytes for
 * compressors, "the first member that decodes the whole payload" for serializers), the writer
 * being the first member, and the boot-time checks of `options.serializer` / `options.compressor`
 * lists. Values written by Python are read through chains in python-interop-chains.spec.ts.
 */
import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { BrotliCompressor } from '../../lib/codec/compressors/brotli-compressor.js';
import { CompressorChain } from '../../lib/codec/compressors/compressor-chain.js';
import { type Compressor, CompressorError } from '../../lib/codec/compressors/compressor.js';
import { GzipCompressor } from '../../lib/codec/compressors/gzip-compressor.js';
import { IdentityCompressor } from '../../lib/codec/compressors/identity-compressor.js';
import { Lz4Compressor } from '../../lib/codec/compressors/lz4-compressor.js';
import {
  isGzipHeader,
  isLz4Frame,
  isZlibHeader,
  isZstdFrame,
} from '../../lib/codec/compressors/magic.js';
import { ZlibCompressor } from '../../lib/codec/compressors/zlib-compressor.js';
import { ZstdCompressor } from '../../lib/codec/compressors/zstd-compressor.js';
import { JsonSerializer } from '../../lib/codec/serializers/json-serializer.js';
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';
import { SerializerChain } from '../../lib/codec/serializers/serializer-chain.js';
import { ValueCodec } from '../../lib/codec/value-codec.js';
import { getCacheToken, type ValkeyCache } from '../../lib/index.js';
import { resolveCaches } from '../../lib/module/resolve-caches.js';
import { CacheTestingModule } from '../../lib/testing/index.js';
import { bootError } from '../support/boot-error.js';

const OK = 'valkey://127.0.0.1:6379/1';
const json = new JsonSerializer();
const msgpack = new MsgpackSerializer();
const all = (): Compressor[] => [
  new ZlibCompressor({ minLength: 0 }),
  new GzipCompressor({ minLength: 0 }),
  new ZstdCompressor({ minLength: 0 }),
  new Lz4Compressor({ minLength: 0 }),
  new BrotliCompressor({ minLength: 0 }),
];
const SIGNATURES = [isZlibHeader, isGzipHeader, isZstdFrame, isLz4Frame];

/** Values of every JSON/msgpack kind the serializers write (integers are stored raw). */
const VALUES: unknown[] = [
  'x',
  '',
  'hello world',
  true,
  false,
  null,
  1.5,
  -2.25e-10,
  [],
  [1, 2, 3],
  {},
  { a: 1, b: ['x', { c: null }] },
  'é ü 日本',
  'lorem ipsum '.repeat(200),
  { big: 'x'.repeat(5000), list: Array.from({ length: 50 }, (_, i) => i) },
];

describe('compressed formats are recognised by their signature', () => {
  it('each built-in signature matches its own output and no other', () => {
    const input = Buffer.from(JSON.stringify({ a: 'b'.repeat(300) }));
    const sniffing = all().filter((c) => c.sniff);
    expect(sniffing.map((c) => c.constructor.name)).toEqual([
      'ZlibCompressor',
      'GzipCompressor',
      'ZstdCompressor',
      'Lz4Compressor',
    ]);
    for (const [i, c] of sniffing.entries()) {
      const packed = c.compress(input);
      expect(SIGNATURES.map((sig) => sig(packed))).toEqual(SIGNATURES.map((_, j) => j === i));
    }
  });

  it('zlib: every level Python writes, and the FCHECK rule', () => {
    for (const level of [-1, 0, 1, 6, 9]) {
      const packed = new ZlibCompressor({ minLength: 0, level }).compress(Buffer.from('abc'));
      expect(isZlibHeader(packed)).toBe(true);
    }
    for (const header of ['7801', '785e', '789c', '78da', '081d', '2815']) {
      expect(isZlibHeader(Buffer.from(header, 'hex'))).toBe(true);
    }
    // 78 9d fails FCHECK; 78 bb sets FDICT; 79 has method 9; 88 has window 8 (> 7);
    // 28 b5 is zstd's magic: CM 8, CINFO 2 but FCHECK fails.
    for (const header of ['789d', '78bb', '799c', '8815', '28b5']) {
      expect(isZlibHeader(Buffer.from(header, 'hex'))).toBe(false);
    }
  });

  it('no signature matches an uncompressed value of either serializer', () => {
    for (const v of VALUES) {
      for (const s of [json, msgpack]) {
        const bytes = s.dumps(v);
        expect(SIGNATURES.some((sig) => sig(bytes))).toBe(false);
      }
    }
  });

  it('exhaustively: no 4-byte prefix is accepted by two signatures', () => {
    // Bytes 3 and 4 only matter as gzip's 08 or the tails of the zstd and lz4 magics.
    const tails = [
      [0x08, 0x00],
      [0x2f, 0xfd],
      [0x4d, 0x18],
    ];
    const overlaps: string[] = [];
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        for (const tail of tails) {
          const bytes = Buffer.from([a, b, ...tail]);
          if (SIGNATURES.filter((sig) => sig(bytes)).length > 1)
            overlaps.push(bytes.toString('hex'));
        }
      }
    }
    expect(overlaps).toEqual([]);
  });
});

describe('CompressorChain', () => {
  const input = Buffer.from('lorem ipsum dolor '.repeat(100));

  it('compresses with the first member only', () => {
    const chain = new CompressorChain([new ZstdCompressor({ minLength: 0 }), new ZlibCompressor()]);
    expect(isZstdFrame(chain.compress(input))).toBe(true);
    expect(chain.writer).toBe(chain.members[0]);
  });

  it('reads what any member wrote, whatever the order', () => {
    const writers = all();
    for (const order of [all(), all().reverse()]) {
      const chain = new CompressorChain(order);
      for (const w of writers) expect(chain.decompress(w.compress(input))).toEqual(input);
    }
  });

  it('a signature goes to its member only: a corrupt zstd frame is not tried as brotli', () => {
    const brotli = new BrotliCompressor({ minLength: 0 });
    const spy = jest.spyOn(brotli, 'decompress');
    const chain = new CompressorChain([brotli, new ZstdCompressor({ minLength: 0 })]);
    const packed = new ZstdCompressor({ minLength: 0 }).compress(input);
    expect(() => chain.decompress(packed.subarray(0, packed.length - 3))).toThrow(CompressorError);
    expect(spy).not.toHaveBeenCalled();
  });

  it('a signature of a format outside the chain is not decompressed', () => {
    const chain = new CompressorChain([new ZstdCompressor(), new ZlibCompressor()]);
    expect(() => chain.decompress(new GzipCompressor({ minLength: 0 }).compress(input))).toThrow(
      CompressorError,
    );
  });

  it('unsigned members (brotli) are tried when no signature matched', () => {
    const chain = new CompressorChain([new ZstdCompressor(), new BrotliCompressor()]);
    const packed = new BrotliCompressor({ minLength: 0 }).compress(input);
    expect(chain.decompress(packed)).toEqual(input);
    expect(() => chain.decompress(Buffer.from('{"a":1}'))).toThrow(CompressorError);
  });

  it('identity first stops compressing; the others are still read', () => {
    const chain = new CompressorChain([new IdentityCompressor(), new ZlibCompressor()]);
    expect(chain.compress(input)).toBe(input);
    expect(chain.decompress(new ZlibCompressor({ minLength: 0 }).compress(input))).toEqual(input);
    expect(() => chain.decompress(input)).toThrow(CompressorError);
  });
});

describe('SerializerChain', () => {
  it('writes with the first member', () => {
    expect(new SerializerChain([msgpack, json]).dumps({ a: 1 })).toEqual(msgpack.dumps({ a: 1 }));
    expect(new SerializerChain([json, msgpack]).dumps({ a: 1 })).toEqual(json.dumps({ a: 1 }));
    expect(new SerializerChain([json, msgpack]).dumpsText({ a: 1 })).toBe('{"a":1}');
    expect(() => new SerializerChain([msgpack, json]).dumpsText(1)).toThrow(TypeError);
  });

  it('reads either format in either order, with the same value', () => {
    for (const chain of [
      new SerializerChain([msgpack, json]),
      new SerializerChain([json, msgpack]),
    ]) {
      for (const v of VALUES) {
        expect(chain.loads(json.dumps(v))).toEqual(v);
        expect(chain.loads(msgpack.dumps(v))).toEqual(v);
      }
    }
  });

  it('msgpack refuses every JSON text (trailing bytes); JSON refuses every msgpack value', () => {
    for (const v of VALUES) {
      expect(() => msgpack.loads(json.dumps(v))).toThrow();
      expect(() => json.loads(msgpack.dumps(v))).toThrow();
    }
  });

  it('the ambiguous case: a single byte below 0x80 is a msgpack fixint, for either order', () => {
    for (const chain of [
      new SerializerChain([msgpack, json]),
      new SerializerChain([json, msgpack]),
    ]) {
      expect(chain.loads(Buffer.from([0x00]))).toBe(0);
      expect(chain.loads(Buffer.from([0x7f]))).toBe(127);
      expect(chain.loads(Buffer.from([0x20]))).toBe(32); // " " is no JSON value
    }
  });

  it('throws the first member error when none decodes', () => {
    const chain = new SerializerChain([json, msgpack]);
    expect(() => chain.loads(Buffer.from([0xc1]))).toThrow(SyntaxError);
  });
});

describe('ValueCodec with chains', () => {
  it('digits stay integers before any serializer', () => {
    const codec = new ValueCodec(new SerializerChain([msgpack, json]), new IdentityCompressor());
    expect(codec.decode(Buffer.from('57'))).toBe(57);
    expect(codec.encode(57)).toBe('57');
  });

  it('a json writer keeps the text fast path; an msgpack writer has none', () => {
    const text = new ValueCodec(new SerializerChain([json, msgpack]), new IdentityCompressor());
    expect(text.encodeForWire({ a: 1 })).toBe('{"a":1}');
    const binary = new ValueCodec(new SerializerChain([msgpack, json]), new IdentityCompressor());
    expect(binary.encodeForWire({ a: 1 })).toEqual(msgpack.dumps({ a: 1 }));
    const zipped = new ValueCodec(
      new SerializerChain([json, msgpack]),
      new CompressorChain([new ZlibCompressor({ minLength: 64 }), new GzipCompressor()]),
    );
    expect(zipped.encodeForWire('short')).toBe('"short"');
    expect(isZlibHeader(zipped.encodeForWire('x'.repeat(200)) as Buffer)).toBe(true);
  });

  it('every serializer x compressor combination written is read by the chains', () => {
    const codec = new ValueCodec(
      new SerializerChain([msgpack, json]),
      new CompressorChain(all().reverse()),
    );
    for (const s of [json, msgpack]) {
      for (const c of [new IdentityCompressor(), ...all()]) {
        const writer = new ValueCodec(s, c);
        for (const v of VALUES) expect(codec.decode(writer.encode(v))).toEqual(v);
      }
    }
  });
});

describe('options.serializer / options.compressor lists at boot', () => {
  it('a list of two builds chains; a list of one is that member alone', () => {
    const [two, one] = resolveCaches({
      two: {
        location: OK,
        options: { serializer: ['msgpack', 'json'], compressor: ['zstd', 'zlib'] },
      },
      one: { location: OK, options: { serializer: ['msgpack'], compressor: ['zlib'] } },
    });
    expect(two!.serializer).toBeInstanceOf(SerializerChain);
    expect((two!.serializer as SerializerChain).members.map((m) => m.constructor.name)).toEqual([
      'MsgpackSerializer',
      'JsonSerializer',
    ]);
    expect((two!.compressor as CompressorChain).members.map((m) => m.constructor.name)).toEqual([
      'ZstdCompressor',
      'ZlibCompressor',
    ]);
    expect(one!.serializer).toBeInstanceOf(MsgpackSerializer);
    expect(one!.compressor).toBeInstanceOf(ZlibCompressor);
  });

  it('compressLevel goes to the first compressor, compressMinLength to all', () => {
    const [cfg] = resolveCaches({
      c: {
        location: OK,
        options: { compressor: ['gzip', 'zlib'], compressLevel: 0, compressMinLength: 10 },
      },
    });
    const [gzip, zlib] = (cfg!.compressor as CompressorChain).members as [
      GzipCompressor,
      ZlibCompressor,
    ];
    expect([gzip.level, gzip.minLength, zlib.level, zlib.minLength]).toEqual([0, 10, 6, 10]);
  });

  const BAD: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'an empty serializer list',
      { serializer: [] },
      'options.serializer',
      /at least one serializer/,
    ],
    [
      'an empty compressor list',
      { compressor: [] },
      'options.compressor',
      /at least one compressor/,
    ],
    [
      'an unknown name',
      { serializer: ['json', 'yaml'] },
      'options.serializer[1]',
      /unknown serializer 'yaml'/,
    ],
    ['pickle', { serializer: ['json', 'pickle'] }, 'options.serializer[1]', /Python-only/],
    [
      'a duplicate',
      { serializer: ['json', 'msgpack', 'JSONSerializer'] },
      'options.serializer[2]',
      /"JSONSerializer" is already options.serializer\[0\]/,
    ],
    [
      'a duplicate compressor',
      { compressor: ['zlib', 'zstd', 'zlib'] },
      'options.compressor[2]',
      /already options.compressor\[0\]/,
    ],
    [
      'a non-name member',
      { compressor: ['zlib', 42] },
      'options.compressor[1]',
      /name, class or instance/,
    ],
    [
      'a nested list',
      { compressor: ['zlib', ['gzip']] },
      'options.compressor[1]',
      /name, class or instance/,
    ],
    [
      'identity after the first',
      { compressor: ['zlib', 'identity'] },
      'options.compressor[1]',
      /may only come first/,
    ],
    ['lzma', { compressor: ['zstd', 'lzma'] }, 'options.compressor[1]', /not supported/],
    [
      'a level out of the first one',
      { compressor: ['gzip', 'zlib'], compressLevel: -1 },
      'options.compressLevel',
      /GzipCompressor/,
    ],
  ];

  it.each(BAD)(
    '%s is refused, naming the alias and the option path',
    async (_name, options, path, why) => {
      const err = await bootError({ default: { location: OK, options } });
      const line = err.message.split('\n').find((l) => l.includes(`- caches.default.${path}: `));
      expect(line).toMatch(why);
    },
  );

  it('identity first is allowed', () => {
    const [cfg] = resolveCaches({
      c: { location: OK, options: { compressor: ['identity', 'gzip'] } },
    });
    expect((cfg!.compressor as CompressorChain).writer).toBeInstanceOf(IdentityCompressor);
  });
});

describe('chains in the testing kit', () => {
  it('a [msgpack, json] cache reads what a json cache wrote to the same location', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        CacheTestingModule.forRoot({
          old: { location: 'valkey://kit/0' },
          chain: { location: 'valkey://kit/0', options: { serializer: ['msgpack', 'json'] } },
        }),
      ],
    }).compile();
    const old = ref.get<ValkeyCache>(getCacheToken('old'));
    const chain = ref.get<ValkeyCache>(getCacheToken('chain'));
    await old.set('a', { v: [1, 'x'] });
    expect(await chain.get('a')).toEqual({ v: [1, 'x'] });
    await chain.set('b', { w: true });
    const raw = old.getClient({ key: 'b' });
    expect(await raw.getBuffer(old.makeKey('b'))).toEqual(msgpack.dumps({ w: true }));
    await ref.close();
  });
});
