/**
 * ShardClient against three real Valkey servers started for this file: placement by
 * django-valkey's hash ring (10,000 keys, checked on each server), and every cache call, with
 * multi-key calls fanned out per shard and whole-keyspace calls covering every shard.
 */
import { Test, type TestingModule } from '@nestjs/testing';
import { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheModule,
  getCacheToken,
  ShardClient,
  type ValkeyCache,
} from '../../lib/index.js';
import { HashRing, shardKeyOf } from '../../lib/extend/index.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { commandCalls } from './cache-support.js';

const DB = 0;
const SHARDS = 3;

describe('ShardClient on three servers', () => {
  const servers: StandaloneServer[] = [];
  const raws: Valkey[] = [];
  let urls: string[];
  let app: TestingModule;
  let cache: ValkeyCache;
  let client: ShardClient;
  let ring: HashRing;

  /** Index of the server that holds the stored key, asked of the servers themselves. */
  const holder = async (fullKey: string): Promise<number[]> => {
    const found = await Promise.all(raws.map((r) => r.exists(fullKey)));
    return found.flatMap((n, i) => (n === 1 ? [i] : []));
  };
  const expectedShard = (key: string, version = 1): number =>
    ring.nodeIndex(shardKeyOf(`:${version}:${key}`));
  /** A key of `prefix` that the ring puts on `shard`. */
  const keyOn = (shard: number, prefix: string): string => {
    for (let i = 0; ; i++) if (expectedShard(`${prefix}${i}`) === shard) return `${prefix}${i}`;
  };

  beforeAll(async () => {
    for (let i = 0; i < SHARDS; i++) servers.push(await startStandalone());
    urls = servers.map((s) => s.url(DB));
    for (const s of servers) raws.push(new Valkey({ host: s.host, port: s.port, db: DB }));
    app = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          default: { location: urls, options: { clientClass: 'ShardClient' } },
        }),
      ],
    }).compile();
    await app.init();
    cache = app.get<ValkeyCache>(getCacheToken());
    client = cache.client as ShardClient;
    ring = new HashRing(urls);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all(raws.map((r) => r.quit().catch(() => r.disconnect())));
    await Promise.all(servers.map((s) => s.stop()));
  });

  beforeEach(async () => {
    await Promise.all(raws.map((r) => r.flushdb()));
  });

  it('builds a ShardClient whose ring is django-valkey ring over the location URLs', () => {
    expect(client).toBeInstanceOf(ShardClient);
    expect(client.ring.nodes).toEqual(urls);
    expect(new HashRing(['node:0', 'node:1', 'node:2']).nodeIndex('test1')).toBe(2);
  });

  it('places 10,000 keys where the ring says, on the servers themselves', async () => {
    const N = 10_000;
    const data: Record<string, number> = {};
    for (let i = 0; i < N; i++) data[`key${i}`] = i;
    expect(await cache.setMany(data, 60)).toEqual([]);
    const perShard = await Promise.all(raws.map((r) => r.dbsize()));
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(N);
    for (const n of perShard) expect(n).toBeGreaterThan(N / SHARDS / 2);
    for (let s = 0; s < SHARDS; s++) {
      const stored = await raws[s]!.keys('*');
      const wrong = stored.filter((k) => ring.nodeIndex(shardKeyOf(k)) !== s);
      expect(wrong).toEqual([]);
    }
    const back = await cache.getMany(Object.keys(data));
    expect(Object.keys(back)).toHaveLength(N);
    expect(back['key9999']).toBe(9999);
  }, 60_000);

  it('routes single-key calls to the key shard', async () => {
    for (let s = 0; s < SHARDS; s++) {
      const key = keyOn(s, 'single');
      expect(await cache.set(key, { s })).toBe(true);
      expect(await holder(`:1:${key}`)).toEqual([s]);
      expect(await cache.get(key)).toEqual({ s });
      expect(await cache.hasKey(key)).toBe(true);
      expect(await cache.add(key, 'other')).toBe(false);
      expect(await cache.delete(key)).toBe(true);
      expect(await cache.get(key, 'gone')).toBe('gone');
      expect(await cache.getOrSet(key, () => 'made', 30)).toBe('made');
      expect(await holder(`:1:${key}`)).toEqual([s]);
      expect(cache.getClient({ key }).options.port).toBe(servers[s]!.port);
    }
    expect(() => cache.getClient()).toThrow(CacheArgumentError);
  });

  it('places keys that share a {tag} on one shard', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `user{42}:field${i}`);
    await cache.setMany(Object.fromEntries(keys.map((k) => [k, k])));
    const places = new Set((await Promise.all(keys.map((k) => holder(`:1:${k}`)))).flat());
    expect(places.size).toBe(1);
    expect([...places][0]).toBe(ring.nodeIndex('42'));
  });

  it('getMany/mget send one MGET per shard that holds keys', async () => {
    const keys = [0, 1, 2].flatMap((s) => [keyOn(s, 'a'), keyOn(s, 'b')]);
    await cache.setMany(Object.fromEntries(keys.map((k) => [k, k.toUpperCase()])));
    const before = await Promise.all(raws.map((r) => commandCalls(r, 'mget')));
    const got = await cache.getMany([...keys, 'missing']);
    const after = await Promise.all(raws.map((r) => commandCalls(r, 'mget')));
    expect(got).toEqual(Object.fromEntries(keys.map((k) => [k, k.toUpperCase()])));
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1]);
    expect(await cache.mget(keys.slice(0, 3))).toEqual(
      Object.fromEntries(keys.slice(0, 3).map((k) => [k, k.toUpperCase()])),
    );
  });

  it('setMany keeps the timeout on every shard; deleteMany counts over shards', async () => {
    const keys = [0, 1, 2].map((s) => keyOn(s, 'many'));
    expect(await cache.setMany(Object.fromEntries(keys.map((k) => [k, 1])), 30)).toEqual([]);
    for (const k of keys) {
      const ttl = await cache.pttl(k);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
    }
    expect(await cache.deleteMany([...keys, 'nope'])).toBe(3);
    expect(await cache.getMany(keys)).toEqual({});
    await cache.setMany(Object.fromEntries(keys.map((k) => [k, 1])));
    expect(await cache.setMany(Object.fromEntries(keys.map((k) => [k, 1])), 0)).toEqual([]);
    expect(await Promise.all(raws.map((r) => r.dbsize()))).toEqual([0, 0, 0]);
  });

  it('mset refuses keys on several shards and works atomically within one {tag}', async () => {
    const spread = { [keyOn(0, 'm')]: 1, [keyOn(1, 'm')]: 2 };
    await expect(cache.mset(spread)).rejects.toThrow(CacheArgumentError);
    await expect(cache.mset(spread)).rejects.toThrow(/different shards.*\{tag\}/);
    expect(await cache.mset({ 'x{t}': 1, 'y{t}': 'two' }, 20)).toBe(true);
    expect(await cache.getMany(['x{t}', 'y{t}'])).toEqual({ 'x{t}': 1, 'y{t}': 'two' });
    expect(await cache.ttl('y{t}')).toBeGreaterThan(15);
  });

  it('counters and versions, moving a key across shards with its TTL', async () => {
    await cache.set('counter', 10);
    expect(await cache.incr('counter', 5)).toBe(15);
    expect(await cache.decr('counter')).toBe(14);
    expect(await holder(':1:counter')).toEqual([expectedShard('counter')]);
    // A key whose versions 1 and 2 live on different shards.
    let i = 0;
    while (expectedShard(`moving${i}`, 1) === expectedShard(`moving${i}`, 2)) i++;
    const key = `moving${i}`;
    await cache.set(key, { v: 'value' }, 60);
    expect(await cache.incrVersion(key)).toBe(2);
    expect(await holder(`:1:${key}`)).toEqual([]);
    expect(await holder(`:2:${key}`)).toEqual([expectedShard(key, 2)]);
    expect(await cache.get(key, null, { version: 2 })).toEqual({ v: 'value' });
    expect(await cache.ttl(key, { version: 2 })).toBeGreaterThan(55);
    expect(await cache.decrVersion(key, 1, { version: 2 })).toBe(1);
    expect(await cache.get(key)).toEqual({ v: 'value' });
    await expect(cache.incrVersion('absent')).rejects.toThrow(/absent/);
  });

  it('expiry calls reach the key shard', async () => {
    const key = keyOn(2, 'exp');
    await cache.set(key, 'v', null);
    expect(await cache.ttl(key)).toBeNull();
    expect(await cache.expire(key, 100)).toBe(true);
    expect(await cache.ttl(key)).toBeGreaterThan(95);
    expect(await cache.pexpire(key, 50_000)).toBe(true);
    expect(await cache.pttl(key)).toBeLessThanOrEqual(50_000);
    expect(await cache.expireAt(key, Date.now() / 1000 + 200)).toBe(true);
    expect(await cache.pexpireAt(key, new Date(Date.now() + 300_000))).toBe(true);
    expect(await cache.persist(key)).toBe(true);
    expect(await cache.touch(key, 10)).toBe(true);
    expect(await cache.ttl(key)).toBeGreaterThan(5);
    expect(await cache.touch(key, null)).toBe(true);
    expect(await cache.ttl(key)).toBeNull();
    expect(await cache.ttl('missing')).toBe(0);
    expect(await raws[2]!.exists(`:1:${key}`)).toBe(1);
  });

  it('keys, iterKeys, deletePattern and clear cover every shard', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `pat:${i}`);
    await cache.setMany(Object.fromEntries(keys.map((k) => [k, 1])));
    await cache.set('other', 1);
    expect((await Promise.all(raws.map((r) => r.dbsize()))).every((n) => n > 0)).toBe(true);
    expect((await cache.keys('pat:*')).sort()).toEqual([...keys].sort());
    const iterated: string[] = [];
    for await (const k of cache.iterKeys('pat:*', { itersize: 7 })) iterated.push(k);
    expect(new Set(iterated)).toEqual(new Set(keys));
    expect(await cache.deletePattern('pat:*', { itersize: 10 })).toBe(60);
    expect(await cache.keys('*')).toEqual(['other']);
    await cache.clear();
    expect(await Promise.all(raws.map((r) => r.dbsize()))).toEqual([0, 0, 0]);
  });

  it('locks live on the key shard', async () => {
    const key = keyOn(1, 'lock');
    const lock = cache.lock(key, { timeout: 5 });
    expect(await lock.acquire({ blocking: false })).toBe(true);
    expect(await holder(`:1:${key}`)).toEqual([1]);
    expect(await cache.lock(key, { timeout: 5 }).acquire({ blocking: false })).toBe(false);
    await lock.release();
    expect(await holder(`:1:${key}`)).toEqual([]);
  });

  it('set calls on one key use its shard; multi-key set calls need one {tag}', async () => {
    const key = keyOn(0, 'set');
    expect(await cache.sadd(key, [1, 'a', { b: 2 }])).toBe(3);
    expect(await holder(`:1:${key}`)).toEqual([0]);
    expect(await cache.scard(key)).toBe(3);
    expect(await cache.sismember(key, 'a')).toBe(true);
    expect(await cache.smismember(key, ['a', 'z'])).toEqual([true, false]);
    expect(await cache.smembers(key)).toEqual(new Set([1, 'a', { b: 2 }]));
    expect(await cache.sscan(key)).toEqual(new Set([1, 'a', { b: 2 }]));
    expect(await cache.srandmember(key, 2)).toHaveLength(2);
    expect(await cache.srem(key, ['a'])).toBe(1);
    expect(await cache.spop(key, 5)).toEqual(new Set([1, { b: 2 }]));

    const [a, b] = [keyOn(0, 'sa'), keyOn(1, 'sb')];
    await cache.sadd(a, [1, 2]);
    await cache.sadd(b, [2, 3]);
    await expect(cache.sinter([a, b])).rejects.toThrow(CacheArgumentError);
    await expect(cache.smove(a, b, 1)).rejects.toThrow(CacheArgumentError);
    await expect(cache.sunionstore(keyOn(2, 'dest'), [a])).rejects.toThrow(CacheArgumentError);

    await cache.sadd('s1{g}', [1, 2, 3]);
    await cache.sadd('s2{g}', [2, 3, 4]);
    expect(await cache.sinter(['s1{g}', 's2{g}'])).toEqual(new Set([2, 3]));
    expect(await cache.sunion(['s1{g}', 's2{g}'])).toEqual(new Set([1, 2, 3, 4]));
    expect(await cache.sdiff(['s1{g}', 's2{g}'])).toEqual(new Set([1]));
    expect(await cache.sinterstore('d{g}', ['s1{g}', 's2{g}'])).toBe(2);
    expect(await cache.sdiffstore('d{g}', ['s1{g}', 's2{g}'])).toBe(1);
    expect(await cache.sunionstore('d{g}', ['s1{g}', 's2{g}'])).toBe(4);
    expect(await cache.smove('s1{g}', 's2{g}', 1)).toBe(true);
    expect(await cache.smembers('s2{g}')).toEqual(new Set([1, 2, 3, 4]));
  });

  it('hash calls reach the shard of the hash name', async () => {
    const name = keyOn(1, 'hash');
    expect(await cache.hset(name, 'f1', { v: 1 })).toBe(1);
    expect(await cache.hset(name, 'f2', 'two')).toBe(1);
    expect(await holder(`:1:${name}`)).toEqual([1]);
    expect(await cache.hget(name, 'f1')).toEqual({ v: 1 });
    expect(await cache.hgetall(name)).toEqual({ f1: { v: 1 }, f2: 'two' });
    expect(await cache.hlen(name)).toBe(2);
    expect((await cache.hkeys(name)).sort()).toEqual(['f1', 'f2']);
    expect(await cache.hexists(name, 'f2')).toBe(true);
    expect(await cache.hdel(name, 'f2')).toBe(1);
  });

  it('sorted-set and list calls use the key shard; lmove and the blocking pops need one {tag}', async () => {
    const z = keyOn(2, 'zset');
    expect(await cache.zadd(z, { a: 1, b: 2 })).toBe(2);
    expect(await holder(`:1:${z}`)).toEqual([2]);
    expect(await cache.zrange(z, 0, -1, { withscores: true })).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(await cache.zrangebyscore(z, 2, '+inf')).toEqual(['b']);
    expect(await cache.zscore(z, 'b')).toBe(2);
    expect(await cache.zpopmax(z)).toEqual(['b', 2]);

    const l = keyOn(1, 'list');
    expect(await cache.rpush(l, [1, { x: 2 }])).toBe(2);
    expect(await holder(`:1:${l}`)).toEqual([1]);
    expect(await cache.lrange(l, 0, -1)).toEqual([1, { x: 2 }]);
    expect(await cache.llen(l)).toBe(2);
    expect(await cache.blpop(l, 0.5)).toEqual([l, 1]);
    const other = keyOn(0, 'list');
    await expect(cache.lmove(l, other)).rejects.toThrow(CacheArgumentError);
    await expect(cache.blpop([l, other], 0.5)).rejects.toThrow(CacheArgumentError);
    expect(await cache.lrange(l, 0, -1)).toEqual([{ x: 2 }]);

    await cache.rpush('a{q}', ['m']);
    expect(await cache.lmove('a{q}', 'b{q}')).toBe('m');
    expect(await cache.blmove('b{q}', 'a{q}', 0.5)).toBe('m');
    expect(await cache.brpop(['b{q}', 'a{q}'], 0.5)).toEqual(['a{q}', 'm']);
  });
});
