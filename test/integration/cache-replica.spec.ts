/**
 * DefaultClient routing with a `[primary, replica, ...]` location (django-valkey's primary/replica
 * switching), on the shared sentinel topology's nodes used as plain `valkey://` URLs: writes reach
 * the primary, reads reach the replicas (counted by each server), and with
 * `replicaReadOnly: false` a write that fails on the first server is retried on the next.
 */
import { Valkey } from 'iovalkey';
import type { ValkeyCache } from '../../lib/index.js';
import type { NodeAddress } from '../harness/admin-command.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { waitFor } from '../harness/wait.js';
import { commandCalls, connectionCommands, openCache, type CacheFixture } from './cache-support.js';

const DB = 7;
const N = 20;

const url = (node: NodeAddress): string => `valkey://${node.host}:${node.port}/${DB}`;

describe('DefaultClient with replicas', () => {
  const shared = sharedTopology();
  const prefix = `replica-spec-${process.pid}`;
  const [replica1, replica2] = shared.replicas;
  let primaryRaw: Valkey;
  let replicaRaw: Valkey;
  let replica2Raw: Valkey;
  const fixtures: CacheFixture[] = [];

  const open = async (
    location: string[],
    options: Record<string, unknown> = {},
  ): Promise<CacheFixture> => {
    const fx = await openCache(DB, { location, keyPrefix: prefix, options });
    fixtures.push(fx);
    return fx;
  };
  const rawClient = (node: NodeAddress): Valkey =>
    new Valkey({ host: node.host, port: node.port, db: DB, maxRetriesPerRequest: 1 });
  /** Waits until the replica has every key (replication is asynchronous). */
  const replicated = (client: Valkey, keys: string[]): Promise<true> =>
    waitFor(async () => ((await client.exists(keys)) === keys.length ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 10,
      what: `${keys.length} keys on a replica`,
    });

  beforeAll(() => {
    expect(replica1).toBeDefined();
    expect(replica2).toBeDefined();
    primaryRaw = rawClient(shared.primary);
    replicaRaw = rawClient(replica1!);
    replica2Raw = rawClient(replica2!);
  });
  afterAll(async () => {
    for (const fx of fixtures) await fx.close();
    const stale = await primaryRaw.keys(`${prefix}*`);
    if (stale.length > 0) await primaryRaw.del(stale);
    await Promise.all(
      [primaryRaw, replicaRaw, replica2Raw].map((c) => c.quit().catch(() => c.disconnect())),
    );
  });

  it('writes go to the primary, reads to the replica', async () => {
    const fx = await open([url(shared.primary), url(replica1!)]);
    const cache: ValkeyCache = fx.cache;
    // Both connections up before counting.
    await cache.set('warm', 1);
    await cache.get('warm');

    const primaryBefore = await connectionCommands(primaryRaw, fx.connectionName);
    const replicaBefore = await connectionCommands(replicaRaw, fx.connectionName);
    const replicaGetsBefore = await commandCalls(replicaRaw, 'get');
    const primarySetsBefore = await commandCalls(primaryRaw, 'set');

    const keys = Array.from({ length: N }, (_, i) => `k${i}`);
    for (const [i, k] of keys.entries()) expect(await cache.set(k, { i })).toBe(true);
    await replicated(
      replicaRaw,
      keys.map((k) => cache.makeKey(k)),
    );
    for (const [i, k] of keys.entries()) expect(await cache.get(k)).toEqual({ i });

    const primaryAfter = await connectionCommands(primaryRaw, fx.connectionName);
    const replicaAfter = await connectionCommands(replicaRaw, fx.connectionName);
    // Per connection (exact even with other test files on these servers):
    expect(primaryAfter.total - primaryBefore.total).toBe(N);
    expect(primaryAfter.last).toBe('set');
    expect(replicaAfter.total - replicaBefore.total).toBe(N);
    expect(replicaAfter.last).toBe('get');
    // Per server, INFO commandstats:
    expect((await commandCalls(replicaRaw, 'get')) - replicaGetsBefore).toBeGreaterThanOrEqual(N);
    expect((await commandCalls(primaryRaw, 'set')) - primarySetsBefore).toBeGreaterThanOrEqual(N);
  });

  it('every read command goes to the replica, every write to the primary', async () => {
    const fx = await open([url(shared.primary), url(replica1!)]);
    const cache = fx.cache;
    await cache.set('a', 1, 100);
    await cache.sadd('s', ['x']);
    await cache.hset('h', 'f', 'v');
    await replicated(
      replicaRaw,
      ['a', 's', 'h'].map((k) => cache.makeKey(k)),
    );
    await cache.get('warm'); // the replica connection is up before counting

    const primaryBefore = await connectionCommands(primaryRaw, fx.connectionName);
    const replicaBefore = await connectionCommands(replicaRaw, fx.connectionName);
    expect(await cache.getMany(['a', 'missing'])).toEqual({ a: 1 });
    expect(await cache.hasKey('a')).toBe(true);
    expect(await cache.ttl('a')).toBeGreaterThan(90);
    expect(await cache.smembers('s')).toEqual(new Set(['x']));
    expect(await cache.hget('h', 'f')).toBe('v');
    expect(await cache.keys('a')).toEqual(['a']);
    const replicaMid = await connectionCommands(replicaRaw, fx.connectionName);
    expect(replicaMid.total - replicaBefore.total).toBe(6);
    expect((await connectionCommands(primaryRaw, fx.connectionName)).total).toBe(
      primaryBefore.total,
    );

    expect(await cache.incr('a')).toBe(2);
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.touch('s', 10)).toBe(true);
    const primaryAfter = await connectionCommands(primaryRaw, fx.connectionName);
    // incr is a script: the commands it runs count on the connection too.
    expect(primaryAfter.total - primaryBefore.total).toBeGreaterThanOrEqual(3);
    expect(primaryAfter.last).toBe('pexpire');
    expect((await connectionCommands(replicaRaw, fx.connectionName)).total).toBe(replicaMid.total);
  });

  it('sorted-set and list reads go to the replica, their writes to the primary', async () => {
    const fx = await open([url(shared.primary), url(replica1!)]);
    const cache = fx.cache;
    await cache.zadd('z', { a: 1, b: 2 });
    await cache.rpush('l', ['x', 'y']);
    await replicated(
      replicaRaw,
      ['z', 'l'].map((k) => cache.makeKey(k)),
    );
    await cache.get('warm'); // the replica connection is up before counting

    const primaryBefore = await connectionCommands(primaryRaw, fx.connectionName);
    const replicaBefore = await connectionCommands(replicaRaw, fx.connectionName);
    expect(await cache.zcard('z')).toBe(2);
    expect(await cache.zcount('z', 0, 1)).toBe(1);
    expect(await cache.zrange('z', 0, -1)).toEqual(['a', 'b']);
    expect(await cache.zrevrange('z', 0, 0)).toEqual(['b']);
    expect(await cache.zrangebyscore('z', 2, 2)).toEqual(['b']);
    expect(await cache.zrevrangebyscore('z', 1, 1)).toEqual(['a']);
    expect(await cache.zrank('z', 'b')).toBe(1);
    expect(await cache.zscore('z', 'a')).toBe(1);
    expect(await cache.lrange('l', 0, -1)).toEqual(['x', 'y']);
    expect(await cache.llen('l')).toBe(2);
    expect(await cache.lindex('l', 1)).toBe('y');
    const replicaMid = await connectionCommands(replicaRaw, fx.connectionName);
    expect(replicaMid.total - replicaBefore.total).toBe(11);
    expect(replicaMid.last).toBe('lindex');
    expect((await connectionCommands(primaryRaw, fx.connectionName)).total).toBe(
      primaryBefore.total,
    );

    expect(await cache.zadd('z', { c: 3 })).toBe(1);
    expect(await cache.zincrby('z', 1, 'c')).toBe(4);
    expect(await cache.zrem('z', ['c'])).toBe(1);
    expect(await cache.zremrangebyscore('z', 2, 2)).toBe(1);
    expect(await cache.zpopmin('z')).toEqual(['a', 1]);
    expect(await cache.lpush('l', ['w'])).toBe(3);
    expect(await cache.lpop('l')).toBe('w');
    expect(await cache.lrem('l', 0, 'nope')).toBe(0);
    expect(await cache.lset('l', 0, 'X')).toBe(true);
    expect(await cache.linsert('l', 'AFTER', 'X', 'x2')).toBe(3);
    expect(await cache.ltrim('l', 0, 1)).toBe(true);
    expect(await cache.lmove('l', 'l2')).toBe('X');
    const primaryAfter = await connectionCommands(primaryRaw, fx.connectionName);
    expect(primaryAfter.total - primaryBefore.total).toBe(12);
    expect(primaryAfter.last).toBe('lmove');
    expect((await connectionCommands(replicaRaw, fx.connectionName)).total).toBe(replicaMid.total);

    // A blocking pop is a write: it pops on the primary (on a connection of its own).
    expect(await cache.blpop('l2', 0.5)).toEqual(['l2', 'X']);
    expect(await primaryRaw.exists(cache.makeKey('l2'))).toBe(0);
  });

  it('reads rotate over several replicas', async () => {
    const fx = await open([url(shared.primary), url(replica1!), url(replica2!)]);
    const cache = fx.cache;
    await cache.set('k', 'v');
    await replicated(replicaRaw, [cache.makeKey('k')]);
    await replicated(replica2Raw, [cache.makeKey('k')]);
    await cache.get('k');
    await cache.get('k');
    const before1 = await connectionCommands(replicaRaw, fx.connectionName);
    const before2 = await connectionCommands(replica2Raw, fx.connectionName);
    for (let i = 0; i < 10; i++) expect(await cache.get('k')).toBe('v');
    const after1 = await connectionCommands(replicaRaw, fx.connectionName);
    const after2 = await connectionCommands(replica2Raw, fx.connectionName);
    expect(after1.total - before1.total).toBe(5);
    expect(after2.total - before2.total).toBe(5);
  });

  it('a replica listed first refuses writes (READONLY) with a non-ignorable CacheReadOnlyError', async () => {
    const fx = await open([url(replica1!)], { ignoreExceptions: true });
    await expect(fx.cache.set('k', 1)).rejects.toMatchObject({ name: 'CacheReadOnlyError' });
    await expect(fx.cache.set('k', 1)).rejects.toThrow(/READONLY/);
  });

  it('replicaReadOnly: false retries a failed write on the next server', async () => {
    const fx = await open([url(replica1!), url(shared.primary)], { replicaReadOnly: false });
    expect(await fx.cache.set('retried', 'yes')).toBe(true);
    expect(await primaryRaw.exists(fx.cache.makeKey('retried'))).toBe(1);
  });
});
