import { ValueCodec } from '../../lib/codec/value-codec.js';
import { BrotliCompressor } from '../../lib/codec/compressors/brotli-compressor.js';
import { type Compressor, CompressorError } from '../../lib/codec/compressors/compressor.js';
import { GzipCompressor } from '../../lib/codec/compressors/gzip-compressor.js';
import { IdentityCompressor } from '../../lib/codec/compressors/identity-compressor.js';
import { Lz4Compressor } from '../../lib/codec/compressors/lz4-compressor.js';
import { ZlibCompressor } from '../../lib/codec/compressors/zlib-compressor.js';
import { ZstdCompressor } from '../../lib/codec/compressors/zstd-compressor.js';
import { JsonSerializer } from '../../lib/codec/serializers/json-serializer.js';
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';
import type { Serializer } from '../../lib/codec/serializers/serializer.js';

const json = new JsonSerializer();
const msgpack = new MsgpackSerializer();
const identity = new IdentityCompressor();
const jsonCodec = new ValueCodec(json, identity);
const msgpackCodec = new ValueCodec(msgpack, identity);
const b = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('ValueCodec', () => {
  describe('integers are stored raw', () => {
    it.each<[string, number | bigint, string]>([
      ['zero', 0, '0'],
      ['negative zero', -0, '0'],
      ['positive', 42, '42'],
      ['negative', -7, '-7'],
      ['max safe integer', Number.MAX_SAFE_INTEGER, '9007199254740991'],
      ['min safe integer', Number.MIN_SAFE_INTEGER, '-9007199254740991'],
      ['small bigint', 5n, '5'],
      ['bigint 2^53', 2n ** 53n, '9007199254740992'],
      ['int64 max', 2n ** 63n - 1n, '9223372036854775807'],
      ['int64 min', -(2n ** 63n), '-9223372036854775808'],
    ])('%s', (_name, value, raw) => {
      for (const codec of [jsonCodec, msgpackCodec]) expect(codec.encode(value)).toBe(raw);
    });

    it('never compresses them, whatever the compressor', () => {
      const codec = new ValueCodec(json, new ZlibCompressor({ minLength: 0 }));
      expect(codec.encode(1234567890123)).toBe('1234567890123');
    });

    it.each<[string, string, number | bigint]>([
      ['zero', '0', 0],
      ['positive', '42', 42],
      ['negative (django-valkey reads it as a float)', '-7', -7],
      ['negative zero', '-0', 0],
      ['leading zeros, as Python int() reads them', '007', 7],
      ['15 digits', '999999999999999', 999999999999999],
      ['max safe integer', '9007199254740991', Number.MAX_SAFE_INTEGER],
      ['min safe integer', '-9007199254740991', Number.MIN_SAFE_INTEGER],
      ['2^53 as a bigint', '9007199254740992', 2n ** 53n],
      ['2^53 + 1', '9007199254740993', 2n ** 53n + 1n],
      ['int64 max', '9223372036854775807', 2n ** 63n - 1n],
      ['int64 min', '-9223372036854775808', -(2n ** 63n)],
      ['beyond int64 (Python ints are unbounded)', '1267650600228229401496703205376', 2n ** 100n],
    ])('decodes %s', (_name, raw, value) => {
      expect(jsonCodec.decode(b(raw))).toBe(value);
      expect(msgpackCodec.decode(b(raw))).toBe(value);
      expect(jsonCodec.decode(raw)).toBe(value);
    });

    it('serializes integers beyond int64 (JSON writes digits, so they read back as the same bigint)', () => {
      for (const value of [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 100n]) {
        const encoded = jsonCodec.encode(value);
        expect(Buffer.isBuffer(encoded)).toBe(true);
        expect(jsonCodec.decode(encoded)).toBe(value);
      }
      const uint64 = msgpackCodec.encode(2n ** 64n - 1n) as Buffer;
      expect(uint64.toString('hex')).toBe('cfffffffffffffffff');
      expect(msgpackCodec.decode(uint64)).toBe(2n ** 64n - 1n);
      expect(() => msgpackCodec.encode(2n ** 64n)).toThrow(/beyond 64 bits/);
    });

    it('serializes a number that is not a safe integer (2^53 comes back exact, as a bigint with JSON)', () => {
      const encoded = jsonCodec.encode(2 ** 53);
      expect(Buffer.isBuffer(encoded)).toBe(true);
      expect(jsonCodec.decode(encoded)).toBe(2n ** 53n);
      expect(msgpackCodec.decode(msgpackCodec.encode(2 ** 53))).toBe(2 ** 53);
    });
  });

  describe('booleans are not integers', () => {
    it('serializes them', () => {
      expect(jsonCodec.encode(true)).toEqual(Buffer.from('true'));
      expect(jsonCodec.encode(false)).toEqual(Buffer.from('false'));
      expect(msgpackCodec.encode(true)).toEqual(Buffer.from([0xc3]));
      for (const codec of [jsonCodec, msgpackCodec]) {
        expect(codec.decode(codec.encode(true))).toBe(true);
        expect(codec.decode(codec.encode(false))).toBe(false);
      }
    });
  });

  describe('floats', () => {
    it.each([1.5, -2.5e-300, 0.1 + 0.2, 1e21, -1e-7, 1.7976931348623157e308, Infinity, -Infinity])(
      'round-trips %p through the serializer',
      (value) => {
        for (const codec of [jsonCodec, msgpackCodec]) {
          const encoded = codec.encode(value);
          expect(typeof encoded).not.toBe('string');
          expect(codec.decode(encoded)).toBe(value);
        }
      },
    );

    it('round-trips NaN', () => {
      expect(jsonCodec.decode(jsonCodec.encode(NaN))).toBeNaN();
      expect(msgpackCodec.decode(msgpackCodec.encode(NaN))).toBeNaN();
    });

    it.each<[string, number]>([
      ['1.5', 1.5],
      ['-2.5', -2.5],
      ['3.0', 3],
      ['-0.0', -0],
      ['1e+100', 1e100],
      ['1e-05', 1e-5],
      ['-2e3', -2000],
      ['1E5', 100000],
      ['0.30000000000000004', 0.30000000000000004],
      ['1e400', Infinity],
      ['inf', Infinity],
      ['-inf', -Infinity],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ])('decodes the raw float %s as Python writes it (repr or json.dumps)', (raw, value) => {
      expect(jsonCodec.decode(b(raw))).toBe(value);
      expect(msgpackCodec.decode(b(raw))).toBe(value);
    });

    it.each(['nan', 'NaN'])('decodes %s', (raw) => {
      expect(msgpackCodec.decode(b(raw))).toBeNaN();
      expect(jsonCodec.decode(b(raw))).toBeNaN();
    });

    it.each([
      '1_000',
      '+1',
      ' 1',
      '1 ',
      '.5',
      '1.',
      '1e',
      '1e+',
      '0x10',
      '--1',
      '1-',
      'infinity',
      'INF',
      '-nan',
      '١٢',
    ])('does not read %p as a number (only the plain forms Python writes)', (raw) => {
      // Neither a number nor valid msgpack: decoding fails instead of guessing.
      expect(() => msgpackCodec.decode(Buffer.from(raw))).toThrow();
    });
  });

  describe('other values go through serializer and compressor', () => {
    const values: [string, unknown][] = [
      ['null', null],
      ['string', 'hello'],
      ['string of digits stays a string', '12345'],
      ['string like a float stays a string', '1.5'],
      ['empty string', ''],
      ['unicode', 'héllo wörld ✓ 😀 中文'],
      ['array', [1, 'two', 3.5, null, true]],
      ['nested', { a: { b: [1, { c: 'd' }] }, e: [], f: {} }],
      ['nested big integers', { id: 2n ** 63n - 1n, neg: -(2n ** 63n), ok: 5 }],
      ['long text', 'lorem ipsum '.repeat(2000)],
      [
        'list of records',
        Array.from({ length: 200 }, (_, i) => ({ id: i, name: `user ${i}`, active: i % 2 === 0 })),
      ],
    ];

    const compressorsUnderTest: [string, () => Compressor][] = [
      ['identity', () => new IdentityCompressor()],
      ['zlib', () => new ZlibCompressor({ minLength: 0 })],
      ['gzip', () => new GzipCompressor({ minLength: 0 })],
      ['brotli', () => new BrotliCompressor({ minLength: 0 })],
      ['zstd', () => new ZstdCompressor({ minLength: 0 })],
      ['lz4', () => new Lz4Compressor({ minLength: 0 })],
      ['zlib (default minLength)', () => new ZlibCompressor()],
    ];

    describe.each(compressorsUnderTest)('%s', (_compressorName, makeCompressor) => {
      const compressor = makeCompressor();
      it.each(values)('%s, json and msgpack', (_name, value) => {
        for (const serializer of [json, msgpack]) {
          const codec = new ValueCodec(serializer, compressor);
          const encoded = codec.encode(value);
          expect(Buffer.isBuffer(encoded)).toBe(true);
          expect(codec.decode(encoded)).toEqual(value);
        }
      });
    });

    it('writes strings as JSON strings, so a string of digits is not read as an integer', () => {
      expect(jsonCodec.encode('12345')).toEqual(Buffer.from('"12345"'));
      expect(jsonCodec.decode(jsonCodec.encode('12345'))).toBe('12345');
    });

    it('compresses only above minLength', () => {
      const codec = new ValueCodec(json, new ZlibCompressor({ minLength: 100 }));
      const small = codec.encode('x'.repeat(50)) as Buffer;
      expect(small.toString()).toBe(JSON.stringify('x'.repeat(50)));
      const big = codec.encode('x'.repeat(500)) as Buffer;
      expect(big[0]).toBe(0x78);
      expect(codec.decode(small)).toBe('x'.repeat(50));
      expect(codec.decode(big)).toBe('x'.repeat(500));
    });

    it('reads uncompressed payloads through a compressing codec (decompress falls back to the raw bytes)', () => {
      const plain = jsonCodec.encode({ a: 1, text: 'y'.repeat(3000) });
      for (const compressor of compressorsUnderTest.map(([, make]) => make())) {
        expect(new ValueCodec(json, compressor).decode(plain)).toEqual({
          a: 1,
          text: 'y'.repeat(3000),
        });
      }
      const packed = msgpackCodec.encode([1, 2, 3]);
      expect(new ValueCodec(msgpack, new ZstdCompressor()).decode(packed)).toEqual([1, 2, 3]);
    });

    it('retries loads on the stored bytes when decompression "succeeds" into garbage', () => {
      // Brotli has no magic number: model a decompressor that returns junk for any input.
      const junk: Compressor = {
        compress: (data) => data,
        decompress: () => Buffer.from([0xc1, 0xc1]),
      };
      const codec = new ValueCodec(json, junk);
      expect(codec.decode(Buffer.from('{"a": [1, 2]}'))).toEqual({ a: [1, 2] });
      // When both fail, the error is the one from the decompressed bytes.
      expect(() => codec.decode(Buffer.from('{"a": '))).toThrow(SyntaxError);
    });

    it('rethrows errors of a compressor that are not CompressorErrors', () => {
      const broken: Compressor = {
        compress: (data) => data,
        decompress: () => {
          throw new RangeError('out of memory');
        },
      };
      expect(() => new ValueCodec(json, broken).decode(Buffer.from('"x"'))).toThrow(RangeError);
    });

    it('wraps non-Error throws of a custom serializer into Errors', () => {
      const odd: Serializer = {
        dumps: () => Buffer.from('x'),
        loads: () => {
          throw 'nope';
        },
      };
      expect(() => new ValueCodec(odd, identity).decode(Buffer.from('"x"'))).toThrow(
        /deserialization failed: nope/,
      );
    });

    it('passes a CompressorError-free identity decode straight to the serializer', () => {
      const seen: Buffer[] = [];
      const spy: Serializer = {
        dumps: (value) => Buffer.from(String(value)),
        loads: (data) => {
          seen.push(data);
          return 'ok';
        },
      };
      const data = Buffer.from('{}');
      expect(new ValueCodec(spy, identity).decode(data)).toBe('ok');
      expect(seen[0]).toBe(data);
    });

    it('refuses values the serializer refuses, with its TypeError', () => {
      expect(() => jsonCodec.encode(new Map())).toThrow(TypeError);
      expect(() => jsonCodec.encode(undefined)).toThrow(TypeError);
      expect(() => msgpackCodec.encode({ f: () => 1 })).toThrow(TypeError);
    });
  });

  describe('decode errors never crash', () => {
    it.each<[string, Buffer]>([
      ['random bytes', Buffer.from('c1c1c1c1', 'hex')],
      ['truncated JSON', Buffer.from('{"a": [1, 2')],
      ['empty payload', Buffer.alloc(0)],
      ['pickle', Buffer.from('80049505000000000000004b2a2e', 'hex')],
      ['truncated zlib', Buffer.from('789c4b', 'hex')],
    ])('%s throws an Error', (_name, data) => {
      for (const codec of [
        jsonCodec,
        msgpackCodec,
        new ValueCodec(json, new ZlibCompressor()),
        new ValueCodec(msgpack, new ZstdCompressor()),
        new ValueCodec(json, new BrotliCompressor()),
      ]) {
        expect(() => codec.decode(data)).toThrow(Error);
      }
    });

    it('a corrupted compressed payload throws', () => {
      const codec = new ValueCodec(json, new ZlibCompressor({ minLength: 0 }));
      const encoded = Buffer.from(codec.encode({ a: 'b'.repeat(100) }) as Buffer);
      encoded[encoded.length - 3] ^= 0xff;
      expect(() => codec.decode(encoded)).toThrow(Error);
    });
  });

  describe('inputs', () => {
    it('accepts strings as well as Buffers', () => {
      expect(jsonCodec.decode('42')).toBe(42);
      expect(jsonCodec.decode('-1.5')).toBe(-1.5);
      expect(jsonCodec.decode('{"a":"é"}')).toEqual({ a: 'é' });
    });

    it('passes numbers and bigints through (integer replies from INCR or scripts)', () => {
      expect(jsonCodec.decode(7 as unknown as string)).toBe(7);
      expect(jsonCodec.decode(7n as unknown as string)).toBe(7n);
    });

    it('round-trips through a Buffer that is a slice of a larger one', () => {
      const big = Buffer.concat([Buffer.from('xxxx'), Buffer.from('12345'), Buffer.from('yyyy')]);
      expect(jsonCodec.decode(big.subarray(4, 9))).toBe(12345);
      const obj = Buffer.concat([
        Buffer.from('xx'),
        jsonCodec.encode({ a: 1 }) as Buffer,
        Buffer.from('yy'),
      ]);
      expect(jsonCodec.decode(obj.subarray(2, obj.length - 2))).toEqual({ a: 1 });
    });
  });
});

describe('CompressorError', () => {
  it('is what the codec catches', () => {
    expect(new CompressorError('x')).toBeInstanceOf(Error);
  });
});
