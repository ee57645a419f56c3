import fc from 'fast-check';
import { Packr, addExtension } from 'msgpackr';
import { gzipSync } from 'node:zlib';

import { ValueCodec } from '../../lib/codec/value-codec.js';
import { BrotliCompressor } from '../../lib/codec/compressors/brotli-compressor.js';
import type { Compressor } from '../../lib/codec/compressors/compressor.js';
import { GzipCompressor } from '../../lib/codec/compressors/gzip-compressor.js';
import { IdentityCompressor } from '../../lib/codec/compressors/identity-compressor.js';
import { Lz4Compressor } from '../../lib/codec/compressors/lz4-compressor.js';
import { ZlibCompressor } from '../../lib/codec/compressors/zlib-compressor.js';
import { ZstdCompressor } from '../../lib/codec/compressors/zstd-compressor.js';
import { JsonSerializer } from '../../lib/codec/serializers/json-serializer.js';
import { checkMsgpack } from '../../lib/codec/serializers/msgpack-check.js';
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';
import type { Serializer } from '../../lib/codec/serializers/serializer.js';

/**
 * Corrupt and foreign payloads through the value codec, for every serializer x compressor:
 * decoding either throws or yields data (never a class instance, `undefined`, a `Set`, ...), and
 * every corruption the formats can detect is detected.
 */

const SERIALIZERS: ReadonlyArray<[string, () => Serializer]> = [
  ['json', () => new JsonSerializer()],
  ['msgpack', () => new MsgpackSerializer()],
];
const COMPRESSORS: ReadonlyArray<[string, () => Compressor]> = [
  ['identity', () => new IdentityCompressor()],
  ['zlib', () => new ZlibCompressor({ minLength: 0 })],
  ['gzip', () => new GzipCompressor({ minLength: 0 })],
  ['brotli', () => new BrotliCompressor({ minLength: 0 })],
  ['zstd', () => new ZstdCompressor({ minLength: 0 })],
  ['lz4', () => new Lz4Compressor({ minLength: 0 })],
];
const COMBOS = SERIALIZERS.flatMap(([s, makeS]) =>
  COMPRESSORS.map(([c, makeC]) => [`${s}+${c}`, s, c, new ValueCodec(makeS(), makeC())] as const),
);

/** Throws unless `value` is made only of the data types a serializer here may return. */
function assertDataOnly(value: unknown, serializer: string, depth = 0): void {
  if (depth > 2000) throw new Error('too deep');
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return;
    case 'number':
      return;
    case 'object':
      break;
    default:
      throw new Error(`decoded a ${typeof value}`);
  }
  if (value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) assertDataOnly(item, serializer, depth + 1);
    return;
  }
  if (serializer === 'msgpack' && Buffer.isBuffer(value)) return;
  if (serializer === 'msgpack' && value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('decoded an invalid Date');
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype) {
    throw new Error(`decoded an instance of ${(value as object).constructor?.name ?? '?'}`);
  }
  for (const item of Object.values(value)) assertDataOnly(item, serializer, depth + 1);
}

/** Decodes; returns `['threw', error]` or `['value', value]`. */
function attempt(codec: ValueCodec, bytes: Buffer): ['threw', Error] | ['value', unknown] {
  try {
    return ['value', codec.decode(bytes)];
  } catch (error) {
    return ['threw', error as Error];
  }
}

/**
 * Values both serializers give back unchanged; not a number at the top (numbers are stored raw,
 * and a prefix of digits is digits).
 */
const storable = fc
  .letrec((tie) => ({
    any: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => n || 0),
      fc.double({ min: -1e15, max: 1e15, noNaN: true }).map((n) => n || 0),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.array(tie('any'), { maxLength: 5 }),
      fc.dictionary(fc.string({ maxLength: 8 }), tie('any'), { maxKeys: 5 }),
    ),
  }))
  .any.filter((v) => typeof v !== 'number');

// A fixed seed keeps runs reproducible; fast-check prints the seed and path of any failure.
const FC = { seed: 9009, numRuns: 100 };

