/**
 * The stable serialization behind `@Cached`'s default keys: equal arguments give equal keys
 * whatever the order of their properties, entries or members; different kinds of values never
 * share a key; values with no stable form are refused.
 */
import fc from 'fast-check';
import { stableStringify } from '../../lib/caching/stable-key.js';
import { MAX_PLAIN_KEY_PART, stableKeyPart } from '../../lib/caching/stable-key.js';

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seed * (i + 7)) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('stableStringify', () => {
  it('does not depend on the order of object properties', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), (obj, seed) => {
        const reordered = Object.fromEntries(shuffled(Object.entries(obj), seed));
        expect(stableStringify(reordered)).toBe(stableStringify(obj));
      }),
    );
  });

  it('gives different text for different JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const same = stableStringify(a) === stableStringify(b);
        // Equal text only for deep-equal values (JSON.stringify of sorted keys as the oracle).
        if (same) expect(a).toEqual(b);
      }),
    );
  });

  it('keeps kinds of values apart and orders Map entries and Set members', () => {
    const texts = [1, '1', 1n, true, 'true', null, 'null', undefined, [1], { 0: 1 }].map((v) =>
      stableStringify(v),
    );
    expect(new Set(texts).size).toBe(texts.length);
    expect(
      stableStringify(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    ).toBe(
      stableStringify(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    );
    expect(stableStringify(new Set([2, 1]))).toBe(stableStringify(new Set([1, 2])));
    expect(stableStringify(new Date(0))).toBe('Date(1970-01-01T00:00:00.000Z)');
    expect(stableStringify(-0)).toBe('0');
    expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('refuses functions, symbols and circular structures', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => stableStringify(() => 1)).toThrow('a function has no stable serialization');
    expect(() => stableStringify(Symbol('s'))).toThrow('a symbol has no stable serialization');
    expect(() => stableStringify(cyclic)).toThrow('circular');
    // a value seen twice without a cycle is fine
    const shared = { x: 1 };
    expect(stableStringify([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });

  it('long key parts become their SHA-256', () => {
    const long = 'x'.repeat(MAX_PLAIN_KEY_PART);
    expect(stableKeyPart(long)).toMatch(/^#sha256:[0-9a-f]{64}$/);
    expect(stableKeyPart('short')).toBe('"short"');
  });
});
