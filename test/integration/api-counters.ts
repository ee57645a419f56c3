/**
 * Counters and versions, ported from django-valkey's backend tests (behaviour, not code):
 * integers stored as raw digits, `incr`/`decr` around the int64 edges (beyond 2^53 as bigint,
 * past int64 by read-add-write keeping the TTL), `ignoreKeyCheck`, `incrVersion`/`decrVersion`.
 *
 * Shared by the standalone spec (`cache-counters.spec.ts`) and the cluster spec
 * (`cache-cluster.spec.ts`): `target` says where the caches live.
 */
import type { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheError,
  CacheKeyNotFoundError,
  type ValkeyCache,
} from '../../lib/index.js';
import { openTargetCache, type CacheFixture, type ApiTarget } from './cache-support.js';

const INT64_MAX = 9223372036854775807n;

export function countersApi(target: ApiTarget): void {
  describe.each(['json', 'msgpack'])('counters and versions, %s serializer', (serializer) => {
    let fx: CacheFixture;
    let cache: ValkeyCache;
    let raw: Valkey;

    beforeAll(async () => {
      fx = await openTargetCache(target, {
        options: { serializer, compressor: 'zlib', compressMinLength: 0 },
      });
      cache = fx.cache;
      raw = fx.raw;
    });
    afterAll(() => fx.close());
    beforeEach(async () => {
      await fx.flush();
    });

    describe('incr', () => {
      it('adds 1 or delta and returns the new value', async () => {
        await cache.set('num', 1);
        expect(await cache.incr('num')).toBe(2);
        expect(await cache.get('num')).toBe(2);
        expect(await cache.incr('num', 10)).toBe(12);
        expect(await cache.get('num')).toBe(12);
        expect(await cache.incr('num', -20)).toBe(-8);
        expect(await cache.get('num')).toBe(-8);
      });

      it('works with any client: the value is raw digits', async () => {
        await cache.set('num', 5);
        expect(await raw.incrby(':1:num', 5)).toBe(10);
        expect(await cache.incr('num')).toBe(11);
        expect(await raw.get(':1:num')).toBe('11');
      });

      it('throws CacheKeyNotFoundError for a missing key', async () => {
        await expect(cache.incr('numnum')).rejects.toBeInstanceOf(CacheKeyNotFoundError);
        await expect(cache.decr('numnum')).rejects.toMatchObject({
          name: 'CacheKeyNotFoundError',
          key: 'numnum',
        });
        expect(await cache.hasKey('numnum')).toBe(false);
      });

      it('with ignoreKeyCheck counts a missing key from 0', async () => {
        expect(await cache.incr('num', 1, { ignoreKeyCheck: true })).toBe(1);
        expect(await cache.get('num')).toBe(1);
        await cache.delete('num');
        expect(await cache.incr('num', 10, { ignoreKeyCheck: true })).toBe(10);
        expect(await cache.get('num')).toBe(10);
        expect(await cache.ttl('num')).toBeNull();
        await cache.set('num', 3);
        expect(await cache.incr('num', 2, { ignoreKeyCheck: true })).toBe(5);
      });

      it('keeps the TTL', async () => {
        await cache.set('num', 1, 100);
        await cache.incr('num');
        expect(await cache.ttl('num')).toBe(100);
      });

      it('returns a bigint beyond 2^53, exact, and a number below', async () => {
        await cache.set('num', Number.MAX_SAFE_INTEGER - 1);
        expect(await cache.incr('num')).toBe(Number.MAX_SAFE_INTEGER);
        expect(await cache.incr('num')).toBe(9007199254740992n);
        expect(await cache.incr('num', 1n)).toBe(9007199254740993n);
        expect(await raw.get(':1:num')).toBe('9007199254740993');
        expect(await cache.get('num')).toBe(9007199254740993n);
        expect(await cache.decr('num', 3)).toBe(Number.MAX_SAFE_INTEGER - 1);
      });

      it('goes past int64 by read-add-write, then back', async () => {
        await cache.set('num', INT64_MAX);
        expect(await raw.get(':1:num')).toBe('9223372036854775807');
        expect(await cache.incr('num')).toBe(9223372036854775808n);
        expect(await cache.get('num')).toBe(9223372036854775808n);
        expect(await cache.incr('num', 2)).toBe(9223372036854775810n);
        expect(await cache.get('num')).toBe(9223372036854775810n);
        expect(await cache.decr('num', 3)).toBe(INT64_MAX);
        expect(await raw.get(':1:num')).toBe('9223372036854775807');
        // Back in range: INCRBY works again, from any client (whose integer reply may lose
        // precision in JavaScript: the stored digits are exact).
        await raw.decrby(':1:num', 2);
        expect(await raw.get(':1:num')).toBe('9223372036854775805');
        expect(await cache.get('num')).toBe(9223372036854775805n);
        await cache.set('num', 3);
        expect(await cache.incr('num', 2)).toBe(5);
      });

      it('past int64 keeps the TTL, or no expiry', async () => {
        await cache.set('num', INT64_MAX, 100);
        await cache.incr('num');
        expect(await cache.ttl('num')).toBe(100);
        expect(await cache.get('num')).toBe(INT64_MAX + 1n);
        await cache.set('num', INT64_MAX, null);
        await cache.incr('num', 1, { ignoreKeyCheck: true });
        expect(await cache.ttl('num')).toBeNull();
        expect(await cache.get('num')).toBe(INT64_MAX + 1n);
      });

      it('below int64 min too', async () => {
        await cache.set('num', -INT64_MAX - 1n);
        expect(await raw.get(':1:num')).toBe('-9223372036854775808');
        expect(await cache.decr('num')).toBe(-INT64_MAX - 2n);
        expect(await cache.incr('num', 2)).toBe(-INT64_MAX);
      });

      it('takes a bigint delta beyond int64', async () => {
        await cache.set('num', 1);
        expect(await cache.incr('num', 2n ** 64n)).toBe(2n ** 64n + 1n);
        expect(await cache.get('num')).toBe(2n ** 64n + 1n);
      });

      it('adds to a float value by read-add-write', async () => {
        await cache.set('num', 1.5);
        expect(await cache.incr('num')).toBe(2.5);
        expect(await cache.get('num')).toBe(2.5);
      });

      it('refuses a value that is not a number, and a fractional delta', async () => {
        await cache.set('text', 'abc');
        await expect(cache.incr('text')).rejects.toBeInstanceOf(CacheError);
        expect(await cache.get('text')).toBe('abc');
        await cache.set('num', 1);
        await expect(cache.incr('num', 1.5)).rejects.toBeInstanceOf(CacheArgumentError);
        await expect(cache.incr('num', 2 ** 60)).rejects.toBeInstanceOf(CacheArgumentError);
        expect(await cache.get('num')).toBe(1);
      });

      it('takes a version', async () => {
        await cache.set('num', 1, undefined, { version: 2 });
        await expect(cache.incr('num')).rejects.toBeInstanceOf(CacheKeyNotFoundError);
        expect(await cache.incr('num', 1, { version: 2 })).toBe(2);
      });
    });

    describe('decr', () => {
      it('subtracts 1 or delta', async () => {
        await cache.set('num', 20);
        expect(await cache.decr('num')).toBe(19);
        expect(await cache.decr('num', 20)).toBe(-1);
        expect(await cache.decr('num', 2)).toBe(-3);
        expect(await cache.get('num')).toBe(-3);
      });

      it('from just past int64 back into it', async () => {
        await cache.set('num', INT64_MAX + 1n);
        expect(await cache.decr('num')).toBe(INT64_MAX);
        expect(await cache.decr('num', 2)).toBe(INT64_MAX - 2n);
        expect(await cache.get('num')).toBe(9223372036854775805n);
      });
    });

    describe('negative integers', () => {
      it('decode as integers (django-valkey reads them as floats)', async () => {
        await cache.set('neg', -5);
        const value = await cache.get('neg');
        expect(value).toBe(-5);
        expect(Number.isInteger(value)).toBe(true);
      });
    });

    describe('incrVersion and decrVersion', () => {
      it('move the value to the next version', async () => {
        await cache.set('keytest', 2);
        expect(await cache.incrVersion('keytest')).toBe(2);
        expect(await cache.get('keytest')).toBeNull();
        expect(await cache.get('keytest', null, { version: 2 })).toBe(2);
      });

      it('keep the TTL, or no expiry', async () => {
        await cache.set('my_key', 'hello world!', 100);
        await cache.incrVersion('my_key');
        expect(await cache.ttl('my_key', { version: 2 })).toBe(100);
        await cache.set('my_key', 'hello world!', null, { version: 3 });
        expect(await cache.decrVersion('my_key', 1, { version: 3 })).toBe(2);
        expect(await cache.get('my_key', null, { version: 2 })).toBe('hello world!');
        expect(await cache.ttl('my_key', { version: 2 })).toBeNull();
      });

      it('decrVersion from an explicit version, by delta', async () => {
        await cache.set('keytest', { v: 2 }, undefined, { version: 3 });
        expect(await cache.decrVersion('keytest', 1, { version: 3 })).toBe(2);
        expect(await cache.get('keytest', null, { version: 3 })).toBeNull();
        expect(await cache.get('keytest', null, { version: 2 })).toEqual({ v: 2 });
        expect(await cache.incrVersion('keytest', 5, { version: 2 })).toBe(7);
        expect(await cache.get('keytest', null, { version: 7 })).toEqual({ v: 2 });
      });

      it('replace what the new version held', async () => {
        await cache.set('k', 'old');
        await cache.set('k', 'other', undefined, { version: 2 });
        await cache.incrVersion('k');
        expect(await cache.get('k', null, { version: 2 })).toBe('old');
      });

      it('throw CacheKeyNotFoundError for a missing key', async () => {
        await expect(cache.incrVersion('missing')).rejects.toBeInstanceOf(CacheKeyNotFoundError);
        await expect(cache.decrVersion('missing', 0)).rejects.toBeInstanceOf(CacheKeyNotFoundError);
      });

      it('keep a counter counting', async () => {
        await cache.set('num', 41);
        await cache.incrVersion('num');
        expect(await cache.incr('num', 1, { version: 2 })).toBe(42);
      });
    });
  });
}
