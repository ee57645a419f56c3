import { JsonSerializer } from '../../lib/codec/serializers/json-serializer.js';
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';
import {
  knownUnsupported,
  serializers,
  unsupportedSerializerReason,
} from '../../lib/codec/serializers/serializer-registry.js';

const json = new JsonSerializer();
const msgpack = new MsgpackSerializer();
const jsonText = (value: unknown): string => json.dumps(value).toString('utf8');
const jsonRound = (value: unknown): unknown => json.loads(json.dumps(value));
const msgpackRound = (value: unknown): unknown => msgpack.loads(msgpack.dumps(value));

/** Values both serializers give back exactly as they went in. */
const commonValues: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['zero', 0],
  ['negative int', -42],
  ['int32 max', 2 ** 31 - 1],
  ['int32 min', -(2 ** 31)],
  ['2^40', 2 ** 40],
  ['max safe integer', Number.MAX_SAFE_INTEGER],
  ['min safe integer', Number.MIN_SAFE_INTEGER],
  ['float', 1.5],
  ['float with 17 digits', 0.1 + 0.2],
  ['tiny float', -2.5e-300],
  ['huge float', 1.7976931348623157e308],
  ['empty string', ''],
  ['ascii string', 'hello world'],
  ['string that looks like a number', '12345'],
  ['string with 20 digits', '12345678901234567890'],
  ['unicode', 'héllo wörld ✓ 😀 中文 العربية'],
  ['control characters and quotes', 'a"b\\c\n\t\u0001\u007f\u2028\u2029'],
  ['lone surrogate', 'x\ud800y'],
  ['empty array', []],
  ['empty object', {}],
  ['array of mixed', [1, 'two', 3.5, null, true, false, [], {}]],
  ['nested', { a: { b: { c: [1, { d: [null, 'e'] }] } }, f: [[[]]] }],
  ['object with many keys', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))],
  ['long string', 'x'.repeat(70000)],
  ['long array', Array.from({ length: 70000 }, (_, i) => i)],
  ['numeric-like keys', { '1': 'one', '10': 'ten', b: 'b', a: 'a' }],
];

