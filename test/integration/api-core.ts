/**
 * django-valkey's backend test cases (tests/test_backend.py), ported as behaviour: the core API
 * under every serializer x compressor pair (a subset on the cluster), through Nest.
 * Compressors run with `compressMinLength: 0` so that every serialized value is compressed.
 *
 * Shared by the standalone spec (`cache-core.spec.ts`) and the cluster spec
 * (`cache-cluster.spec.ts`): `target` says where the caches live.
 */
import { jest } from '@jest/globals';
import type { Valkey } from 'iovalkey';
import type { ValkeyCache } from '../../lib/index.js';
import {
  CODEC_MATRIX,
  commandCalls,
  connectionCommands,
  openTargetCache,
  traceCommands,
  type CacheFixture,
  type ApiTarget,
} from './cache-support.js';

const VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['a string', 'hello'],
  ['an empty string', ''],
  ['a unicode string', 'heló ключ الف 🎉'],
  ['a string of digits', '2'],
  ['a negative string of digits', '-3'],
  ['a string that looks like a float', '1.5'],
  ['a string that looks like inf', 'inf'],
  ['zero', 0],
  ['a positive integer', 42],
  ['a negative integer', -42],
  ['the largest safe integer', Number.MAX_SAFE_INTEGER],
  ['the smallest safe integer', Number.MIN_SAFE_INTEGER],
  ['a float', 1.345620002],
  ['a negative float', -0.5],
  ['true', true],
  ['false', false],
  ['null', null],
  ['a list', [1, 'a', null, [2, 3.5], { b: false }]],
  ['a dict', { id: 1, date: '2024-05-06T07:08:09.123456', name: 'Foo', nested: { a: [1, 2] } }],
  ['a long string', 'hello'.repeat(1000)],
];

