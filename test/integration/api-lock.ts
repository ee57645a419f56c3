/**
 * Locks, ported from django-valkey's backend tests and valkey-py's Lock semantics (behaviour,
 * not code): a lock is a prefixed key, owned by the one caller that acquired it, released or
 * extended only by that caller; blocking with a timeout; `run()` as Python's `with cache.lock():`.
 *
 * Shared by the standalone spec (`cache-lock.spec.ts`) and the cluster spec
 * (`cache-cluster.spec.ts`): `target` says where the caches live.
 */
import { jest } from '@jest/globals';
import type { Valkey } from 'iovalkey';
import { LockError, LockNotOwnedError, type ValkeyCache } from '../../lib/index.js';
import { openTargetCache, sleep, type CacheFixture, type ApiTarget } from './cache-support.js';

export function lockApi(target: ApiTarget): void {
  describe('lock', () => {
    let fx: CacheFixture;
    let cache: ValkeyCache;
    let raw: Valkey;

    beforeAll(async () => {
      fx = await openTargetCache(target, {});
      cache = fx.cache;
      raw = fx.raw;
    });
    afterAll(() => fx.close());
    beforeEach(async () => {
      await fx.flush();
    });

    it('is a key of the cache while held', async () => {
      const lock = cache.lock('foobar');
      expect(await lock.acquire({ blocking: true })).toBe(true);
      expect(await cache.hasKey('foobar')).toBe(true);
      expect(lock.key).toBe(':1:foobar');
      expect(await cache.ttl('foobar')).toBeNull();
      await lock.release();
      expect(await cache.hasKey('foobar')).toBe(false);
    });

    it('takes a version', async () => {
      const lock = cache.lock('foobar', { version: 2 });
      await lock.acquire();
      expect(await raw.exists(':2:foobar')).toBe(1);
      await lock.release();
    });

    it('run() holds it around a function and releases it, also when the function throws', async () => {
      const result = await cache.lock('foobar').run(async () => {
        expect(await cache.hasKey('foobar')).toBe(true);
        return 42;
      });
      expect(result).toBe(42);
      expect(await cache.hasKey('foobar')).toBe(false);
      await expect(
        cache.lock('foobar').run(() => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await cache.hasKey('foobar')).toBe(false);
    });

    it('run() throws LockError when the lock cannot be had', async () => {
      const holder = cache.lock('foobar');
      await holder.acquire();
      const fn = jest.fn();
      await expect(cache.lock('foobar', { blocking: false }).run(fn)).rejects.toBeInstanceOf(
        LockError,
      );
      await expect(cache.lock('foobar', { blockingTimeout: 0.1 }).run(fn)).rejects.toBeInstanceOf(
        LockError,
      );
      expect(fn).not.toHaveBeenCalled();
      await holder.release();
    });

    it('is owned by one caller: others cannot take, release or extend it', async () => {
      const mine = cache.lock('foobar', { timeout: 10 });
      const theirs = cache.lock('foobar', { timeout: 10 });
      expect(await mine.acquire()).toBe(true);
      expect(await theirs.acquire({ blocking: false })).toBe(false);
      expect(await mine.owned()).toBe(true);
      expect(await theirs.owned()).toBe(false);
      expect(await theirs.locked()).toBe(true);
      await expect(theirs.release()).rejects.toBeInstanceOf(LockNotOwnedError);
      await expect(theirs.extend(10)).rejects.toBeInstanceOf(LockNotOwnedError);
      expect(await cache.hasKey('foobar')).toBe(true);
      await mine.release();
      expect(await mine.locked()).toBe(false);
      await expect(mine.release()).rejects.toBeInstanceOf(LockNotOwnedError);
    });

    it('can be released from another async context than the one that acquired it', async () => {
      const lock = cache.lock('foobar');
      await lock.acquire();
      await new Promise<void>((resolve, reject) => {
        setTimeout(() => lock.release().then(resolve, reject), 10);
      });
      expect(await cache.hasKey('foobar')).toBe(false);
    });

    it('expires after its timeout; a late release does not free the next holder', async () => {
      const first = cache.lock('foobar', { timeout: 0.2 });
      expect(await first.acquire()).toBe(true);
      const pttl = (await cache.pttl('foobar'))!;
      expect(pttl).toBeGreaterThan(100);
      expect(pttl).toBeLessThanOrEqual(200);
      await sleep(300);
      const second = cache.lock('foobar', { timeout: 10 });
      expect(await second.acquire({ blocking: false })).toBe(true);
      await expect(first.release()).rejects.toBeInstanceOf(LockNotOwnedError);
      expect(await second.owned()).toBe(true);
      await second.release();
    });

    it('extend adds time, or replaces it', async () => {
      const lock = cache.lock('foobar', { timeout: 1 });
      await lock.acquire();
      expect(await lock.extend(10)).toBe(true);
      const extended = (await cache.pttl('foobar'))!;
      expect(extended).toBeGreaterThan(10_000);
      expect(extended).toBeLessThanOrEqual(11_000);
      expect(await lock.extend(5, true)).toBe(true);
      const replaced = (await cache.pttl('foobar'))!;
      expect(replaced).toBeGreaterThan(4_900);
      expect(replaced).toBeLessThanOrEqual(5_000);
      await lock.release();
      await expect(lock.extend(1)).rejects.toBeInstanceOf(LockNotOwnedError);
    });

    it('extend of a lock without timeout is a LockError', async () => {
      const lock = cache.lock('foobar');
      await lock.acquire();
      await expect(lock.extend(1)).rejects.toBeInstanceOf(LockError);
      await lock.release();
    });

    it('blockingTimeout: gives up after that many seconds', async () => {
      const holder = cache.lock('foobar', { timeout: 10 });
      await holder.acquire();
      const waiter = cache.lock('foobar', { sleep: 0.05 });
      const started = Date.now();
      expect(await waiter.acquire({ blockingTimeout: 0.3 })).toBe(false);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(280);
      expect(waited).toBeLessThan(1_000);
      await holder.release();
    });

    it('blocking: waits until the holder releases it', async () => {
      const holder = cache.lock('foobar');
      await holder.acquire();
      const waiter = cache.lock('foobar', { sleep: 0.02, blockingTimeout: 5 });
      setTimeout(() => void holder.release(), 150);
      const started = Date.now();
      expect(await waiter.acquire()).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(await waiter.owned()).toBe(true);
      await waiter.release();
    });

    it('only one of many concurrent callers gets it', async () => {
      const locks = Array.from({ length: 10 }, () => cache.lock('foobar', { timeout: 5 }));
      const got = await Promise.all(locks.map((l) => l.acquire({ blocking: false })));
      expect(got.filter(Boolean)).toHaveLength(1);
      await locks[got.indexOf(true)]!.release();
    });

    it('refuses invalid options', () => {
      expect(() => cache.lock('foobar', { timeout: 0 })).toThrow(LockError);
      expect(() => cache.lock('foobar', { sleep: -1 })).toThrow(LockError);
      expect(() => cache.lock('foobar', { blockingTimeout: -1 })).toThrow(LockError);
    });
  });
}