describe('JsonSerializer', () => {
  it.each(commonValues)('round-trips %s', (_name, value) => {
    expect(jsonRound(value)).toEqual(value);
  });

  it('writes compact UTF-8 JSON that JSON.parse reads', () => {
    const value = { a: 1, b: [1, 2], s: 'é😀' };
    const bytes = json.dumps(value);
    expect(bytes).toBeInstanceOf(Buffer);
    expect(bytes.toString('utf8')).toBe('{"a":1,"b":[1,2],"s":"é😀"}');
  });

  it("reads Python's json.dumps output (spaces after separators, \\u escapes)", () => {
    const text =
      '{"a": 1, "b": [1, 2.5, null, true], "s": "h\\u00e9llo \\ud83d\\ude00", "n": {"x": []}}';
    expect(json.loads(Buffer.from(text))).toEqual({
      a: 1,
      b: [1, 2.5, null, true],
      s: 'héllo 😀',
      n: { x: [] },
    });
  });

  describe('non-finite numbers', () => {
    it('writes NaN, Infinity and -Infinity as the tokens Python writes', () => {
      expect(jsonText(NaN)).toBe('NaN');
      expect(jsonText(Infinity)).toBe('Infinity');
      expect(jsonText(-Infinity)).toBe('-Infinity');
      expect(jsonText({ v: [NaN, Infinity, -Infinity, 1] })).toBe(
        '{"v":[NaN,Infinity,-Infinity,1]}',
      );
    });

    it('reads them back', () => {
      expect(jsonRound(NaN)).toBeNaN();
      expect(jsonRound({ v: [NaN, Infinity, -Infinity, 1] })).toEqual({
        v: [NaN, Infinity, -Infinity, 1],
      });
      expect(json.loads(Buffer.from('{"a": NaN, "b": -Infinity, "c": [Infinity]}'))).toEqual({
        a: NaN,
        b: -Infinity,
        c: [Infinity],
      });
    });

    it('still rejects invalid documents that merely contain the words', () => {
      expect(() => json.loads(Buffer.from('{"a": NaNa}'))).toThrow(SyntaxError);
      expect(() => json.loads(Buffer.from('Infinityy'))).toThrow(SyntaxError);
      expect(() => json.loads(Buffer.from('[Infinity,'))).toThrow(SyntaxError);
    });
  });

  describe('integers beyond 2^53', () => {
    it('writes bigints (nested or not) as plain digits, as Python writes an int', () => {
      expect(jsonText(2n ** 100n)).toBe('1267650600228229401496703205376');
      expect(jsonText({ id: 2n ** 63n - 1n, neg: -(2n ** 63n), small: 5n })).toBe(
        '{"id":9223372036854775807,"neg":-9223372036854775808,"small":5}',
      );
    });

    it('reads integer literals that are not safe integers as bigints, keeping precision', () => {
      expect(
        json.loads(Buffer.from('{"a": 9007199254740993, "b": [-9223372036854775808], "c": 1}')),
      ).toEqual({
        a: 9007199254740993n,
        b: [-9223372036854775808n],
        c: 1,
      });
      expect(json.loads(Buffer.from('1267650600228229401496703205376'))).toBe(2n ** 100n);
      expect(jsonRound({ id: 2n ** 63n - 1n, huge: -(2n ** 100n) })).toEqual({
        id: 2n ** 63n - 1n,
        huge: -(2n ** 100n),
      });
    });

    it('keeps safe integers as numbers (a small bigint comes back as a number)', () => {
      expect(jsonRound({ a: 5n, b: BigInt(Number.MAX_SAFE_INTEGER) })).toEqual({
        a: 5,
        b: Number.MAX_SAFE_INTEGER,
      });
      expect(json.loads(Buffer.from('[9007199254740991, -9007199254740991]'))).toEqual([
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
      ]);
    });

    it('keeps floats (fraction or exponent) as numbers even with many digits', () => {
      expect(
        json.loads(Buffer.from('[0.30000000000000004, 1e+100, 1234567890123456.5, 1.5E300]')),
      ).toEqual([0.30000000000000004, 1e100, 1234567890123456.5, 1.5e300]);
    });

    it('does not touch digits inside strings', () => {
      const value = { s: '123456789012345678901234567890', n: 2n ** 64n };
      expect(jsonRound(value)).toEqual(value);
    });

    it('the exact parser agrees with JSON.parse on everything else', () => {
      const doc = {
        s: 'quote " backslash \\ \u0000 \ud83d\ude00 \\u0041',
        n: [0, -0.5, 1e-7, 123.456e-2, -1, 10],
        o: { '': 1, 'a b': [true, false, null], nested: { deeper: [[], {}] } },
      };
      const text = JSON.stringify(doc);
      // Appending a big integer forces the exact parser.
      const parsed = json.loads(Buffer.from(`[${text}, 99999999999999999999]`)) as unknown[];
      expect(parsed[0]).toEqual(JSON.parse(text));
      expect(parsed[1]).toBe(99999999999999999999n);
    });
  });

  describe('Dates', () => {
    it('are written as ISO strings and come back as strings (never turned into Dates)', () => {
      const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
      expect(jsonText(date)).toBe('"2024-01-02T03:04:05.123Z"');
      expect(jsonRound({ at: date })).toEqual({ at: '2024-01-02T03:04:05.123Z' });
      expect(jsonRound('2024-01-02T03:04:05.123Z')).toBe('2024-01-02T03:04:05.123Z');
    });

    it('refuses an invalid Date instead of writing null', () => {
      expect(() => json.dumps({ at: new Date(NaN) })).toThrow(/invalid Date at at/);
    });
  });

  describe('objects', () => {
    it('omits properties holding undefined, as JSON.stringify does', () => {
      expect(jsonText({ a: 1, b: undefined, c: { d: undefined } })).toBe('{"a":1,"c":{}}');
    });

    it('writes class instances as their own enumerable properties', () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      expect(jsonRound(new Point(1, 2))).toEqual({ x: 1, y: 2 });
    });

    it('uses toJSON when a class defines it (also on the slow path)', () => {
      class Money {
        constructor(readonly cents: number) {}
        toJSON(): string {
          return `${(this.cents / 100).toFixed(2)} EUR`;
        }
      }
      expect(jsonText({ price: new Money(1234) })).toBe('{"price":"12.34 EUR"}');
      expect(jsonText({ price: new Money(1234), big: 2n ** 70n })).toBe(
        '{"price":"12.34 EUR","big":1180591620717411303424}',
      );
    });

    it('unwraps boxed primitives', () => {
      expect(jsonRound({ s: new String('x'), n: new Number(2), b: new Boolean(false) })).toEqual({
        s: 'x',
        n: 2,
        b: false,
      });
    });

    it('reads a "__proto__" key as an own property, without touching the prototype', () => {
      for (const text of [
        '{"__proto__": {"polluted": true}}',
        '{"__proto__": {"polluted": true}, "n": NaN}',
      ]) {
        const value = json.loads(Buffer.from(text)) as Record<string, unknown>;
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
    });

    it('accepts objects with a null prototype', () => {
      const value = Object.assign(Object.create(null) as object, { a: 1 });
      expect(jsonRound(value)).toEqual({ a: 1 });
    });
  });

  describe('refusals (a TypeError rather than silent data loss)', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = { back: circular };
    const deepCircular: unknown[] = [];
    let cursor = deepCircular;
    for (let i = 0; i < 40; i++) {
      const next: unknown[] = [];
      cursor.push(next);
      cursor = next;
    }
    cursor.push(deepCircular);

    it.each<[string, unknown, RegExp]>([
      ['top-level undefined', undefined, /cannot store undefined/],
      ['undefined in an array', [1, undefined], /undefined \(an array element or hole\) at \[1\]/],
      // eslint-disable-next-line no-sparse-arrays
      ['an array hole', [1, , 3], /at \[1\]/],
      ['a function', { f: () => 1 }, /a function at f/],
      ['a symbol', { s: Symbol('x') }, /a symbol at s/],
      ['a Map', { m: new Map([['a', 1]]) }, /a Map at m/],
      ['a Set', [new Set([1])], /a Set at \[0\]/],
      ['a WeakMap', new WeakMap(), /WeakMap/],
      ['a RegExp', { r: /x/ }, /a RegExp at r/],
      ['an Error', new Error('boom'), /an Error/],
      ['a Promise', Promise.resolve(1), /a Promise/],
      ['a Buffer', { b: Buffer.from('x') }, /a Buffer at b/],
      ['a Uint8Array', new Uint8Array(2), /Uint8Array/],
      ['a Float32Array', new Float32Array(2), /Float32Array/],
      ['an ArrayBuffer', new ArrayBuffer(2), /ArrayBuffer/],
      ['a circular structure', circular, /circular structure at self\.back/],
      ['a deep circular structure', deepCircular, /circular structure/],
      ['a nested refusal path', { a: [{ b: { c: new Map() } }] }, /a Map at a\[0\]\.b\.c/],
    ])('refuses %s', (_name, value, message) => {
      expect(() => json.dumps(value)).toThrow(TypeError);
      expect(() => json.dumps(value)).toThrow(message);
    });
  });

  describe('loads errors', () => {
    it.each<[string, Buffer]>([
      ['invalid JSON', Buffer.from('{"a": }')],
      ['truncated JSON', Buffer.from('{"a": [1, 2')],
      ['empty input', Buffer.alloc(0)],
      ['trailing data', Buffer.from('{"a": 1} x')],
      ['invalid UTF-8', Buffer.from([0x22, 0xff, 0xfe, 0x22])],
      ['pickle bytes', Buffer.from('80049505000000000000004b2a2e', 'hex')],
    ])('throws a SyntaxError for %s', (_name, data) => {
      expect(() => json.loads(data)).toThrow(SyntaxError);
    });

    it('accepts a real U+FFFD character', () => {
      expect(json.loads(Buffer.from('"\uFFFD"'))).toBe('\uFFFD');
    });
  });
});