export function coreApi(
  target: ApiTarget,
  matrix: ReadonlyArray<readonly [string, string]> = CODEC_MATRIX,
): void {
  // Round-trip and command-count checks hold for one server's connection; on a cluster a
  // multi-key call is one command per slot group (sent in parallel, asserted in
  // cache-cluster.spec.ts) on per-node connections, so those cases run on one server only.
  const singleServerOnly = target.kind === 'cluster' ? it.skip : it;
  describe.each(matrix)('core API, %s serializer + %s compressor', (serializer, compressor) => {
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

    describe('set and get', () => {
      it.each(VALUES)('round-trips %s', async (_name, value) => {
        expect(await cache.set('test_key', value)).toBe(true);
        expect(await cache.get('test_key', 'MISSING')).toStrictEqual(value);
      });

      it('returns null, or the default, for a missing key', async () => {
        expect(await cache.get('missing')).toBeNull();
        expect(await cache.get('missing', 'Foo')).toBe('Foo');
        expect(await cache.get('missing', 0)).toBe(0);
      });

      it('stores integers as raw digits that any client can INCR', async () => {
        await cache.set('test_key', 1);
        await cache.set('neg', -42);
        expect(await raw.get(':1:test_key')).toBe('1');
        expect(await raw.get(':1:neg')).toBe('-42');
        expect(await raw.incr(':1:test_key')).toBe(2);
        const n = await cache.get('test_key');
        expect(n).toBe(2);
        expect(typeof n).toBe('number');
        expect(await cache.get('neg')).toBe(-42);
      });

      it('keeps a string of digits a string', async () => {
        await cache.set('test_key', '2');
        const value = await cache.get('test_key');
        expect(value).toBe('2');
        expect(await raw.get(':1:test_key')).not.toBe('2');
      });

      it('stores booleans serialized, not as integers', async () => {
        await cache.set('bool', true);
        expect(await raw.get(':1:bool')).not.toBe('1');
        expect(await cache.get('bool')).toBe(true);
        await cache.set('bool', false);
        expect(await cache.get('bool')).toBe(false);
      });

      it(`stores values ${compressor === 'identity' ? 'uncompressed' : 'compressed'}`, async () => {
        const value = 'hello'.repeat(1000);
        await cache.set('long', value);
        const stored = (await raw.getBuffer(':1:long'))!;
        if (compressor === 'identity') expect(stored.length).toBeGreaterThanOrEqual(value.length);
        else expect(stored.length).toBeLessThan(value.length / 10);
      });

      it('accepts unicode keys', async () => {
        await cache.set('ключ', 'value');
        await cache.set('ب', { v: 'الف' });
        expect(await cache.get('ключ')).toBe('value');
        expect(await cache.get('ب')).toEqual({ v: 'الف' });
        // One EXISTS per key: on a cluster the two keys live in different slots.
        expect((await raw.exists(':1:ключ')) + (await raw.exists(':1:ب'))).toBe(2);
      });

      it('overwrites a value', async () => {
        await cache.set('k', 'first');
        await cache.set('k', { second: true });
        expect(await cache.get('k')).toEqual({ second: true });
      });
    });

    describe('nx, xx, add, delete, hasKey', () => {
      it('set with nx stores only when the key is absent', async () => {
        expect(await cache.get('test_key_nx')).toBeNull();
        expect(await cache.set('test_key_nx', 1, undefined, { nx: true })).toBe(true);
        expect(await cache.set('test_key_nx', 2, undefined, { nx: true })).toBe(false);
        expect(await cache.get('test_key_nx')).toBe(1);
      });

      it('set with xx stores only when the key exists', async () => {
        expect(await cache.set('test_key_xx', 1, undefined, { xx: true })).toBe(false);
        expect(await cache.hasKey('test_key_xx')).toBe(false);
        await cache.set('test_key_xx', 1);
        expect(await cache.set('test_key_xx', 2, undefined, { xx: true })).toBe(true);
        expect(await cache.get('test_key_xx')).toBe(2);
      });

      it('add does not overwrite', async () => {
        await cache.set('add_key', 'Initial value');
        expect(await cache.add('add_key', 'New value')).toBe(false);
        expect(await cache.get('add_key')).toBe('Initial value');
        expect(await cache.add('other_key', 'New value')).toBe(true);
        expect(await cache.get('other_key')).toBe('New value');
      });

      it('delete returns whether the key existed', async () => {
        await cache.setMany({ a: 1, b: 2, c: 3 });
        expect(await cache.delete('a')).toBe(true);
        expect(await cache.getMany(['a', 'b', 'c'])).toEqual({ b: 2, c: 3 });
        expect(await cache.delete('a')).toBe(false);
      });

      it('hasKey', async () => {
        await cache.set('there', null);
        expect(await cache.hasKey('there')).toBe(true);
        expect(await cache.hasKey('not-there')).toBe(false);
      });
    });

    describe('many keys', () => {
      singleServerOnly(
        'getMany returns the keys that exist, omitting missing ones, in one MGET',
        async () => {
          await cache.set('a', 1);
          await cache.set('b', 'two');
          await cache.set('c', { three: 3 });
          await cache.get('warm-up'); // the handshake is done before counting
          const conn = cache.getClient({ write: false });
          const before = await connectionCommands(raw, fx.connectionName);
          const mgetBefore = await commandCalls(raw, 'mget');
          const trace = await traceCommands(conn, () => cache.getMany(['a', 'b', 'missing', 'c']));
          const after = await connectionCommands(raw, fx.connectionName);
          expect(trace.result).toEqual({ a: 1, b: 'two', c: { three: 3 } });
          expect(trace.commands).toEqual(['mget']);
          expect(trace.roundTrips).toBe(1);
          expect(after.total - before.total).toBe(1);
          expect(after.last).toBe('mget');
          expect((await commandCalls(raw, 'mget')) - mgetBefore).toBeGreaterThanOrEqual(1);
        },
      );

      singleServerOnly('getMany of many keys is still one MGET', async () => {
        const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
        await cache.setMany(Object.fromEntries(keys.map((k, i) => [k, i])));
        const trace = await traceCommands(cache.getClient({ write: false }), () =>
          cache.getMany(keys),
        );
        expect(trace.commands).toEqual(['mget']);
        expect(Object.keys(trace.result)).toHaveLength(500);
        expect(trace.result['k499']).toBe(499);
      });

      it('getMany of no keys sends nothing', async () => {
        const trace = await traceCommands(cache.getClient({ write: false }), () =>
          cache.getMany([]),
        );
        expect(trace.result).toEqual({});
        expect(trace.commands).toEqual([]);
      });

      it('getMany and mget accept unicode keys and any iterable', async () => {
        await cache.set('a', '1');
        await cache.set('ب', '2');
        await cache.set('c', 'الف');
        expect(await cache.getMany(['a', 'ب', 'c'])).toEqual({ a: '1', ب: '2', c: 'الف' });
        expect(await cache.mget(new Set(['a', 'ب', 'c']))).toEqual({ a: '1', ب: '2', c: 'الف' });
      });

      it('setMany stores every entry in one round trip and returns no failed keys', async () => {
        await cache.get('warm-up');
        const trace = await traceCommands(cache.getClient(), () =>
          cache.setMany({ a: 1, b: 'two', c: [3], d: { four: 4 } }),
        );
        expect(trace.result).toEqual([]);
        expect(trace.commands).toEqual(['set', 'set', 'set', 'set']);
        expect(trace.roundTrips).toBe(1);
        expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual({
          a: 1,
          b: 'two',
          c: [3],
          d: { four: 4 },
        });
        const ttl = await cache.ttl('a');
        expect(ttl).toBeGreaterThan(290);
        expect(ttl).toBeLessThanOrEqual(300);
      });

      it('setMany takes a Map, a timeout and a version', async () => {
        await cache.setMany(
          new Map<string, unknown>([
            ['x', 1],
            ['y', 'y'],
          ]),
          null,
          { version: 2 },
        );
        expect(await cache.getMany(['x', 'y'])).toEqual({});
        expect(await cache.getMany(['x', 'y'], { version: 2 })).toEqual({ x: 1, y: 'y' });
        expect(await cache.ttl('x', { version: 2 })).toBeNull();
      });

      it('setMany with a timeout <= 0 deletes the keys', async () => {
        await cache.setMany({ a: 1, b: 2 });
        expect(await cache.setMany({ a: 1, b: 2 }, 0)).toEqual([]);
        expect(await cache.getMany(['a', 'b'])).toEqual({});
      });

      // mset is one MSET in a transaction: its keys share the `{m}` hash tag so that on a cluster
      // they live in one slot (the cluster refuses mset across slots, tested in cache-cluster.spec).
      it('mset stores atomically in one round trip, keeping the timeout', async () => {
        await cache.get('warm-up');
        const trace = await traceCommands(cache.getClient(), () =>
          cache.mset({ 'a{m}': 1, 'b{m}': 2, 'c{m}': 'three' }, 20),
        );
        expect(trace.result).toBe(true);
        expect(trace.roundTrips).toBe(1);
        expect(trace.commands).toEqual(['multi', 'mset', 'pexpire', 'pexpire', 'pexpire', 'exec']);
        expect(await cache.mget(['a{m}', 'b{m}', 'c{m}'])).toEqual({
          'a{m}': 1,
          'b{m}': 2,
          'c{m}': 'three',
        });
        const ttl = await cache.pttl('c{m}');
        expect(ttl).toBeGreaterThan(19_000);
        expect(ttl).toBeLessThanOrEqual(20_000);
      });

      it('mset with timeout null never expires', async () => {
        await cache.mset({ a: 1 }, null);
        expect(await cache.ttl('a')).toBeNull();
      });

      singleServerOnly('deleteMany deletes in one DEL and returns how many existed', async () => {
        await cache.setMany({ a: 1, b: 2, c: 3 });
        await cache.get('warm-up');
        const trace = await traceCommands(cache.getClient(), () =>
          cache.deleteMany(['a', 'b', 'missing']),
        );
        expect(trace.result).toBe(2);
        expect(trace.commands).toEqual(['del']);
        expect(await cache.getMany(['a', 'b', 'c'])).toEqual({ c: 3 });
        expect(await cache.deleteMany(['a', 'b'])).toBe(0);
        expect(await cache.deleteMany([])).toBe(0);
        expect(await cache.deleteMany(new Set(['c']))).toBe(1);
      });
    });

    describe('getOrSet', () => {
      it('calls a sync factory once on a miss and stores its value', async () => {
        const factory = jest.fn(() => ({ computed: 1 }));
        expect(await cache.getOrSet('gos', factory)).toEqual({ computed: 1 });
        expect(await cache.getOrSet('gos', factory)).toEqual({ computed: 1 });
        expect(factory).toHaveBeenCalledTimes(1);
        expect(await cache.get('gos')).toEqual({ computed: 1 });
        const ttl = await cache.ttl('gos');
        expect(ttl).toBeGreaterThan(290);
      });

      it('awaits an async factory, with a timeout and a version', async () => {
        const factory = jest.fn(async () => 'async value');
        expect(await cache.getOrSet('gos', factory, null, { version: 3 })).toBe('async value');
        expect(await cache.getOrSet('gos', factory, null, { version: 3 })).toBe('async value');
        expect(factory).toHaveBeenCalledTimes(1);
        expect(await cache.get('gos')).toBeNull();
        expect(await cache.ttl('gos', { version: 3 })).toBeNull();
      });

      it('stores a plain value and returns an existing one', async () => {
        await cache.set('existing', 'there');
        expect(await cache.getOrSet('existing', 'other')).toBe('there');
        expect(await cache.getOrSet('fresh', 7)).toBe(7);
        expect(await cache.get('fresh')).toBe(7);
      });

      it('concurrent callers that all miss agree on the one value stored', async () => {
        let calls = 0;
        const factory = async (): Promise<number> => {
          calls++;
          return calls;
        };
        const results = await Promise.all(
          Array.from({ length: 5 }, () => cache.getOrSet('race', factory)),
        );
        // Each caller that missed computed a value, but all return the one that was stored.
        expect(new Set(results).size).toBe(1);
        expect(results[0]).toBe(await cache.get('race'));
      });
    });

    describe('versions', () => {
      it('a version is a separate key', async () => {
        await cache.set('keytest', 2, undefined, { version: 2 });
        expect(await cache.get('keytest')).toBeNull();
        expect(await cache.get('keytest', null, { version: 2 })).toBe(2);
        expect(await raw.get(':2:keytest')).toBe('2');
      });
    });

    describe('sets', () => {
      const MEMBERS: ReadonlyArray<readonly [string, unknown, unknown]> = [
        ['a string', 'bar', 'bar2'],
        ['an integer', 3, 2],
        ['a float', 3.5, 2.5],
        ['a list', [1, 2, 3], [1, 2, 4]],
        ['a dict', { a: 1, b: 2 }, { a: 1, c: 3 }],
        ['a boolean', true, false],
        ['a unicode string', 'ключ', 'الف'],
      ];

      it.each(MEMBERS)('sadd, sismember and smembers with %s', async (_name, member, other) => {
        expect(await cache.sadd('foo', [member])).toBe(1);
        expect(await cache.sadd('foo', [member])).toBe(0);
        expect(await cache.sismember('foo', member)).toBe(true);
        expect(await cache.sismember('foo', other)).toBe(false);
        expect(await cache.smembers('foo')).toEqual(new Set([member]));
        expect(await cache.smismember('foo', [member, other])).toEqual([true, false]);
      });

      it('stores integer members as raw digits', async () => {
        await cache.sadd('foo', [1]);
        expect(await raw.smembers(':1:foo')).toEqual(['1']);
        expect(await cache.smembers('foo')).toEqual(new Set([1]));
      });

      it('sadd of several members, scard, srem', async () => {
        expect(await cache.sadd('foo', ['bar', 'bar2', 1, { x: 1 }])).toBe(4);
        expect(await cache.scard('foo')).toBe(4);
        expect(await cache.scard('missing')).toBe(0);
        expect(await cache.srem('foo', ['bar', 'bar3'])).toBe(1);
        expect(await cache.srem('foo', [{ x: 1 }])).toBe(1);
        expect(await cache.smembers('foo')).toEqual(new Set(['bar2', 1]));
        expect(await cache.smembers('missing')).toEqual(new Set());
      });

      // The multi-key set commands below use keys sharing the `{s}` hash tag, so that on a
      // cluster they live in one slot (Valkey refuses them across slots); on one server the tag
      // changes nothing.
      it('sdiff, sinter, sunion and their *store forms', async () => {
        await cache.sadd('{s}foo1', ['bar1', 'bar2']);
        await cache.sadd('{s}foo2', ['bar2', 'bar3']);
        expect(await cache.sdiff(['{s}foo1', '{s}foo2'])).toEqual(new Set(['bar1']));
        expect(await cache.sinter(['{s}foo1', '{s}foo2'])).toEqual(new Set(['bar2']));
        expect(await cache.sunion(['{s}foo1', '{s}foo2'])).toEqual(
          new Set(['bar1', 'bar2', 'bar3']),
        );
        expect(await cache.sdiffstore('{s}foo3', ['{s}foo1', '{s}foo2'])).toBe(1);
        expect(await cache.smembers('{s}foo3')).toEqual(new Set(['bar1']));
        expect(await cache.sinterstore('{s}foo4', ['{s}foo1', '{s}foo2'])).toBe(1);
        expect(await cache.smembers('{s}foo4')).toEqual(new Set(['bar2']));
        expect(await cache.sunionstore('{s}foo5', ['{s}foo1', '{s}foo2'])).toBe(3);
        expect(await cache.smembers('{s}foo5')).toEqual(new Set(['bar1', 'bar2', 'bar3']));
      });

      it('sdiffstore with versions of the keys and of the destination', async () => {
        await cache.sadd('{s}foo1', ['bar1', 'bar2'], { version: 2 });
        await cache.sadd('{s}foo2', ['bar2', 'bar3'], { version: 2 });
        expect(await cache.sdiffstore('{s}foo3', ['{s}foo1', '{s}foo2'], { versionKeys: 2 })).toBe(
          1,
        );
        expect(await cache.smembers('{s}foo3')).toEqual(new Set(['bar1']));
        // foo1 only exists in version 1 here: the diff of a missing set is empty.
        await cache.sadd('{s}foo1', ['bar1', 'bar2'], { version: 1 });
        await cache.sadd('{s}foo2', ['bar2', 'bar3'], { version: 3 });
        expect(await cache.sdiffstore('{s}foo6', ['{s}foo1', '{s}foo2'], { versionKeys: 3 })).toBe(
          0,
        );
        // foo1 v2 holds two members, foo2 v2 holds bar2 and bar3: diff is bar1.
        expect(
          await cache.sdiffstore('{s}foo7', ['{s}foo1', '{s}foo2'], {
            versionKeys: 2,
            versionDest: 5,
          }),
        ).toBe(1);
        expect(await cache.smembers('{s}foo7', { version: 5 })).toEqual(new Set(['bar1']));
      });

      it('smove', async () => {
        await cache.sadd('{s}foo1', ['bar1', 'bar2']);
        await cache.sadd('{s}foo2', ['bar2', 'bar3']);
        expect(await cache.smove('{s}foo1', '{s}foo2', 'bar1')).toBe(true);
        expect(await cache.smove('{s}foo1', '{s}foo2', 'bar4')).toBe(false);
        expect(await cache.smembers('{s}foo1')).toEqual(new Set(['bar2']));
        expect(await cache.smembers('{s}foo2')).toEqual(new Set(['bar1', 'bar2', 'bar3']));
      });

      it('spop and srandmember, with and without a count', async () => {
        await cache.sadd('foo', ['bar1', 'bar2']);
        expect(['bar1', 'bar2']).toContain(await cache.srandmember('foo'));
        const some = await cache.srandmember('foo', 1);
        expect(some).toHaveLength(1);
        expect(['bar1', 'bar2']).toContain(some[0]);
        expect(await cache.srandmember('foo', -4)).toHaveLength(4);
        const popped = await cache.spop('foo');
        expect(['bar1', 'bar2']).toContain(popped);
        const rest = await cache.spop('foo', 1);
        expect(rest.size).toBe(1);
        expect(new Set([popped, ...rest])).toEqual(new Set(['bar1', 'bar2']));
        expect(await cache.spop('foo')).toBeNull();
        expect(await cache.srandmember('foo')).toBeNull();
      });

      it('sscan and sscanIter return every member', async () => {
        const members = Array.from({ length: 50 }, (_, i) => `bar${i}`);
        await cache.sadd('foo', members);
        expect(await cache.sscan('foo')).toEqual(new Set(members));
        const seen = new Set<string>();
        for await (const m of cache.sscanIter<string>('foo', { count: 5 })) seen.add(m);
        expect(seen).toEqual(new Set(members));
      });

      if (compressor === 'identity') {
        it('sscan with match matches the encoded members', async () => {
          await cache.sadd('foo', ['bar1', 'bar2', 'zoo']);
          expect(await cache.sscan('foo', { match: 'zoo' })).toEqual(new Set(['zoo']));
          const seen = new Set<unknown>();
          for await (const m of cache.sscanIter('foo', { match: 'bar*' })) seen.add(m);
          expect(seen).toEqual(new Set(['bar1', 'bar2']));
        });
      } else {
        it('sscan with match is refused when values are compressed', async () => {
          await cache.sadd('foo', ['bar1']);
          await expect(cache.sscan('foo', { match: 'bar*' })).rejects.toMatchObject({
            name: 'CacheArgumentError',
          });
        });
      }
    });

    describe('hashes', () => {
      it('hset, hget, hlen, hexists with values of several types', async () => {
        expect(await cache.hset('foo_hash1', 'foo1', 'bar1')).toBe(1);
        expect(await cache.hset('foo_hash1', 'foo2', 2)).toBe(1);
        expect(await cache.hset('foo_hash1', 'foo3', { three: [3] })).toBe(1);
        expect(await cache.hset('foo_hash1', 'foo4', true)).toBe(1);
        expect(await cache.hset('foo_hash1', 'foo1', 'bar1 again')).toBe(0);
        expect(await cache.hlen('foo_hash1')).toBe(4);
        expect(await cache.hexists('foo_hash1', 'foo1')).toBe(true);
        expect(await cache.hexists('foo_hash1', 'foo')).toBe(false);
        expect(await cache.hget('foo_hash1', 'foo1')).toBe('bar1 again');
        expect(await cache.hget('foo_hash1', 'foo2')).toBe(2);
        expect(await cache.hget('foo_hash1', 'foo3')).toEqual({ three: [3] });
        expect(await cache.hget('foo_hash1', 'foo4')).toBe(true);
        expect(await cache.hget('foo_hash1', 'nope')).toBeNull();
        expect(await cache.hlen('missing')).toBe(0);
      });

      it('makes the hash name and fields keys, and stores integers raw (django-valkey HashClient)', async () => {
        await cache.hset('foo_hash', 'foo1', 5);
        expect(await raw.hget(':1:foo_hash', ':1:foo1')).toBe('5');
        await cache.hset('foo_hash', 'foo1', 6, { version: 2 });
        expect(await raw.hget(':2:foo_hash', ':2:foo1')).toBe('6');
      });

      it('hkeys and hgetall give back user keys', async () => {
        await cache.hset('foo_hash4', 'foo1', 'bar1');
        await cache.hset('foo_hash4', 'foo2', [2]);
        await cache.hset('foo_hash4', 'ключ', 3);
        expect((await cache.hkeys('foo_hash4')).sort()).toEqual(['foo1', 'foo2', 'ключ']);
        expect(await cache.hgetall('foo_hash4')).toEqual({ foo1: 'bar1', foo2: [2], ключ: 3 });
        expect(await cache.hgetall('missing')).toEqual({});
      });

      it('hdel', async () => {
        await cache.hset('foo_hash2', 'foo1', 'bar1');
        await cache.hset('foo_hash2', 'foo2', 'bar2');
        expect(await cache.hdel('foo_hash2', 'foo1')).toBe(1);
        expect(await cache.hdel('foo_hash2', 'foo1')).toBe(0);
        expect(await cache.hlen('foo_hash2')).toBe(1);
        expect(await cache.hexists('foo_hash2', 'foo1')).toBe(false);
        expect(await cache.hexists('foo_hash2', 'foo2')).toBe(true);
      });
    });

    it('clear flushes the database', async () => {
      await cache.set('foo', 'bar');
      await raw.set('not-ours', 'x');
      expect(await cache.get('foo')).toBe('bar');
      await cache.clear();
      expect(await cache.get('foo')).toBeNull();
      expect(await raw.dbsize()).toBe(0);
    });
  });
}
