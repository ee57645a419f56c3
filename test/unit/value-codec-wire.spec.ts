import { ValueCodec } from '../../lib/codec/value-codec.js';
import type { Compressor } from '../../lib/codec/compressors/compressor.js';
import { IdentityCompressor } from '../../lib/codec/compressors/identity-compressor.js';
import { ZlibCompressor } from '../../lib/codec/compressors/zlib-compressor.js';
import { JsonSerializer } from '../../lib/codec/serializers/json-serializer.js';
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';

const bytesOf = (payload: Buffer | string): Buffer =>
  typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;

const VALUES: unknown[] = [
  { a: 1, b: 'two', c: [true, null, 1.5] },
  'héllo 🌍 \u2028',
  'lone \ud800 surrogate',
  1.25,
  NaN,
  2n ** 70n,
  { big: 2n ** 64n, inf: -Infinity },
  7,
  -3n,
  true,
  'x'.repeat(400),
  { text: 'é'.repeat(200) },
];

describe('ValueCodec.encodeForWire', () => {
  it.each([
    ['json, identity', new ValueCodec(new JsonSerializer(), new IdentityCompressor())],
    ['json, zlib', new ValueCodec(new JsonSerializer(), new ZlibCompressor({ minLength: 300 }))],
    ['msgpack, identity', new ValueCodec(new MsgpackSerializer(), new IdentityCompressor())],
    [
      'msgpack, zlib',
      new ValueCodec(new MsgpackSerializer(), new ZlibCompressor({ minLength: 0 })),
    ],
  ])('writes the same bytes as encode (%s)', (_name, codec) => {
    for (const value of VALUES) {
      let expected: Buffer;
      try {
        expected = bytesOf(codec.encode(value));
      } catch (error) {
        // A value the format refuses is refused the same way.
        expect(() => codec.encodeForWire(value)).toThrow((error as Error).message);
        continue;
      }
      expect(bytesOf(codec.encodeForWire(value))).toEqual(expected);
    }
  });

  it('hands JSON text to iovalkey as a string when it is not compressed', () => {
    const codec = new ValueCodec(new JsonSerializer(), new IdentityCompressor());
    expect(codec.encodeForWire({ a: 1 })).toBe('{"a":1}');
    expect(codec.encodeForWire('x'.repeat(100_000))).toEqual(expect.any(String));
  });

  it('compresses (as a Buffer) what encode compresses, and only that', () => {
    const codec = new ValueCodec(new JsonSerializer(), new ZlibCompressor({ minLength: 300 }));
    expect(typeof codec.encodeForWire('x'.repeat(50))).toBe('string'); // 52 * 3 <= 300
    const big = codec.encodeForWire('x'.repeat(500));
    expect(Buffer.isBuffer(big)).toBe(true);
    expect(codec.decode(big as Buffer)).toBe('x'.repeat(500));
    // 150 units could be 450 bytes: not sent as text, and encode's rule decides (stays raw).
    expect(bytesOf(codec.encodeForWire('é'.repeat(98)))).toEqual(codec.encode('é'.repeat(98)));
  });

  it('keeps a subclass that overrides dumps alone on its own dumps', () => {
    class Shouting extends JsonSerializer {
      override dumps(value: unknown): Buffer {
        return Buffer.from(JSON.stringify(value).toUpperCase());
      }
    }
    const codec = new ValueCodec(new Shouting(), new IdentityCompressor());
    expect(bytesOf(codec.encodeForWire('abc'))).toEqual(Buffer.from('"ABC"'));
  });

  it('does not send text past a custom compressor', () => {
    const marker: Compressor = {
      compress: (data) => Buffer.concat([Buffer.from('Z'), data]),
      decompress: (data) => data.subarray(1),
    };
    const codec = new ValueCodec(new JsonSerializer(), marker);
    expect(bytesOf(codec.encodeForWire({ a: 1 }))).toEqual(Buffer.from('Z{"a":1}'));
  });
});
