/**
 * Bad arguments (db 10 of the shared standalone server, and db 9 + 10 for a ShardClient): each
 * refused one raises a CacheArgumentError naming the alias before anything is sent (a spy on every
 * connection's `sendCommand` proves no command left); the accepted edge cases behave as documented.
 */
import { jest } from '@jest/globals';
import type { Valkey } from 'iovalkey';
import { CacheArgumentError, type ValkeyCache } from '../../lib/index.js';
import { openCaches, standaloneUrl, type CachesFixture } from './cache-support.js';

const DB = 10;

type Call = [string, (c: ValkeyCache) => Promise<unknown>];

const circular: Record<string, unknown> = { a: 1 };
circular['self'] = circular;

/** Calls that must be refused on every client class. */
const REFUSED: Call[] = [
  ['get(undefined)', (c) => c.get(undefined as unknown as string)],
  ['get(42)', (c) => c.get(42 as unknown as string)],
  ['get(null)', (c) => c.get(null as unknown as string)],
  ['get(lone surrogate)', (c) => c.get('key-\ud800')],
  ['get(version 1.5)', (c) => c.get('k', null, { version: 1.5 })],
  ['get(version NaN)', (c) => c.get('k', null, { version: NaN })],
  ['set(function)', (c) => c.set('k', () => 1)],
  ['set(symbol)', (c) => c.set('k', Symbol('s'))],
  ['set(undefined)', (c) => c.set('k', undefined)],
  ['set(circular)', (c) => c.set('k', circular)],
  ['set(Map)', (c) => c.set('k', new Map([['a', 1]]))],
  ['set(Set)', (c) => c.set('k', new Set([1]))],
  ['set(nested function)', (c) => c.set('k', { a: [1, { f: () => 1 }] })],
  ['set(invalid Date)', (c) => c.set('k', new Date(NaN))],
  ['set(timeout NaN)', (c) => c.set('k', 1, NaN)],
  ['set(timeout string)', (c) => c.set('k', 1, '10' as unknown as number)],
  ['set(timeout 1e300 s)', (c) => c.set('k', 1, 1e300)],
  ['add(function)', (c) => c.add('k', () => 1)],
  ['touch(timeout NaN)', (c) => c.touch('k', NaN)],
  ['expire(NaN)', (c) => c.expire('k', NaN)],
  ['expire(Infinity)', (c) => c.expire('k', Infinity)],
  ['pexpire(1e300)', (c) => c.pexpire('k', 1e300)],
  ['getMany(a string)', (c) => c.getMany('abc')],
  ['getMany([undefined])', (c) => c.getMany(['a', undefined as unknown as string])],
  ['deleteMany(a string)', (c) => c.deleteMany('abc')],
  ['setMany({ a: function })', (c) => c.setMany({ a: 1, b: () => 1 })],
  ['setMany(Map with a number key)', (c) => c.setMany(new Map([[1 as unknown as string, 1]]))],
  ['mset({ a: symbol })', (c) => c.mset({ a: Symbol('x') })],
  ['incr(delta 1.5)', (c) => c.incr('n', 1.5)],
  ['sadd([function])', (c) => c.sadd('s', [1, () => 1])],
  ['sismember(symbol)', (c) => c.sismember('s', Symbol('x'))],
  ['hset(circular)', (c) => c.hset('h', 'f', circular)],
  ['hget(undefined field)', (c) => c.hget('h', undefined as unknown as string)],
  ['lock(undefined)', async (c) => c.lock(undefined as unknown as string)],
];