describe('MsgpackSerializer', () => {
  it.each(commonValues.filter(([name]) => name !== 'lone surrogate'))(
    'round-trips %s',
    (_name, value) => {
      expect(msgpackRound(value)).toEqual(value);
    },
  );

  it.each<[string, unknown]>([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('round-trips %s', (_name, value) => {
    expect(msgpackRound(value)).toBe(value);
  });

  describe('integers', () => {
    it.each<[string, number | bigint, string]>([
      ['fixint', 5, '05'],
      ['uint8', 200, 'ccc8'],
      ['uint16', 65535, 'cdffff'],
      ['uint32', 2 ** 32 - 1, 'ceffffffff'],
      ['negative fixint', -32, 'e0'],
      ['int8', -33, 'd0df'],
      ['int16', -129, 'd1ff7f'],
      ['int32', -(2 ** 31), 'd280000000'],
      ['int64 from a number below int32', -(2 ** 31) - 1, 'd3ffffffff7fffffff'],
      ['int64 min', -(2n ** 63n), 'd38000000000000000'],
      ['uint64 max', 2n ** 64n - 1n, 'cfffffffffffffffff'],
      ['a small bigint written compactly', 7n, '07'],
    ])('writes %s as Python does', (_name, value, hex) => {
      expect(msgpack.dumps(value).toString('hex')).toBe(hex);
    });

    it('writes integral numbers beyond 32 bits as msgpack ints, not float64', () => {
      expect(msgpack.dumps(2 ** 40).toString('hex')).toBe('d30000010000000000');
      expect(msgpack.dumps(2 ** 53).toString('hex')).toBe('d30020000000000000');
      expect(msgpack.dumps(-(2 ** 53)).toString('hex')).toBe('d3ffe0000000000000');
      // A float stays a float.
      expect(
        msgpack
          .dumps(2 ** 40 + 0.5)
          .subarray(0, 1)
          .toString('hex'),
      ).toBe('cb');
      // Beyond 2^53 a number is a float in JavaScript: written as float64.
      expect(msgpack.dumps(1e20).subarray(0, 1).toString('hex')).toBe('cb');
    });

    it('reads int64/uint64 as numbers up to 2^53 and bigints beyond', () => {
      expect(msgpack.loads(Buffer.from('cf0020000000000000', 'hex'))).toBe(2 ** 53);
      expect(msgpack.loads(Buffer.from('cf0020000000000001', 'hex'))).toBe(2n ** 53n + 1n);
      expect(msgpack.loads(Buffer.from('cf7fffffffffffffff', 'hex'))).toBe(2n ** 63n - 1n);
      expect(msgpack.loads(Buffer.from('d38000000000000000', 'hex'))).toBe(-(2n ** 63n));
      expect(
        msgpackRound({ a: 2n ** 63n - 1n, b: -(2n ** 63n), c: 2n ** 64n - 1n, d: 2n ** 53n + 1n }),
      ).toEqual({
        a: 2n ** 63n - 1n,
        b: -(2n ** 63n),
        c: 2n ** 64n - 1n,
        d: 2n ** 53n + 1n,
      });
    });

    it('refuses integers beyond 64 bits, as Python does', () => {
      expect(() => msgpack.dumps(2n ** 64n)).toThrow(/integer beyond 64 bits/);
      expect(() => msgpack.dumps({ a: [-(2n ** 63n) - 1n] })).toThrow(
        /integer beyond 64 bits .* at a\[0\]/,
      );
    });
  });

  it('writes Buffers and Uint8Arrays as bin and reads bin as a Buffer', () => {
    expect(msgpack.dumps(Buffer.from([0, 1, 255])).toString('hex')).toBe('c4030001ff');
    expect(msgpack.dumps(new Uint8Array([0, 1, 255])).toString('hex')).toBe('c4030001ff');
    const back = msgpackRound({ data: Buffer.from([1, 2, 3]) }) as { data: Buffer };
    expect(Buffer.isBuffer(back.data)).toBe(true);
    expect(back.data).toEqual(Buffer.from([1, 2, 3]));
  });

  it('returns bin values that do not share memory with the input', () => {
    const input = Buffer.from('c403010203', 'hex');
    const out = msgpack.loads(input) as Buffer;
    input.fill(0);
    expect(out).toEqual(Buffer.from([1, 2, 3]));
  });

  it('writes Dates with the timestamp extension and reads them back as Dates', () => {
    const date = new Date(Date.UTC(2023, 10, 14, 22, 13, 20, 123));
    const back = msgpackRound({ at: date }) as { at: Date };
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBe(date.getTime());
    expect(msgpack.dumps(new Date(1700000000000)).toString('hex')).toBe('d6ff6553f100');
    expect(() => msgpack.dumps(new Date(NaN))).toThrow(/invalid Date/);
  });

  it('omits undefined properties and uses toJSON of classes', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `${this.cents} cents`;
      }
    }
    expect(msgpackRound({ a: 1, b: undefined, m: new Money(5) })).toEqual({ a: 1, m: '5 cents' });
    class Plain {
      x = 1;
      big = 2 ** 40;
    }
    expect(msgpackRound(new Plain())).toEqual({ x: 1, big: 2 ** 40 });
  });

  it('does not modify the value it writes', () => {
    const value = { a: 2 ** 40, b: 5n, c: undefined, d: [2 ** 40] };
    const copy = { ...value, d: [...value.d] };
    msgpack.dumps(value);
    expect(value).toEqual(copy);
    expect('c' in value).toBe(true);
  });

  it('returns buffers that later dumps calls do not overwrite', () => {
    const outputs = Array.from({ length: 3000 }, (_, i) =>
      msgpack.dumps({ i, s: 'x'.repeat(i % 50) }),
    );
    outputs.forEach((bytes, i) =>
      expect(msgpack.loads(bytes)).toEqual({ i, s: 'x'.repeat(i % 50) }),
    );
  });

  it('throws on extension types it does not know', () => {
    expect(() => msgpack.loads(Buffer.from('d40500', 'hex'))).toThrow(/extension/);
  });

  it('renames a "__proto__" key on read instead of setting the prototype', () => {
    const value = msgpack.loads(Buffer.from('81a95f5f70726f746f5f5f01', 'hex')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value).toEqual({ __proto_: 1 });
  });

  describe('refusals', () => {
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    it.each<[string, unknown, RegExp]>([
      ['top-level undefined', undefined, /cannot store undefined/],
      ['undefined in an array', [undefined], /at \[0\]/],
      ['a function', { f() {} }, /a function at f/],
      ['a symbol', Symbol('s'), /a symbol/],
      ['a Map', new Map(), /a Map/],
      ['a Set', { s: new Set() }, /a Set at s/],
      ['a RegExp', /x/, /a RegExp/],
      ['an Error', new Error('x'), /an Error/],
      ['a Float32Array', new Float32Array(1), /Float32Array/],
      ['a DataView', new DataView(new ArrayBuffer(1)), /DataView/],
      ['an ArrayBuffer', new ArrayBuffer(1), /ArrayBuffer/],
      ['a circular structure', circular, /circular/],
      [
        'a string with a lone surrogate (not UTF-8)',
        { s: ['x\ud800y'] },
        /lone surrogate.* at s\[0\]/,
      ],
      ['a key with a lone surrogate', { '\udc00': 1 }, /lone surrogate/],
    ])('refuses %s', (_name, value, message) => {
      expect(() => msgpack.dumps(value)).toThrow(TypeError);
      expect(() => msgpack.dumps(value)).toThrow(message);
    });
  });

  describe('loads errors', () => {
    it.each<[string, Buffer]>([
      ['empty input', Buffer.alloc(0)],
      ['truncated array', Buffer.from('93 01 02'.replace(/ /g, ''), 'hex')],
      ['truncated string', Buffer.from('a5616263', 'hex')],
      ['trailing data', Buffer.from('0102', 'hex')],
      ['a JSON text', Buffer.from('{"a": 1}')],
    ])('throws for %s', (_name, data) => {
      expect(() => msgpack.loads(data)).toThrow();
    });
  });
});

describe('serializer registry', () => {
  it.each([
    ['json', JsonSerializer],
    ['JSONSerializer', JsonSerializer],
    ['JsonSerializer', JsonSerializer],
    ['django_valkey.serializers.json.JSONSerializer', JsonSerializer],
    ['msgpack', MsgpackSerializer],
    ['MSGPackSerializer', MsgpackSerializer],
    ['MsgpackSerializer', MsgpackSerializer],
    ['django_valkey.serializers.msgpack.MSGPackSerializer', MsgpackSerializer],
  ])('resolves %s', (name, cls) => {
    expect(serializers.lookup(name)).toBe(cls);
  });

  it('does not register pickle and explains why', () => {
    for (const name of [
      'pickle',
      'PickleSerializer',
      'django_valkey.serializers.pickle.PickleSerializer',
    ]) {
      expect(serializers.lookup(name)).toBeUndefined();
      expect(unsupportedSerializerReason(name)).toMatch(
        /not supported: pickle is a Python-only format/,
      );
    }
    expect(knownUnsupported.has('PickleSerializer')).toBe(true);
    expect(unsupportedSerializerReason('json')).toBeUndefined();
  });
});
