/**
 * Sorted sets, as django-valkey's sorted-set commands behave: members encoded like values (the
 * stored member bytes are the codec's, as a Django peer writes them), scores as numbers (the
 * infinities included), `ZADD`'s flags, the index and score ranges, pops, ranks, versions.
 *
 * Shared by the standalone spec (`cache-sorted-sets.spec.ts`), the cluster spec
 * (`cache-cluster.spec.ts`) and the in-memory run (`test/unit/testing-kit-api.spec.ts`).
 */
import type { Valkey } from 'iovalkey';
import { CacheArgumentError, CacheError, type ValkeyCache } from '../../lib/index.js';
import { openTargetCache, type ApiTarget, type CacheFixture } from './cache-support.js';

const MEMBERS: ReadonlyArray<readonly [string, unknown]> = [
  ['a string', 'a'],
  ['an integer', 7],
  ['a float', 1.5],
  ['a dict', { id: 1, tags: ['x'] }],
  ['a list', [1, 'two']],
  ['null', null],
  ['true', true],
];

export function sortedSetsApi(target: ApiTarget): void {
  describe.each([
    ['json', 'identity'],
    ['msgpack', 'zlib'],
  ])('sorted sets, %s serializer + %s compressor', (serializer, compressor) => {
    let fx: CacheFixture;
    let cache: ValkeyCache;
    let raw: Valkey;

    beforeAll(async () => {
      fx = await openTargetCache(target, {
        options: { serializer, compressor, compressMinLength: 0 },
      });
      cache = fx.cache;
      raw = fx.raw;
    });
    afterAll(() => fx.close());
    beforeEach(async () => {
      await fx.flush();
    });

    /** The codec's bytes for `value` (what the set family stores for a member too). */
    const encoded = (value: unknown): Buffer => Buffer.from(cache.client.codec.encode(value));

    it.each(MEMBERS)(
      'zadd and zscore with %s; the stored member is the codec bytes',
      async (_n, m) => {
        expect(await cache.zadd('z', [[m, 2.5]])).toBe(1);
        expect(await cache.zadd('z', [[m, 3]])).toBe(0);
        expect(await cache.zscore('z', m)).toBe(3);
        expect(await cache.zrange('z', 0, -1)).toEqual([m]);
        const stored = await raw.zrangeBuffer(':1:z', 0, -1);
        expect(stored).toEqual([encoded(m)]);
      },
    );

    it('zadd takes a Map, pairs or an object; zcard; an empty zadd sends nothing', async () => {
      expect(
        await cache.zadd(
          'z',
          new Map<unknown, number>([
            [{ a: 1 }, 1],
            [2, 2],
          ]),
        ),
      ).toBe(2);
      expect(await cache.zadd('z', { three: 3, four: 4 })).toBe(2);
      expect(await cache.zadd('z', [])).toBe(0);
      expect(await cache.zcard('z')).toBe(4);
      expect(await cache.zcard('missing')).toBe(0);
      expect(await cache.zrange('z', 0, -1)).toEqual([{ a: 1 }, 2, 'three', 'four']);
    });

    it('zadd nx, xx, ch, gt, lt', async () => {
      await cache.zadd('z', { a: 1, b: 2 });
      expect(await cache.zadd('z', { a: 10, c: 3 }, { nx: true })).toBe(1);
      expect(await cache.zscore('z', 'a')).toBe(1);
      expect(await cache.zadd('z', { a: 5, d: 4 }, { xx: true })).toBe(0);
      expect(await cache.zscore('z', 'a')).toBe(5);
      expect(await cache.zscore('z', 'd')).toBeNull();
      expect(await cache.zadd('z', { a: 6, b: 2, e: 1 }, { ch: true })).toBe(2);
      expect(await cache.zadd('z', { a: 1 }, { gt: true, ch: true })).toBe(0);
      expect(await cache.zadd('z', { a: 9 }, { gt: true, ch: true })).toBe(1);
      expect(await cache.zadd('z', { a: 10 }, { lt: true, ch: true })).toBe(0);
      expect(await cache.zadd('z', { a: 0 }, { lt: true, ch: true })).toBe(1);
      expect(await cache.zscore('z', 'a')).toBe(0);
    });

    it('zadd incr returns the new score, null when a flag prevents it', async () => {
      expect(await cache.zadd('z', [['m', 1.5]], { incr: true })).toBe(1.5);
      expect(await cache.zadd('z', [['m', 2]], { incr: true })).toBe(3.5);
      expect(await cache.zadd('z', [['m', 2]], { incr: true, nx: true })).toBeNull();
      expect(await cache.zadd('z', [['new', 2]], { incr: true, xx: true })).toBeNull();
      expect(await cache.zadd('z', [['m', -1]], { incr: true, gt: true })).toBeNull();
      expect(await cache.zscore('z', 'm')).toBe(3.5);
    });

    it('zadd refuses contradictory flags and bad scores before sending', async () => {
      await expect(cache.zadd('z', { a: 1 }, { nx: true, xx: true })).rejects.toThrow(
        CacheArgumentError,
      );
      await expect(cache.zadd('z', { a: 1 }, { nx: true, gt: true })).rejects.toThrow(
        CacheArgumentError,
      );
      await expect(cache.zadd('z', { a: 1 }, { gt: true, lt: true })).rejects.toThrow(
        CacheArgumentError,
      );
      await expect(cache.zadd('z', { a: 1, b: 2 }, { incr: true })).rejects.toThrow(
        CacheArgumentError,
      );
      await expect(cache.zadd('z', { a: NaN })).rejects.toThrow(CacheArgumentError);
      await expect(cache.zadd('z', [['a', '1' as unknown as number]])).rejects.toThrow(
        /score must be a number/,
      );
      expect(await cache.zcard('z')).toBe(0);
    });

    it('infinite scores round-trip', async () => {
      await cache.zadd('z', [
        ['low', -Infinity],
        ['high', Infinity],
        ['mid', 0],
      ]);
      expect(await cache.zscore('z', 'high')).toBe(Infinity);
      expect(await cache.zrange('z', 0, -1, { withscores: true })).toEqual([
        ['low', -Infinity],
        ['mid', 0],
        ['high', Infinity],
      ]);
      expect(await cache.zcount('z', -Infinity, Infinity)).toBe(3);
      expect(await cache.zcount('z', '-inf', '+inf')).toBe(3);
      expect(await cache.zcount('z', '(-inf', '(+inf')).toBe(1);
    });

    it('zcount and zincrby', async () => {
      await cache.zadd('z', { a: 1, b: 2, c: 3 });
      expect(await cache.zcount('z', 1, 2)).toBe(2);
      expect(await cache.zcount('z', '(1', 3)).toBe(2);
      expect(await cache.zcount('z', 4, 10)).toBe(0);
      expect(await cache.zincrby('z', 2.5, 'a')).toBe(3.5);
      expect(await cache.zincrby('z', 1, { new: true })).toBe(1);
      expect(await cache.zscore('z', { new: true })).toBe(1);
      await expect(cache.zincrby('z', NaN, 'a')).rejects.toThrow(CacheArgumentError);
    });

    it('zpopmax and zpopmin, with and without count', async () => {
      await cache.zadd('z', { a: 1, b: 2, c: 3, d: 4 });
      expect(await cache.zpopmax('z')).toEqual(['d', 4]);
      expect(await cache.zpopmin('z')).toEqual(['a', 1]);
      expect(await cache.zpopmax('z', 5)).toEqual([
        ['c', 3],
        ['b', 2],
      ]);
      expect(await cache.zpopmin('z')).toBeNull();
      expect(await cache.zpopmax('z', 2)).toEqual([]);
      expect(await fx.rawKeys('*')).toEqual([]);
    });

    it('zrange and zrevrange: indexes, desc, withscores', async () => {
      await cache.zadd('z', [
        [{ n: 1 }, 1],
        [2, 2],
        ['three', 3],
      ]);
      expect(await cache.zrange('z', 0, -1)).toEqual([{ n: 1 }, 2, 'three']);
      expect(await cache.zrange('z', -2, -1)).toEqual([2, 'three']);
      expect(await cache.zrange('z', 0, 0, { desc: true })).toEqual(['three']);
      expect(await cache.zrange('z', 0, 1, { withscores: true })).toEqual([
        [{ n: 1 }, 1],
        [2, 2],
      ]);
      expect(await cache.zrevrange('z', 0, -1)).toEqual(['three', 2, { n: 1 }]);
      expect(await cache.zrevrange('z', 0, 0, { withscores: true })).toEqual([['three', 3]]);
      expect(await cache.zrange('z', 5, 10)).toEqual([]);
      expect(await cache.zrange('missing', 0, -1)).toEqual([]);
      await expect(cache.zrange('z', 0.5, 1)).rejects.toThrow(CacheArgumentError);
    });

    it('zrangebyscore and zrevrangebyscore: bounds, offset/count, withscores', async () => {
      await cache.zadd('z', { a: 1, b: 2, c: 3, d: 4, e: 5 });
      expect(await cache.zrangebyscore('z', 2, 4)).toEqual(['b', 'c', 'd']);
      expect(await cache.zrangebyscore('z', '(2', '+inf')).toEqual(['c', 'd', 'e']);
      expect(await cache.zrangebyscore('z', 1, 5, { offset: 1, count: 2 })).toEqual(['b', 'c']);
      expect(await cache.zrangebyscore('z', 1, 5, { offset: 3 })).toEqual(['d', 'e']);
      expect(await cache.zrangebyscore('z', 1, 5, { count: 1, withscores: true })).toEqual([
        ['a', 1],
      ]);
      expect(await cache.zrevrangebyscore('z', 4, 2)).toEqual(['d', 'c', 'b']);
      expect(
        await cache.zrevrangebyscore('z', Infinity, -Infinity, {
          offset: 1,
          count: 2,
          withscores: true,
        }),
      ).toEqual([
        ['d', 4],
        ['c', 3],
      ]);
      await expect(cache.zrangebyscore('z', 'x', 1)).rejects.toThrow(CacheError);
    });

    it('zrank, zrem, zremrangebyscore', async () => {
      await cache.zadd('z', { a: 1, b: 2, c: 3, d: 4 });
      expect(await cache.zrank('z', 'a')).toBe(0);
      expect(await cache.zrank('z', 'c')).toBe(2);
      expect(await cache.zrank('z', 'nope')).toBeNull();
      expect(await cache.zrem('z', ['a', 'nope'])).toBe(1);
      expect(await cache.zrem('z', [])).toBe(0);
      expect(await cache.zremrangebyscore('z', 2, '(4')).toBe(2);
      expect(await cache.zrange('z', 0, -1)).toEqual(['d']);
      expect(await cache.zscore('z', 'a')).toBeNull();
      expect(await cache.zscore('missing', 'a')).toBeNull();
    });

    it('the version option names another key', async () => {
      await cache.zadd('z', { a: 1 }, { version: 2 });
      expect(await cache.zcard('z')).toBe(0);
      expect(await cache.zcard('z', { version: 2 })).toBe(1);
      expect(await raw.exists(':2:z')).toBe(1);
      expect(await cache.zrange('z', 0, -1, { version: 2, withscores: true })).toEqual([['a', 1]]);
      expect(await cache.zpopmin('z', undefined, { version: 2 })).toEqual(['a', 1]);
    });

    it('a sorted-set call on a key of another type fails with a CacheError', async () => {
      await cache.set('str', 'x');
      await expect(cache.zadd('str', { a: 1 })).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.zrange('str', 0, -1)).rejects.toBeInstanceOf(CacheError);
    });
  });
}