describe('robustness: bad arguments', () => {
  let fx: CachesFixture;
  let sent: string[];
  const spies: Array<{ mockRestore(): void }> = [];

  beforeAll(async () => {
    fx = await openCaches(DB, {
      json: { keyPrefix: 'ra-json' },
      msgpack: { keyPrefix: 'ra-mp', options: { serializer: 'msgpack' } },
      herd: { keyPrefix: 'ra-herd', options: { clientClass: 'HerdClient' } },
      shard: {
        keyPrefix: 'ra-shard',
        location: [standaloneUrl(9), standaloneUrl(10)],
        options: { clientClass: 'ShardClient' },
      },
    });
    sent = [];
    // Every connection of every cache: a spy on sendCommand records what leaves.
    const seen = new Set<Valkey>();
    for (const cache of Object.values(fx.caches)) {
      for (const write of [true, false]) {
        for (const client of await cache.client.allConnections(write)) {
          if (seen.has(client)) continue;
          seen.add(client);
          const original = client.sendCommand.bind(client);
          spies.push(
            jest.spyOn(client, 'sendCommand').mockImplementation((command, ...rest) => {
              sent.push(`${cache.alias}:${(command as { name: string }).name}`);
              return original(command, ...rest);
            }),
          );
        }
      }
    }
    // Make sure every connection is up, so a command would really be written.
    for (const cache of Object.values(fx.caches)) await cache.get('warm-up');
    expect(sent.length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    await fx.raw.flushdb();
    await fx?.close();
  });

  describe.each(['json', 'msgpack', 'herd', 'shard'])('%s cache', (alias) => {
    it.each(REFUSED)(
      '%s: CacheArgumentError naming the alias, nothing sent',
      async (_name, call) => {
        const cache = fx.caches[alias]!;
        sent.length = 0;
        const error = await Promise.resolve()
          .then(() => call(cache))
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(CacheArgumentError);
        expect((error as CacheArgumentError).alias).toBe(alias);
        expect((error as Error).message).toContain(`cache '${alias}'`);
        expect(sent).toEqual([]);
      },
    );
  });

  it('a bigint beyond 64 bits: refused by msgpack before sending, stored as digits by JSON', async () => {
    const big = 2n ** 70n;
    sent.length = 0;
    await expect(fx.caches['msgpack']!.set('big', big)).rejects.toThrow(CacheArgumentError);
    expect(sent).toEqual([]);
    await fx.caches['json']!.set('big', { n: big });
    expect(await fx.caches['json']!.get('big')).toEqual({ n: big });
  });

  it('Dates: JSON gives the ISO string back, msgpack a Date', async () => {
    const when = new Date('2026-01-02T03:04:05.678Z');
    await fx.caches['json']!.set('when', when);
    expect(await fx.caches['json']!.get('when')).toBe('2026-01-02T03:04:05.678Z');
    await fx.caches['msgpack']!.set('when', when);
    expect(await fx.caches['msgpack']!.get('when')).toEqual(when);
  });

  it('accepted keys: empty, 300 characters, spaces, control characters, non-ASCII, stored byte for byte', async () => {
    const cache = fx.caches['json']!;
    const keys = ['', 'k'.repeat(300), 'with space', 'tab\tnl\ncr\rnul\u0000del\u007f', 'ключ🔑'];
    for (const key of keys) {
      await cache.set(key, { key });
      expect(await cache.get(key)).toEqual({ key });
      const stored = Buffer.from(`ra-json:1:${key}`, 'utf8');
      expect(await fx.raw.exists(stored)).toBe(1);
    }
    const distinct = await cache.getMany(keys);
    expect(Object.keys(distinct).sort()).toEqual([...keys].sort());
  });

  it('timeouts: Infinity never expires, <= 0 and under 1 ms delete, -Infinity deletes', async () => {
    const cache = fx.caches['json']!;
    await cache.set('t', 1, Infinity);
    expect(await cache.ttl('t')).toBeNull();
    for (const t of [0, -1, -Infinity, 0.0004]) {
      await cache.set('t', 1, null);
      expect(await cache.set('t', 2, t)).toBe(true); // deleted: it existed
      expect(await cache.hasKey('t')).toBe(false);
    }
    await cache.set('t', 1, 0.5);
    expect(await cache.pttl('t')).toBeGreaterThan(0);
    expect(await cache.pttl('t')).toBeLessThanOrEqual(500);
  });

  it('getOrSet: the value is checked when it is computed, after the read; nothing is stored', async () => {
    for (const alias of ['json', 'herd']) {
      const cache = fx.caches[alias]!;
      await expect(cache.getOrSet('computed', () => (() => 1) as unknown)).rejects.toThrow(
        CacheArgumentError,
      );
      expect(await cache.hasKey('computed')).toBe(false);
      // The herd lock taken for the refresh was released.
      expect(await cache.hasKey('computed:herd-lock')).toBe(false);
    }
  });
});