describe('robustness: corrupt payloads through ValueCodec', () => {
  describe.each(COMBOS)('%s', (_name, serializer, compressor, codec) => {
    it('random bytes: decoding throws an Error or yields data only', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
          const [kind, out] = attempt(codec, Buffer.from(bytes));
          if (kind === 'threw') expect(out).toBeInstanceOf(Error);
          else assertDataOnly(out, serializer);
        }),
        FC,
      );
    });

    it('round trip of generated values, then every strict prefix of the stored bytes', () => {
      fc.assert(
        fc.property(storable, (value) => {
          const stored = codec.encode(value);
          const bytes = typeof stored === 'string' ? Buffer.from(stored) : stored;
          expect(codec.decode(bytes)).toEqual(value);
          // Cut to 1 byte, any msgpack payload reads as a value (0x00-0x7f are integers): from 2.
          for (let cut = bytes.length - 1; cut >= Math.max(2, bytes.length - 24); cut--) {
            const [kind, out] = attempt(codec, bytes.subarray(0, cut));
            if (kind === 'value') {
              assertDataOnly(out, serializer);
              // Detectable everywhere except when a brotli prefix (no magic number, no
              // checksum) happens to read as a complete value.
              if (compressor !== 'brotli') {
                throw new Error(
                  `a ${cut}/${bytes.length}-byte prefix decoded to ${JSON.stringify(out)}`,
                );
              }
            }
          }
        }),
        { ...FC, numRuns: 50 },
      );
    });

    it('bytes written by the other serializer are refused (or are the same data)', () => {
      const other = serializer === 'json' ? new MsgpackSerializer() : new JsonSerializer();
      fc.assert(
        fc.property(storable, (value) => {
          const foreign = other.dumps(value);
          const [kind, out] = attempt(codec, foreign);
          if (kind === 'value') {
            assertDataOnly(out, serializer);
            // msgpack bytes of a short ASCII string can be valid JSON only if they are JSON.
            if (serializer === 'json') expect(JSON.parse(foreign.toString('latin1'))).toEqual(out);
          }
        }),
        FC,
      );
    });
  });

  it('msgpack x every compressor: any stored byte flipped is refused or decodes to data', () => {
    for (const [, , compressor, codec] of COMBOS.filter(([, s]) => s === 'msgpack')) {
      fc.assert(
        fc.property(storable, fc.nat(), fc.integer({ min: 1, max: 255 }), (value, at, xor) => {
          const stored = Buffer.from(codec.encode(value) as Buffer);
          stored[at % stored.length] ^= xor;
          const [kind, out] = attempt(codec, stored);
          if (kind === 'value') assertDataOnly(out, 'msgpack');
          void compressor;
        }),
        { ...FC, numRuns: 60 },
      );
    }
  });
});

