/**
 * Lists, as django-valkey's list commands behave: elements encoded like values (the stored bytes
 * are the codec's), pushes and pops (with count), ranges, `LREM`/`LSET`/`LINSERT`/`LTRIM`,
 * `LMOVE`, and the blocking pops with their timeout rule: seconds, above 0, ending before the
 * socket timeout, on a connection of their own.
 *
 * Shared by the standalone spec (`cache-lists.spec.ts`), the cluster spec
 * (`cache-cluster.spec.ts`) and the in-memory run (`test/unit/testing-kit-api.spec.ts`), where
 * a blocking pop with nothing to pop replies `null` at once instead of waiting.
 */
import type { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheError,
  CacheKeyNotFoundError,
  type ValkeyCache,
} from '../../lib/index.js';
import { clusterSlot } from '../../lib/extend/index.js';
import { openTargetCache, sleep, type ApiTarget, type CacheFixture } from './cache-support.js';

const SOCKET_TIMEOUT_S = 2;

export function listsApi(target: ApiTarget): void {
  const realServerOnly = target.inMemory ? it.skip : it;
  const clusterOnly = target.kind === 'cluster' ? it : it.skip;

  describe.each([
    ['json', 'identity'],
    ['msgpack', 'zlib'],
  ])('lists, %s serializer + %s compressor', (serializer, compressor) => {
    let fx: CacheFixture;
    let cache: ValkeyCache;
    let raw: Valkey;

    beforeAll(async () => {
      fx = await openTargetCache(target, {
        options: { serializer, compressor, compressMinLength: 0, socketTimeout: SOCKET_TIMEOUT_S },
      });
      cache = fx.cache;
      raw = fx.raw;
    });
    afterAll(() => fx.close());
    beforeEach(async () => {
      await fx.flush();
    });

    const encoded = (value: unknown): Buffer => Buffer.from(cache.client.codec.encode(value));

    it('lpush and rpush; lrange, llen, lindex; the stored elements are the codec bytes', async () => {
      expect(await cache.rpush('l', ['b', { c: 1 }])).toBe(2);
      expect(await cache.lpush('l', [1, 'a'])).toBe(4);
      expect(await cache.lrange('l', 0, -1)).toEqual(['a', 1, 'b', { c: 1 }]);
      expect(await cache.lrange('l', 1, 2)).toEqual([1, 'b']);
      expect(await cache.lrange('missing', 0, -1)).toEqual([]);
      expect(await cache.llen('l')).toBe(4);
      expect(await cache.llen('missing')).toBe(0);
      expect(await cache.lindex('l', -1)).toEqual({ c: 1 });
      expect(await cache.lindex('l', 10)).toBeNull();
      expect(await raw.lrangeBuffer(':1:l', 0, -1)).toEqual(
        ['a', 1, 'b', { c: 1 }].map((v) => encoded(v)),
      );
      await expect(cache.lpush('l', [])).rejects.toThrow(CacheArgumentError);
    });

    it('lpop and rpop, with and without count', async () => {
      await cache.rpush('l', [1, 2, 3, 4, 5]);
      expect(await cache.lpop('l')).toBe(1);
      expect(await cache.rpop('l')).toBe(5);
      expect(await cache.lpop('l', 2)).toEqual([2, 3]);
      expect(await cache.rpop('l', 5)).toEqual([4]);
      expect(await cache.lpop('l')).toBeNull();
      expect(await cache.rpop('l', 2)).toEqual([]);
      expect(await fx.rawKeys('*')).toEqual([]);
    });

    it('lrem, ltrim, lset, linsert', async () => {
      await cache.rpush('l', ['x', 'y', 'x', 'z', 'x']);
      expect(await cache.lrem('l', 1, 'x')).toBe(1);
      expect(await cache.lrange('l', 0, -1)).toEqual(['y', 'x', 'z', 'x']);
      expect(await cache.lrem('l', -1, 'x')).toBe(1);
      expect(await cache.lrange('l', 0, -1)).toEqual(['y', 'x', 'z']);
      expect(await cache.lrem('l', 0, 'nope')).toBe(0);
      expect(await cache.lset('l', 0, { y: true })).toBe(true);
      expect(await cache.linsert('l', 'BEFORE', 'z', 2)).toBe(4);
      expect(await cache.linsert('l', 'AFTER', 'z', 'end')).toBe(5);
      expect(await cache.linsert('l', 'AFTER', 'nope', 'v')).toBe(-1);
      expect(await cache.linsert('missing', 'AFTER', 'z', 'v')).toBe(0);
      expect(await cache.lrange('l', 0, -1)).toEqual([{ y: true }, 'x', 2, 'z', 'end']);
      expect(await cache.ltrim('l', 1, 2)).toBe(true);
      expect(await cache.lrange('l', 0, -1)).toEqual(['x', 2]);
      await expect(cache.lset('l', 5, 'v')).rejects.toThrow(/index out of range/);
      await expect(cache.lset('missing', 0, 'v')).rejects.toBeInstanceOf(CacheKeyNotFoundError);
      await expect(cache.linsert('l', 'MIDDLE' as 'AFTER', 'x', 1)).rejects.toThrow(
        CacheArgumentError,
      );
    });

    it('lmove between lists of one {tag}, and within one list', async () => {
      await cache.rpush('{l}a', [1, 2, 3]);
      expect(await cache.lmove('{l}a', '{l}b')).toBe(1);
      expect(await cache.lmove('{l}a', '{l}b', 'RIGHT', 'LEFT')).toBe(3);
      expect(await cache.lrange('{l}b', 0, -1)).toEqual([3, 1]);
      expect(await cache.lmove('{l}b', '{l}b', 'LEFT', 'RIGHT')).toBe(3);
      expect(await cache.lrange('{l}b', 0, -1)).toEqual([1, 3]);
      expect(await cache.lmove('{l}missing', '{l}b')).toBeNull();
      await expect(cache.lmove('{l}a', '{l}b', 'UP' as 'LEFT')).rejects.toThrow(CacheArgumentError);
    });

    it('blpop, brpop and blmove take what is there at once', async () => {
      await cache.rpush('{b}one', ['a', 'b']);
      expect(await cache.blpop(['{b}empty', '{b}one'], 0.5)).toEqual(['{b}one', 'a']);
      expect(await cache.brpop('{b}one', 0.5)).toEqual(['{b}one', 'b']);
      await cache.rpush('{b}one', [{ v: 1 }]);
      expect(await cache.blmove('{b}one', '{b}two', 0.5, 'RIGHT', 'LEFT')).toEqual({ v: 1 });
      expect(await cache.lrange('{b}two', 0, -1)).toEqual([{ v: 1 }]);
    });

    it('blpop, brpop and blmove return null when the timeout passes', async () => {
      const started = Date.now();
      expect(await cache.blpop(['{b}x', '{b}y'], 0.2)).toBeNull();
      expect(await cache.brpop('{b}x', 0.2)).toBeNull();
      expect(await cache.blmove('{b}x', '{b}y', 0.2)).toBeNull();
      // A real server waits for the timeout; the in-memory store answers at once.
      if (!target.inMemory) expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(Date.now() - started).toBeLessThan(SOCKET_TIMEOUT_S * 1000 * 3);
    });

    it('a blocking timeout that is 0, not a number, or would outlast the socket timeout is refused', async () => {
      await cache.rpush('{b}x', ['there']);
      for (const timeout of [0, -1, NaN, Infinity, SOCKET_TIMEOUT_S, SOCKET_TIMEOUT_S - 0.1]) {
        const error = (await cache.blpop('{b}x', timeout).catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(CacheArgumentError);
        expect(error).toMatchObject({ alias: 'default' });
        expect(error.message).toMatch(/socketTimeout/);
      }
      await expect(cache.blmove('{b}x', '{b}y', 5)).rejects.toThrow(/at most 1\.75 s/);
      await expect(cache.brpop('{b}x', '1' as unknown as number)).rejects.toThrow(
        CacheArgumentError,
      );
      // Nothing was sent: the element is still there.
      expect(await cache.lrange('{b}x', 0, -1)).toEqual(['there']);
      expect(await cache.blpop('{b}x', SOCKET_TIMEOUT_S - 0.25)).toEqual(['{b}x', 'there']);
    });

    realServerOnly('a waiting blpop takes an element pushed meanwhile', async () => {
      const waiting = cache.blpop(['{w}a', '{w}b'], 1.5);
      await sleep(100);
      await cache.rpush('{w}b', [{ pushed: 1 }]);
      expect(await waiting).toEqual(['{w}b', { pushed: 1 }]);
      expect(await cache.llen('{w}b')).toBe(0);
    });

    realServerOnly('a waiting blpop does not hold up the cache’s other commands', async () => {
      await cache.set('k', 'v');
      const waiting = cache.blpop('{w}never', 1);
      await sleep(50);
      const started = Date.now();
      expect(await cache.get('k')).toBe('v');
      expect(Date.now() - started).toBeLessThan(500);
      expect(await waiting).toBeNull();
    });

    clusterOnly('lmove and the blocking pops across slots are refused before sending', async () => {
      const [a, b] = ['x1', 'x2'];
      expect(clusterSlot(cache.makeKey(a))).not.toBe(clusterSlot(cache.makeKey(b)));
      await cache.rpush(a, ['kept']);
      await expect(cache.lmove(a, b)).rejects.toThrow(CacheArgumentError);
      await expect(cache.blmove(a, b, 0.5)).rejects.toThrow(CacheArgumentError);
      await expect(cache.blpop([b, a], 0.5)).rejects.toThrow(/common \{tag\}/);
      expect(await cache.lrange(a, 0, -1)).toEqual(['kept']);
    });

    it('the version option names another key', async () => {
      await cache.rpush('l', ['v2'], { version: 2 });
      expect(await cache.llen('l')).toBe(0);
      expect(await raw.exists(':2:l')).toBe(1);
      expect(await cache.lrange('l', 0, -1, { version: 2 })).toEqual(['v2']);
      expect(await cache.blpop('l', 0.5, { version: 2 })).toEqual(['l', 'v2']);
    });

    it('a list call on a key of another type fails with a CacheError', async () => {
      await cache.set('str', 'x');
      await expect(cache.lpush('str', [1])).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.lrange('str', 0, -1)).rejects.toBeInstanceOf(CacheError);
    });
  });
}
