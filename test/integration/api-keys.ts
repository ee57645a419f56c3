/**
 * Keys, patterns and key functions, ported from django-valkey's backend tests (behaviour, not
 * code): `makeKey`/`makePattern`, `keys`/`iterKeys` with `itersize`, `deletePattern` (one cache's
 * prefix and version only, even when the prefix holds glob characters), custom
 * `keyFunction`/`reverseKeyFunction`, and the `version` option.
 *
 * Shared by the standalone spec (`cache-keys.spec.ts`) and the cluster spec
 * (`cache-cluster.spec.ts`): `target` says where the caches live.
 */
import type { Valkey } from 'iovalkey';
import type { KeyFunction, ValkeyCache } from '../../lib/index.js';
import { traceCommands, type CachesFixture, type ApiTarget } from './cache-support.js';

const pipeKey: KeyFunction = (key, prefix, version) => `${prefix}|v${version}|${key}`;
const pipeReverse = (full: string): string => full.split('|').slice(2).join('|');

export function keysApi(target: ApiTarget): void {
  // SCAN round-trip counts are made on the cache's one connection; on a cluster SCAN runs on
  // each primary's own connection, so those two cases run on one server only (the results
  // themselves are checked on the cluster by the other keys/deletePattern cases).
  const singleServerOnly = target.kind === 'cluster' ? it.skip : it;
  describe('keys, patterns and key functions', () => {
    let fx: CachesFixture;
    let raw: Valkey;
    let cache: ValkeyCache;
    let globby: ValkeyCache;
    let lookalike: ValkeyCache;
    let custom: ValkeyCache;
    let versioned: ValkeyCache;

    beforeAll(async () => {
      fx = await target.openCaches({
        default: {},
        // A prefix full of glob characters, and one that its unescaped glob would match.
        globby: { keyPrefix: 'a*b?[x]\\' },
        lookalike: { keyPrefix: 'aZZbQx\\' },
        custom: { keyPrefix: 'app', keyFunction: pipeKey, reverseKeyFunction: pipeReverse },
        versioned: { keyPrefix: 'v', version: 5 },
      });
      raw = fx.raw;
      cache = fx.caches['default']!;
      globby = fx.caches['globby']!;
      lookalike = fx.caches['lookalike']!;
      custom = fx.caches['custom']!;
      versioned = fx.caches['versioned']!;
    });
    afterAll(() => fx.close());
    beforeEach(async () => {
      await fx.flush();
    });

    describe('makeKey and makePattern', () => {
      it('default key: prefix:version:key', () => {
        expect(cache.makeKey('key')).toBe(':1:key');
        expect(cache.makeKey('key', 3)).toBe(':3:key');
        expect(versioned.makeKey('key')).toBe('v:5:key');
        expect(globby.makeKey('key')).toBe('a*b?[x]\\:1:key');
      });

      it('patterns escape prefix and version but keep the glob', () => {
        expect(versioned.makePattern('key_*')).toBe('v:5:key_*');
        expect(globby.makePattern('key_*')).toBe('a\\*b\\?\\[x\\]\\\\:1:key_*');
      });

      it('refuses a key that is not a string', () => {
        expect(() => cache.makeKey(1 as unknown as string)).toThrow(/key must be a string/);
      });

      it('a custom keyFunction and reverseKeyFunction', async () => {
        expect(custom.makeKey('a:b')).toBe('app|v1|a:b');
        await custom.set('a:b', 1);
        await custom.set('a:c', 2, undefined, { version: 2 });
        expect(await raw.get('app|v1|a:b')).toBe('1');
        expect(await custom.get('a:b')).toBe(1);
        expect(await custom.keys('a:*')).toEqual(['a:b']);
        expect(await custom.keys('a:*', { version: 2 })).toEqual(['a:c']);
        expect(await custom.deletePattern('*', { version: 2 })).toBe(1);
        // One EXISTS per key: on a cluster the two keys live in different slots.
        expect((await raw.exists('app|v1|a:b')) + (await raw.exists('app|v2|a:c'))).toBe(1);
      });

      it('the configured version is the default of every call', async () => {
        await versioned.set('k', 1);
        expect(await raw.get('v:5:k')).toBe('1');
        expect(await versioned.get('k', null, { version: 5 })).toBe(1);
        expect(await versioned.incrVersion('k')).toBe(6);
        expect(await raw.get('v:6:k')).toBe('1');
      });
    });

    it('a key named __proto__ is an own property of the results, never the prototype', async () => {
      await cache.set('__proto__', { polluted: true });
      await cache.hset('h', '__proto__', 1);
      const many = await cache.getMany(['__proto__']);
      expect(Object.getPrototypeOf(many)).toBe(Object.prototype);
      expect(Object.keys(many)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(many, '__proto__')?.value).toEqual({ polluted: true });
      const all = await cache.hgetall('h');
      expect(Object.keys(all)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    });

    // The set keys share the `{v}` hash tag: on a cluster, smove needs both keys in one slot.
    it('every call honours the version option', async () => {
      const v2 = { version: 2 };
      const inV2 = async (key: string): Promise<boolean> =>
        (await raw.exists(cache.makeKey(key, 2))) === 1 &&
        (await raw.exists(cache.makeKey(key))) === 0;
      expect(await cache.add('a', 1, null, v2)).toBe(true);
      expect(await inV2('a')).toBe(true);
      expect(await cache.hasKey('a')).toBe(false);
      expect(await cache.hasKey('a', v2)).toBe(true);
      expect(await cache.expire('a', 50, v2)).toBe(true);
      expect(await cache.ttl('a', v2)).toBe(50);
      expect(await cache.persist('a', v2)).toBe(true);
      expect(await cache.pexpireAt('a', Date.now() + 60_000, v2)).toBe(true);
      expect(await cache.expireAt('a', new Date(Date.now() + 60_000))).toBe(false);
      expect(await cache.getOrSet('a', 'other', null, v2)).toBe(1);
      expect(await cache.mset({ b: 2 }, null, v2)).toBe(true);
      expect(await inV2('b')).toBe(true);
      expect(await cache.mget(['a', 'b'], v2)).toEqual({ a: 1, b: 2 });
      expect(await cache.decr('b', 1, v2)).toBe(1);
      expect(await cache.deleteMany(['a'], v2)).toBe(1);
      expect(await cache.delete('b', v2)).toBe(true);
      await cache.sadd('s{v}', ['x', 'y'], v2);
      expect(await inV2('s{v}')).toBe(true);
      expect(await cache.scard('s{v}', v2)).toBe(2);
      expect(await cache.sismember('s{v}', 'x', v2)).toBe(true);
      expect(await cache.srem('s{v}', ['y'], v2)).toBe(1);
      expect(await cache.sinter(['s{v}'], v2)).toEqual(new Set(['x']));
      expect(await cache.sunion(['s{v}'], v2)).toEqual(new Set(['x']));
      expect(await cache.sdiff(['s{v}'], v2)).toEqual(new Set(['x']));
      expect(await cache.smove('s{v}', 't{v}', 'x', v2)).toBe(true);
      expect(await inV2('t{v}')).toBe(true);
      expect(await cache.sscan('t{v}', v2)).toEqual(new Set(['x']));
      await cache.hset('h', 'f', 'v', v2);
      expect(await inV2('h')).toBe(true);
      expect(await cache.hget('h', 'f')).toBeNull();
      expect(await cache.hget('h', 'f', v2)).toBe('v');
      expect(await cache.hexists('h', 'f', v2)).toBe(true);
      expect(await cache.hlen('h', v2)).toBe(1);
      expect(await cache.hkeys('h', v2)).toEqual(['f']);
      expect(await cache.hgetall('h', v2)).toEqual({ f: 'v' });
      expect(await cache.hdel('h', 'f', v2)).toBe(1);
    });

    describe('keys and iterKeys', () => {
      beforeEach(async () => {
        await cache.setMany({ foo1: 1, foo2: 1, foo3: 1, bar: 1 });
        await cache.set('foo4', 1, undefined, { version: 2 });
        await versioned.set('foo9', 1);
      });

      it('iterKeys yields the user keys matching a glob, this prefix and version only', async () => {
        const seen = new Set<string>();
        for await (const k of cache.iterKeys('foo*')) seen.add(k);
        expect(seen).toEqual(new Set(['foo1', 'foo2', 'foo3']));
      });

      singleServerOnly('iterKeys with itersize scans in several round trips', async () => {
        await cache.get('warm-up');
        const conn = cache.getClient({ write: false });
        const trace = await traceCommands(conn, async () => {
          const out: string[] = [];
          for await (const k of cache.iterKeys('foo*', { itersize: 2 })) out.push(k);
          return out;
        });
        expect(new Set(trace.result)).toEqual(new Set(['foo1', 'foo2', 'foo3']));
        expect(trace.commands.length).toBeGreaterThan(1);
        expect(new Set(trace.commands)).toEqual(new Set(['scan']));
      });

      it('iterKeys is a lazy async iterator', async () => {
        const it = cache.iterKeys('foo*');
        const first = await it.next();
        expect(first.done).toBe(false);
        expect(first.value).toMatch(/^foo[123]$/);
        await it.return();
      });

      it('keys collects without duplicates, per version', async () => {
        expect((await cache.keys('foo*')).sort()).toEqual(['foo1', 'foo2', 'foo3']);
        expect(await cache.keys('foo*', { version: 2 })).toEqual(['foo4']);
        expect(await cache.keys('*', { itersize: 1 })).toHaveLength(4);
        expect(await versioned.keys('*')).toEqual(['foo9']);
        expect(await cache.keys('nothing*')).toEqual([]);
      });

      it('keys with unicode and colons in the key', async () => {
        await cache.set('ключ:с:двоеточием', 1);
        expect(await cache.keys('ключ*')).toEqual(['ключ:с:двоеточием']);
      });
    });

    describe('deletePattern', () => {
      it('deletes the matching keys and returns how many', async () => {
        for (const key of ['foo-aa', 'foo-ab', 'foo-bb', 'foo-bc']) await cache.set(key, 'foo');
        expect(await cache.deletePattern('*foo-a*')).toBe(2);
        expect(new Set(await cache.keys('foo*'))).toEqual(new Set(['foo-bb', 'foo-bc']));
        expect(await cache.deletePattern('*foo-a*')).toBe(0);
      });

      singleServerOnly(
        'with a small itersize, many keys: every match deleted, several SCANs',
        async () => {
          const data = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`foo-${i}`, i]));
          await cache.setMany(data);
          await cache.set('keep', 1);
          await cache.get('warm-up');
          const trace = await traceCommands(cache.getClient(), () =>
            cache.deletePattern('foo-*', { itersize: 7 }),
          );
          expect(trace.result).toBe(60);
          expect(trace.commands.filter((c) => c === 'scan').length).toBeGreaterThan(2);
          expect(await cache.keys('*')).toEqual(['keep']);
        },
      );

      it('only deletes its own version', async () => {
        await cache.set('foo', 1);
        await cache.set('foo', 2, undefined, { version: 2 });
        expect(await cache.deletePattern('foo')).toBe(1);
        expect(await cache.get('foo', null, { version: 2 })).toBe(2);
        expect(await cache.deletePattern('f?o', { version: 2 })).toBe(1);
      });

      it('a prefix with glob characters matches literally: other prefixes are untouched', async () => {
        await globby.setMany({ k1: 1, k2: 2 });
        await globby.set('k3', 3, undefined, { version: 2 });
        await lookalike.setMany({ k1: 1, k2: 2 });
        await cache.set('k1', 1);
        // Unescaped, the prefix would match the look-alike's keys and miss its own.
        expect((await fx.rawKeys('a*b?[x]\\\\:1:*')).sort()).toEqual([
          'aZZbQx\\:1:k1',
          'aZZbQx\\:1:k2',
        ]);
        expect((await globby.keys('*')).sort()).toEqual(['k1', 'k2']);
        expect(await globby.deletePattern('*', { itersize: 1 })).toBe(2);
        expect(await globby.keys('*')).toEqual([]);
        expect(await globby.get('k3', null, { version: 2 })).toBe(3);
        expect(await lookalike.getMany(['k1', 'k2'])).toEqual({ k1: 1, k2: 2 });
        expect(await cache.get('k1')).toBe(1);
      });

      it('a key with glob characters can be matched with an escaped pattern', async () => {
        await cache.set('a*b', 1);
        await cache.set('axxb', 2);
        expect(await cache.deletePattern('a\\*b')).toBe(1);
        expect(await cache.keys('a*')).toEqual(['axxb']);
      });
    });
  });
}
