/**
 * HerdClient (django-valkey's thundering-herd protection) against the shared standalone server:
 * the stored envelope and real TTL, stale values served during the herd window, refused
 * counters, and getOrSet running the factory once for 200 concurrent callers spread over four
 * independent caches (four Nest apps: in-process single flight plus the cross-process lock).
 */
import { CacheArgumentError, type ValkeyCache } from '../../lib/index.js';
import { HERD_MARKER } from '../../lib/cache/herd-cache.js';
import { HerdCache } from '../../lib/extend/index.js';
import { openCache, sleep, type CacheFixture } from './cache-support.js';

const DB = 11;

describe('HerdClient', () => {
  const fixtures: CacheFixture[] = [];
  const open = async (herdTimeout?: number, prefix = 'herd'): Promise<ValkeyCache> => {
    const fx = await openCache(
      DB,
      {
        keyPrefix: prefix,
        options: {
          clientClass: 'HerdClient',
          ...(herdTimeout !== undefined && { herdTimeout }),
        },
      },
      `herd${fixtures.length}`,
    );
    fixtures.push(fx);
    return fx.cache;
  };
  let cache: ValkeyCache;

  beforeAll(async () => {
    cache = await open();
  });
  afterAll(async () => {
    for (const fx of fixtures) await fx.close();
  });
  beforeEach(async () => {
    await fixtures[0]!.raw.flushdb();
  });

  it('stores [marker, value, expiry] with a real TTL longer by herdTimeout (60 s default)', async () => {
    expect(cache).toBeInstanceOf(HerdCache);
    expect(await cache.set('k', { a: 1 }, 10)).toBe(true);
    const stored = JSON.parse((await fixtures[0]!.raw.get('herd:1:k'))!) as unknown[];
    expect(stored[0]).toBe(HERD_MARKER);
    expect(stored[1]).toEqual({ a: 1 });
    expect(stored[2]).toBeGreaterThan(Date.now() / 1000 + 9);
    const pttl = (await cache.pttl('k'))!;
    expect(pttl).toBeGreaterThan(69_000);
    expect(pttl).toBeLessThanOrEqual(70_000);
    expect(await cache.get('k')).toEqual({ a: 1 });
    expect(await cache.add('k', 'other', 10)).toBe(false);
  });

  it('stores values without expiry as given (raw integers stay raw)', async () => {
    await cache.set('forever', 7, null);
    expect(await fixtures[0]!.raw.get('herd:1:forever')).toBe('7');
    expect(await cache.ttl('forever')).toBeNull();
    expect(await cache.get('forever')).toBe(7);
    await cache.set('forever', 7, 0);
    expect(await cache.hasKey('forever')).toBe(false);
  });

  it('serves the stale value to most callers early in the herd window', async () => {
    await cache.set('stale', 'old', 0.2);
    await sleep(400);
    const got = await Promise.all(Array.from({ length: 300 }, () => cache.get('stale', 'MISS')));
    const misses = got.filter((v) => v === 'MISS').length;
    // Each caller refreshes with probability 1/60 here (Django's rule): expect ~5 of 300.
    expect(misses).toBeLessThan(40);
    expect(got.filter((v) => v === 'old').length).toBe(300 - misses);
  });

  it('makes every caller refresh once the herd window is short', async () => {
    const short = await open(1, 'herd-short');
    await short.set('stale', 'old', 0.2);
    await short.set('fresh', 'new', 30);
    await sleep(400);
    expect(await short.get('stale', 'MISS')).toBe('MISS');
    expect(await short.getMany(['stale', 'fresh'])).toEqual({ fresh: 'new' });
    expect(await short.hasKey('stale')).toBe(true); // still stored until timeout + herdTimeout
  });

  it('packs setMany and mset values with the herd window', async () => {
    expect(await cache.setMany({ a: 1, b: 'two' }, 5)).toEqual([]);
    expect(await cache.mset({ c: [3] }, 5)).toBe(true);
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual({ a: 1, b: 'two', c: [3] });
    expect(await cache.mget(['a'])).toEqual({ a: 1 });
    expect(await cache.ttl('a')).toBeGreaterThan(60);
    expect(await cache.ttl('c')).toBeGreaterThan(60);
  });

  it('refuses incr and decr clearly', async () => {
    await cache.set('n', 1, null);
    await expect(cache.incr('n')).rejects.toThrow(CacheArgumentError);
    await expect(cache.decr('n')).rejects.toThrow(/not supported by HerdClient/);
  });

  it('touch stores the value again with the new timeout', async () => {
    await cache.set('t', 'v', 5);
    expect(await cache.touch('t', 100)).toBe(true);
    expect(await cache.ttl('t')).toBeGreaterThan(155);
    expect(await cache.get('t')).toBe('v');
    expect(await cache.touch('missing', 100)).toBe(false);
    expect(await cache.hasKey('missing')).toBe(false);
  });

  it('sorted-set members and list elements are stored as the codec writes them, no envelope', async () => {
    expect(await cache.zadd('z', [[{ m: 1 }, 2]])).toBe(1);
    expect(await cache.rpush('l', [{ e: 1 }, 'two'])).toBe(2);
    const raw = fixtures[0]!.raw;
    expect(await raw.zrange('herd:1:z', 0, -1)).toEqual(['{"m":1}']);
    expect(await raw.lrange('herd:1:l', 0, -1)).toEqual(['{"e":1}', '"two"']);
    expect(await cache.zrange('z', 0, -1, { withscores: true })).toEqual([[{ m: 1 }, 2]]);
    expect(await cache.zpopmax('z')).toEqual([{ m: 1 }, 2]);
    expect(await cache.lrange('l', 0, -1)).toEqual([{ e: 1 }, 'two']);
    expect(await cache.blpop('l', 0.5)).toEqual(['l', { e: 1 }]);
    expect(await cache.lmove('l', 'l2')).toBe('two');
  });

  describe('getOrSet single flight', () => {
    let caches: ValkeyCache[];
    beforeAll(async () => {
      // Four independent caches on one prefix: as four processes, sharing only the server.
      caches = [cache, await open(60), await open(60), await open(60)];
    });

    const herd = async (key: string, value: string): Promise<{ runs: number; got: unknown[] }> => {
      let runs = 0;
      const factory = async (): Promise<string> => {
        runs++;
        await sleep(100);
        return value;
      };
      const got = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          caches[i % caches.length]!.getOrSet(key, factory, 30),
        ),
      );
      return { runs, got };
    };

    it('runs the factory once for 200 concurrent callers on a missing key', async () => {
      const { runs, got } = await herd('cold', 'computed');
      expect(runs).toBe(1);
      expect(got.every((v) => v === 'computed')).toBe(true);
      expect(await cache.get('cold')).toBe('computed');
    });

    it('runs the factory once for 200 concurrent callers on an expired key', async () => {
      await cache.set('warm', 'old', 0.2);
      await sleep(400);
      const { runs, got } = await herd('warm', 'new');
      expect(runs).toBe(1);
      expect(got.every((v) => v === 'old' || v === 'new')).toBe(true);
      expect(got).toContain('new');
      expect(await cache.get('warm')).toBe('new');
      // The refresh lock is gone once the value is stored.
      expect(await cache.hasKey('warm:herd-lock')).toBe(false);
    });

    it('returns a fresh value without running the factory', async () => {
      await cache.set('hot', 'cached', 30);
      const { runs, got } = await herd('hot', 'unused');
      expect(runs).toBe(0);
      expect(new Set(got)).toEqual(new Set(['cached']));
    });
  });
});