describe('robustness: msgpack decodes standard MessagePack data only', () => {
  const codec = new ValueCodec(new MsgpackSerializer(), new IdentityCompressor());
  const hex = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

  it.each<[string, string, RegExp]>([
    ['0xC1 (never used; msgpackr builds a C1Type object)', 'c1', /0xc1 is not MessagePack/],
    ['0xC1 inside an array', '92 c1 c1', /0xc1/],
    ['extension 0 (msgpackr: undefined)', 'd5 00 01 02', /extension type 0 /],
    ['extension 0x65 (msgpackr: an Error)', 'd4 65 00', /extension type 101/],
    ['extension 0x78 (msgpackr: a RegExp)', 'c7 04 78 92 a1 61 a0', /extension type 120/],
    ['extension 0x73 (msgpackr: a Set)', 'd4 73 00', /extension type 115/],
    ['extension 0x74 (msgpackr: a typed array)', 'c7 03 74 01 00 00', /extension type 116/],
    ['extension 0x69 (msgpackr: structured clone id)', 'd6 69 00 00 00 01', /type 105/],
    ['record definition (0x72)', 'd4 72 40', /extension type 114/],
    [
      'timestamp with a bad length (msgpackr: Invalid Date)',
      'd4 ff 00',
      /invalid msgpack timestamp/,
    ],
    [
      'timestamp-64 with nanoseconds >= 1e9',
      'd7 ff ff ff ff ff 00 00 00 00',
      /invalid msgpack timestamp/,
    ],
    ['invalid UTF-8 in a string (msgpackr: U+FFFD)', 'a2 ff fe', /not valid UTF-8/],
    ['invalid UTF-8 in a long string', `d9 48 ${'61'.repeat(71)}ff`, /not valid UTF-8/],
    ['trailing bytes', '01 02', /bytes after the msgpack value/],
    ['a truncated array', '93 01 02', /longer than the payload/],
    ['a truncated map', '82 a1 61 01 a1', /truncated/],
    ['an array32 announcing 4e9 items', 'dd ff ff ff ff 01', /longer than the payload/],
    ['a truncated str32 header', 'db 00 00', /truncated/],
    ['a zlib frame (read as msgpack)', '78 9c 4b 04 00 00 62 00 62', /bytes after/],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(() => codec.decode(hex(bytes))).toThrow(reason);
  });

  it('refuses nesting deeper than 1024 levels', () => {
    expect(() => codec.decode(Buffer.concat([Buffer.alloc(1100, 0x91), hex('c0')]))).toThrow(
      /nested too deeply/,
    );
    expect(codec.decode(Buffer.concat([Buffer.alloc(1000, 0x91), hex('c0')]))).toBeInstanceOf(
      Array,
    );
  });

  it('accepts the standard timestamp in its three sizes', () => {
    expect(codec.decode(hex('d6 ff 00 00 00 01'))).toEqual(new Date(1000));
    const ts64 = new MsgpackSerializer().dumps(new Date(1_700_000_000_123));
    expect(codec.decode(ts64)).toEqual(new Date(1_700_000_000_123));
    expect(codec.decode(hex('c7 0c ff 00 00 00 00 00 00 00 00 00 00 00 02'))).toEqual(
      new Date(2000),
    );
  });

  it('a class registered globally with msgpackr.addExtension is never built from a payload', () => {
    class Gadget {
      constructor(readonly command: string) {}
    }
    let built = 0;
    addExtension({
      Class: Gadget,
      type: 42,
      write: (g: Gadget) => g.command,
      read: (command: string) => {
        built++;
        return new Gadget(command);
      },
    });
    const payload = new Packr({ useRecords: false }).pack({ x: new Gadget('rm -rf /') });
    expect(() => codec.decode(payload)).toThrow(/extension type 42/);
    expect(built).toBe(0);
  });

  it('everything msgpack writes passes the check (generated values, all kinds)', () => {
    const serializer = new MsgpackSerializer();
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.double(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
        fc.string({ unit: 'grapheme' }),
        fc.uint8Array().map((a) => Buffer.from(a)),
        fc.date({ noInvalidDate: true }),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('any'), { maxKeys: 4 }),
      ),
    })).any;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = serializer.dumps(v);
        expect(checkMsgpack(bytes)).toBeUndefined();
        serializer.loads(bytes);
      }),
      { ...FC, numRuns: 400 },
    );
  });

  it('a gzip frame holding msgpack of a foreign extension is refused after decompression', () => {
    const gz = new ValueCodec(new MsgpackSerializer(), new GzipCompressor({ minLength: 0 }));
    expect(() => gz.decode(gzipSync(hex('d4 65 00')))).toThrow(/extension type 101/);
  });
});

describe('robustness: JSON decodes data only', () => {
  const codec = new ValueCodec(new JsonSerializer(), new IdentityCompressor());

  it('builds plain objects: __proto__ and constructor keys are own data properties', () => {
    const out = codec.decode(
      Buffer.from('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}'),
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses invalid UTF-8, empty payloads and trailing data', () => {
    expect(() => codec.decode(Buffer.from([0x22, 0xff, 0x22]))).toThrow(/UTF-8/);
    expect(() => codec.decode(Buffer.alloc(0))).toThrow();
    expect(() => codec.decode(Buffer.from('{"a":1} x'))).toThrow();
    expect(() => codec.decode(Buffer.from('[NaN, 1] 2'))).toThrow();
  });
});
