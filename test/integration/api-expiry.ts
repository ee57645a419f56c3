/**
 * Timeouts and expiry, ported from django-valkey's backend tests (behaviour, not code): the
 * `timeout` argument (omitted, `null`, `0`, negative, fractional), `ttl`/`pttl`, `expire*`,
 * `persist` and `touch`. Timeouts are in seconds; the sleeps are kept short with fractional
 * timeouts.
 *
 * Shared by the standalone spec (`cache-expiry.spec.ts`) and the cluster spec
 * (`cache-cluster.spec.ts`): `target` says where the caches live.
 */
import type { Valkey } from 'iovalkey';
import { CacheArgumentError, type ValkeyCache } from '../../lib/index.js';
import { sleep, type CachesFixture, type ApiTarget } from './cache-support.js';

const HOUR_MS = 3_600_000;

export function expiryApi(target: ApiTarget): void {
  describe('timeouts and expiry', () => {
    let fx: CachesFixture;
    let cache: ValkeyCache;
    let raw: Valkey;

    beforeAll(async () => {
      fx = await target.openCaches({
        default: {},
        forever: { keyPrefix: 'forever', timeout: null },
        short: { keyPrefix: 'short', timeout: 12.5 },
      });
      cache = fx.caches['default']!;
      raw = fx.raw;
    });
    afterAll(() => fx.close());
    beforeEach(async () => {
      await fx.flush();
    });

    describe('the timeout argument of set', () => {
      it('omitted: the cache default (300 s unless configured)', async () => {
        await cache.set('k', 'v');
        expect(await cache.ttl('k')).toBe(300);
        const forever = fx.caches['forever']!;
        await forever.set('k', 'v');
        expect(await forever.ttl('k')).toBeNull();
        const short = fx.caches['short']!;
        await short.set('k', 'v');
        const pttl = (await short.pttl('k'))!;
        expect(pttl).toBeGreaterThan(12_000);
        expect(pttl).toBeLessThanOrEqual(12_500);
        expect(short.defaultTimeout).toBe(12.5);
      });

      it('expires a key after the timeout', async () => {
        await cache.set('test_key', 222, 0.3);
        expect(await cache.get('test_key')).toBe(222);
        await sleep(400);
        expect(await cache.get('test_key')).toBeNull();
      });

      it('null: never expires', async () => {
        await cache.set('test_key', 222, null);
        expect(await cache.ttl('test_key')).toBeNull();
        expect(await raw.pttl(':1:test_key')).toBe(-1);
      });

      it('0: deletes the key and stores nothing', async () => {
        await cache.set('test_key', 222, 0);
        expect(await cache.get('test_key')).toBeNull();
        await cache.set('test_key', 222);
        expect(await cache.set('test_key', 333, 0)).toBe(true);
        expect(await cache.hasKey('test_key')).toBe(false);
      });

      it('negative: deletes the key, also one that never expires', async () => {
        expect(await cache.set('test_key', 222, -1)).toBe(false);
        expect(await cache.get('test_key')).toBeNull();
        await cache.set('test_key', 222, null);
        await cache.set('test_key', 222, -1);
        expect(await cache.get('test_key')).toBeNull();
      });

      it('negative with nx: keeps an existing key and its expiry, stores nothing new', async () => {
        await cache.set('test_key', 222, null);
        expect(await cache.set('test_key', 333, -1, { nx: true })).toBe(false);
        expect(await cache.get('test_key')).toBe(222);
        expect(await cache.ttl('test_key')).toBeNull();
        // Absent key: reports that it was absent, and stores nothing.
        expect(await cache.set('absent', 1, -1, { nx: true })).toBe(true);
        expect(await cache.hasKey('absent')).toBe(false);
      });

      it('fractional seconds are kept to the millisecond (stored with PX)', async () => {
        await cache.set('foo', 'bar', 5.5);
        const pttl = (await cache.pttl('foo'))!;
        expect(pttl).toBeGreaterThan(5_400);
        expect(pttl).toBeLessThanOrEqual(5_500);
      });

      it('a timeout below a millisecond rounds down to 0 and deletes, as Django does', async () => {
        await cache.set('test_key', 222, 0.00001);
        expect(await cache.get('test_key')).toBeNull();
      });

      it('nx with a timeout: expires when stored, leaves an existing key and its expiry alone', async () => {
        expect(await cache.set('test_key_nx', 1, 0.3, { nx: true })).toBe(true);
        await sleep(400);
        expect(await cache.get('test_key_nx')).toBeNull();
        await cache.set('test_key_nx', 1, null);
        expect(await cache.set('test_key_nx', 2, 0.3, { nx: true })).toBe(false);
        await sleep(400);
        expect(await cache.get('test_key_nx')).toBe(1);
        expect(await cache.ttl('test_key_nx')).toBeNull();
      });

      it('Infinity never expires; NaN and non-numbers are refused before anything is sent', async () => {
        await cache.set('inf', 1, Infinity);
        expect(await cache.ttl('inf')).toBeNull();
        await expect(cache.set('nan', 1, NaN)).rejects.toBeInstanceOf(CacheArgumentError);
        await expect(cache.set('str', 1, '10' as unknown as number)).rejects.toBeInstanceOf(
          CacheArgumentError,
        );
        expect(await cache.hasKey('nan')).toBe(false);
      });

      it('add and getOrSet take the same timeouts', async () => {
        await cache.add('a', 1, 7);
        expect(await cache.ttl('a')).toBe(7);
        await cache.getOrSet('b', () => 2, null);
        expect(await cache.ttl('b')).toBeNull();
        await cache.getOrSet('c', () => 3);
        expect(await cache.ttl('c')).toBe(300);
      });
    });

    describe('ttl and pttl', () => {
      it('ttl: seconds left, null without expiry, 0 for a missing or deleted key', async () => {
        await cache.set('foo', 'bar', 10);
        expect(await cache.ttl('foo')).toBe(10);
        await cache.set('foo', 'foo', null);
        expect(await cache.ttl('foo')).toBeNull();
        await cache.set('foo', 'foo', -1);
        expect(await cache.ttl('foo')).toBe(0);
        expect(await cache.ttl('not-existent-key')).toBe(0);
      });

      it('pttl: milliseconds left, null without expiry, 0 for a missing key', async () => {
        await cache.set('foo', 'bar', 10);
        const pttl = (await cache.pttl('foo'))!;
        expect(pttl).toBeGreaterThan(9_900);
        expect(pttl).toBeLessThanOrEqual(10_000);
        await cache.set('foo', 'foo', null);
        expect(await cache.pttl('foo')).toBeNull();
        await cache.set('foo', 'foo', -1);
        expect(await cache.pttl('foo')).toBe(0);
        expect(await cache.pttl('not-existent-key')).toBe(0);
      });

      it('take a version', async () => {
        await cache.set('foo', 'bar', 10, { version: 2 });
        expect(await cache.ttl('foo')).toBe(0);
        expect(await cache.ttl('foo', { version: 2 })).toBe(10);
      });
    });

    describe('persist', () => {
      it('removes the expiry; false for a missing key or one without expiry', async () => {
        await cache.set('foo', 'bar', 20);
        expect(await cache.persist('foo')).toBe(true);
        expect(await cache.ttl('foo')).toBeNull();
        expect(await cache.persist('foo')).toBe(false);
        expect(await cache.persist('not-existent-key')).toBe(false);
      });
    });

    describe('expire and pexpire', () => {
      it('expire sets seconds, fractions kept; false for a missing key', async () => {
        await cache.set('foo', 'bar', null);
        expect(await cache.expire('foo', 20)).toBe(true);
        expect(await cache.ttl('foo')).toBe(20);
        expect(await cache.expire('foo', 1.5)).toBe(true);
        const pttl = (await cache.pttl('foo'))!;
        expect(pttl).toBeGreaterThan(1_400);
        expect(pttl).toBeLessThanOrEqual(1_500);
        expect(await cache.expire('not-existent-key', 20)).toBe(false);
      });

      it('expire with the default timeout', async () => {
        await cache.set('foo', 'bar', null);
        expect(await cache.expire('foo', cache.defaultTimeout!)).toBe(true);
        expect(await cache.ttl('foo')).toBe(300);
      });

      it('expire with 0 or a negative time deletes the key', async () => {
        await cache.set('foo', 'bar', null);
        expect(await cache.expire('foo', 0)).toBe(true);
        expect(await cache.hasKey('foo')).toBe(false);
        await cache.set('foo', 'bar', null);
        expect(await cache.pexpire('foo', -5)).toBe(true);
        expect(await cache.hasKey('foo')).toBe(false);
      });

      it('pexpire sets milliseconds; false for a missing key', async () => {
        await cache.set('foo', 'bar', null);
        expect(await cache.pexpire('foo', 20_500)).toBe(true);
        const pttl = (await cache.pttl('foo'))!;
        expect(pttl).toBeGreaterThan(20_400);
        expect(pttl).toBeLessThanOrEqual(20_500);
        expect(await cache.pexpire('not-existent-key', 20_500)).toBe(false);
      });

      it('refuses a non-finite time', async () => {
        await expect(cache.expire('foo', NaN)).rejects.toBeInstanceOf(CacheArgumentError);
        await expect(cache.pexpireAt('foo', Infinity)).rejects.toBeInstanceOf(CacheArgumentError);
      });
    });

    describe('expireAt and pexpireAt', () => {
      it('expireAt takes a Date or seconds since the epoch; a past time deletes the key', async () => {
        await cache.set('foo', 'bar', null);
        expect(await cache.expireAt('foo', new Date(Date.now() + HOUR_MS))).toBe(true);
        expect(Math.abs((await cache.ttl('foo'))! - 3600)).toBeLessThanOrEqual(1);

        await cache.set('foo', 'bar', null);
        expect(await cache.expireAt('foo', Math.floor((Date.now() + 2 * HOUR_MS) / 1000))).toBe(
          true,
        );
        expect(Math.abs((await cache.ttl('foo'))! - 7200)).toBeLessThanOrEqual(1);

        expect(await cache.expireAt('foo', new Date(Date.now() - 2 * HOUR_MS))).toBe(true);
        expect(await cache.get('foo')).toBeNull();
        expect(await cache.expireAt('not-existent-key', new Date(Date.now() + 2 * HOUR_MS))).toBe(
          false,
        );
      });

      it('pexpireAt takes a Date or milliseconds since the epoch; a past time deletes the key', async () => {
        await cache.set('foo', 'bar', null);
        expect(await cache.pexpireAt('foo', new Date(Date.now() + HOUR_MS))).toBe(true);
        expect(Math.abs((await cache.pttl('foo'))! - HOUR_MS)).toBeLessThan(1_000);

        await cache.set('foo', 'bar', null);
        expect(await cache.pexpireAt('foo', Date.now() + 2 * HOUR_MS)).toBe(true);
        expect(Math.abs((await cache.pttl('foo'))! - 2 * HOUR_MS)).toBeLessThan(1_000);

        expect(await cache.pexpireAt('foo', Date.now() - 2 * HOUR_MS)).toBe(true);
        expect(await cache.get('foo')).toBeNull();
        expect(await cache.pexpireAt('not-existent-key', Date.now() + 2 * HOUR_MS)).toBe(false);
      });
    });

    describe('touch', () => {
      it('0: deletes the key and reports it existed', async () => {
        await cache.set('test_key', 222, 10);
        expect(await cache.touch('test_key', 0)).toBe(true);
        expect(await cache.get('test_key')).toBeNull();
      });

      it('a positive timeout: the key expires then', async () => {
        await cache.set('test_key', 222, 10);
        expect(await cache.touch('test_key', 0.3)).toBe(true);
        expect(await cache.get('test_key')).toBe(222);
        await sleep(400);
        expect(await cache.get('test_key')).toBeNull();
      });

      it('a negative timeout: deletes the key', async () => {
        await cache.set('test_key', 222, 10);
        expect(await cache.touch('test_key', -1)).toBe(true);
        expect(await cache.get('test_key')).toBeNull();
      });

      it('a missing key: false', async () => {
        expect(await cache.touch('test_key_does_not_exist', 1)).toBe(false);
        expect(await cache.touch('test_key_does_not_exist', null)).toBe(false);
        expect(await cache.touch('test_key_does_not_exist')).toBe(false);
      });

      it('null: the key never expires; true also when it had no expiry', async () => {
        await cache.set('test_key', 'foo', 0.3);
        expect(await cache.touch('test_key', null)).toBe(true);
        expect(await cache.ttl('test_key')).toBeNull();
        await sleep(400);
        expect(await cache.get('test_key')).toBe('foo');
        expect(await cache.touch('test_key', null)).toBe(true);
      });

      it('omitted: resets to the default timeout', async () => {
        await cache.set('test_key', 'foo', 0.3);
        expect(await cache.touch('test_key')).toBe(true);
        expect(await cache.ttl('test_key')).toBe(300);
        await sleep(400);
        expect(await cache.get('test_key')).toBe('foo');
      });

      it('takes a version', async () => {
        await cache.set('test_key', 'foo', 10, { version: 2 });
        expect(await cache.touch('test_key', 20)).toBe(false);
        expect(await cache.touch('test_key', 20, { version: 2 })).toBe(true);
        expect(await cache.ttl('test_key', { version: 2 })).toBe(20);
      });
    });
  });
}
