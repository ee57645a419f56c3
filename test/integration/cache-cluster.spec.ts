/**
 * `backend: 'ValkeyClusterCache'` against a real Valkey Cluster (3 primaries + 3 replicas on
 * loopback ports, created with `valkey-cli --cluster create` for this file): the cache API with
 * multi-key calls split per slot, whole-keyspace calls on every primary, and a manual
 * `CLUSTER FAILOVER` during a write/read loop with no wrong read and no hung call.
 *
 * The same cluster (one per run, started once here) first runs the whole cache API: the suites
 * of `api-*.ts` that also run against the standalone server, with every cache on the cluster
 * (db 0). The cluster is this file's own and its tests run one at a time, so `clear()` and the
 * per-test flush of every primary touch no other file's data. The few cases that cannot hold on
 * a cluster are skipped there, each with a comment saying why.
 */
import { inspect } from 'node:util';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheArgumentError,
  CacheConnectionError,
  CacheModule,
  getCacheToken,
  type ValkeyCache,
} from '../../lib/index.js';
import { ClusterClient, clusterSlot, ValkeyClusterCache } from '../../lib/extend/index.js';
import { DELTA_KEY_SUFFIX } from '../../lib/cache/commands/early-recompute.js';
import { adminCommand } from '../harness/admin-command.js';
import { startCluster, type ClusterTopology } from '../harness/cluster.js';
import { waitFor } from '../harness/wait.js';
import { coreApi } from './api-core.js';
import { countersApi } from './api-counters.js';
import { expiryApi } from './api-expiry.js';
import { keysApi } from './api-keys.js';
import { listsApi } from './api-lists.js';
import { lockApi } from './api-lock.js';
import { sortedSetsApi } from './api-sorted-sets.js';
import { clusterTarget, CODEC_EACH_ONCE, sleep } from './cache-support.js';

let cluster: ClusterTopology | undefined;

beforeAll(async () => {
  cluster = await startCluster();
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

/** The running cluster (started by the file's `beforeAll`). */
function topology(): ClusterTopology {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
}

describe('the cache API on a 3 + 3 cluster', () => {
  const target = clusterTarget(topology);
  // Every serializer and every compressor once (the codec code is the backend's, shared with
  // the standalone cache, where the full cross product runs).
  coreApi(target, CODEC_EACH_ONCE);
  expiryApi(target);
  countersApi(target);
  keysApi(target);
  lockApi(target);
  sortedSetsApi(target);
  listsApi(target);
});

describe('ValkeyClusterCache on a 3 + 3 cluster', () => {
  let app: TestingModule;
  let cache: ValkeyCache;
  let replicaReads: ValkeyCache;

  /** DBSIZE of every primary. */
  const primarySizes = async (): Promise<number[]> =>
    Promise.all(
      (await topology().primaries()).map(async (p) => Number(await adminCommand(p, ['DBSIZE']))),
    );

  beforeAll(async () => {
    const cluster = topology();
    app = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          default: {
            backend: 'ValkeyClusterCache',
            location: cluster.urls.slice(0, 2),
            options: { socketTimeout: 2 },
          },
          replicas: {
            backend: 'ValkeyClusterCache',
            location: cluster.urls[0]!,
            options: { scaleReads: 'slave' },
          },
        }),
      ],
    }).compile();
    await app.init();
    cache = app.get<ValkeyCache>(getCacheToken());
    replicaReads = app.get<ValkeyCache>(getCacheToken('replicas'));
  }, 90_000);

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(async () => {
    await cache.clear();
  });

  it('builds a ValkeyClusterCache with a ClusterClient', () => {
    expect(cache).toBeInstanceOf(ValkeyClusterCache);
    expect(cache.client).toBeInstanceOf(ClusterClient);
    // Valkey's own CRC16 slots (CLUSTER KEYSLOT answers the same).
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
    expect(clusterSlot('foo{}{bar}')).toBe(clusterSlot('foo{}{bar}'));
  });

  it('computes the slot Valkey computes', async () => {
    const cluster = topology();
    for (const key of ['a', ':1:key', 'x{tag}y', 'foo{}{bar}', '{}', 'é', '{a}{b}']) {
      expect(clusterSlot(key)).toBe(
        await adminCommand(cluster.nodes[0]!, ['CLUSTER', 'KEYSLOT', key]),
      );
    }
  });

  it('runs single-key calls on the key slot', async () => {
    expect(await cache.set('a', { v: 1 }, 30)).toBe(true);
    expect(await cache.get('a')).toEqual({ v: 1 });
    expect(await cache.add('a', 2)).toBe(false);
    expect(await cache.hasKey('a')).toBe(true);
    expect(await cache.ttl('a')).toBeGreaterThan(25);
    expect(await cache.touch('a', null)).toBe(true);
    expect(await cache.ttl('a')).toBeNull();
    expect(await cache.expire('a', 50)).toBe(true);
    expect(await cache.persist('a')).toBe(true);
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.getOrSet('b', () => 'made', 10)).toBe('made');
    await cache.set('n', 1);
    expect(await cache.incr('n', 9)).toBe(10);
    expect(await cache.decr('n')).toBe(9);
  });

  it('getOrSet early recomputation with the value and its delta key in two slots', async () => {
    const key = 'hot';
    const full = cache.makeKey(key);
    const delta = cache.makeKey(`${key}${DELTA_KEY_SUFFIX}`);
    expect(clusterSlot(full)).not.toBe(clusterSlot(delta));
    const early = { earlyRecompute: { beta: 1 } };
    expect(await cache.getOrSet(key, async () => 'v1', 30, early)).toBe('v1');
    expect(await cache.getOrSet(key, async () => 'v2', 30, early)).toBe('v1'); // a hit
    expect(await cache.getClient({ key: `${key}${DELTA_KEY_SUFFIX}` }).get(delta)).toMatch(
      /^\d+:\d+$/,
    );
    // A delta of 30 s: the next hit is early whatever the roll (-ln(random) > 0 and 30 s left).
    await cache
      .getClient({ key: `${key}${DELTA_KEY_SUFFIX}`, write: true })
      .set(delta, `1000000:${Date.now() + 30_000}`, 'PX', 30_000);
    expect(await cache.getOrSet(key, async () => 'v3', 30, early)).toBe('v3');
    expect(await cache.get(key)).toBe('v3');
  });

  it('splits getMany/setMany/deleteMany per slot and keeps the setMany timeout', async () => {
    const data = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    expect(await cache.setMany(data, 40)).toEqual([]);
    expect((await primarySizes()).every((n) => n > 0)).toBe(true);
    expect(await cache.getMany([...Object.keys(data), 'missing'])).toEqual(data);
    expect(await cache.mget(['k1', 'k2'])).toEqual({ k1: 1, k2: 2 });
    for (const k of ['k0', 'k77', 'k199']) expect(await cache.ttl(k)).toBeGreaterThan(35);
    expect(await cache.deleteMany([...Object.keys(data), 'missing'])).toBe(200);
    expect(await primarySizes()).toEqual([0, 0, 0]);
  });

  it('mset needs one slot; incrVersion moves a key across slots with its TTL', async () => {
    await expect(cache.mset({ a: 1, b: 2 })).rejects.toThrow(CacheArgumentError);
    expect(await cache.mset({ 'a{t}': 1, 'b{t}': 2 }, 20)).toBe(true);
    expect(await cache.getMany(['a{t}', 'b{t}'])).toEqual({ 'a{t}': 1, 'b{t}': 2 });
    await cache.set('moving', 'v', 60);
    expect(clusterSlot(':1:moving')).not.toBe(clusterSlot(':2:moving'));
    expect(await cache.incrVersion('moving')).toBe(2);
    expect(await cache.get('moving')).toBeNull();
    expect(await cache.get('moving', null, { version: 2 })).toBe('v');
    expect(await cache.ttl('moving', { version: 2 })).toBeGreaterThan(55);
  });

  it('keys, iterKeys, deletePattern and clear cover every primary', async () => {
    const keys = Array.from({ length: 90 }, (_, i) => `pat:${i}`);
    await cache.setMany(Object.fromEntries(keys.map((k) => [k, 1])));
    await cache.set('other', 1);
    expect((await cache.keys('pat:*')).sort()).toEqual([...keys].sort());
    const seen = new Set<string>();
    for await (const k of cache.iterKeys('pat:*', { itersize: 10 })) seen.add(k);
    expect(seen.size).toBe(90);
    expect(await cache.deletePattern('pat:*')).toBe(90);
    expect(await cache.keys('*')).toEqual(['other']);
    await cache.clear();
    expect(await primarySizes()).toEqual([0, 0, 0]);
  });

  it('locks, sets and hashes', async () => {
    const lock = cache.lock('job', { timeout: 5 });
    expect(await lock.acquire({ blocking: false })).toBe(true);
    expect(await cache.lock('job', { timeout: 5 }).acquire({ blocking: false })).toBe(false);
    await lock.release();
    expect(await cache.sadd('s1{g}', [1, 2, 3])).toBe(3);
    await cache.sadd('s2{g}', [3, 4]);
    expect(await cache.sinter(['s1{g}', 's2{g}'])).toEqual(new Set([3]));
    expect(await cache.sunionstore('d{g}', ['s1{g}', 's2{g}'])).toBe(4);
    await expect(cache.sinter(['s1{g}', 'elsewhere'])).rejects.toThrow(CacheArgumentError);
    expect(await cache.smembers('s2{g}')).toEqual(new Set([3, 4]));
    expect(await cache.hset('h', 'f', { x: 1 })).toBe(1);
    expect(await cache.hgetall('h')).toEqual({ f: { x: 1 } });
  });

  it('fails a call with a refused password clearly, and no error carries the password', async () => {
    const secret = 'Secret-cluster-pw-5e21';
    const bad = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          default: {
            backend: 'ValkeyClusterCache',
            location: topology().urls[0]!.replace('valkey://', `valkey://nobody:${secret}@`),
            options: { socketTimeout: 0.5, socketConnectTimeout: 0.5 },
          },
        }),
      ],
    }).compile();
    await bad.init();
    try {
      const started = performance.now();
      const error = await bad
        .get<ValkeyCache>(getCacheToken())
        .get('k')
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      // the cluster fails its waiting commands at once on the refused AUTH, not after a timeout
      expect(performance.now() - started).toBeLessThan(500 + 500);
      expect(error).toBeInstanceOf(CacheConnectionError);
      expect((error as Error).message).toMatch(/^cache 'default': server replied: WRONGPASS/);
      // the whole error, its causes and the command iovalkey keeps on them
      expect(inspect(error, { depth: 20 })).not.toContain(secret);
    } finally {
      await bad.close();
    }
  });

  it('reads from replicas with scaleReads: slave', async () => {
    await cache.set('replicated', 'yes', 30);
    let got: unknown = null;
    for (let i = 0; i < 50 && got === null; i++) {
      got = await replicaReads.get('replicated');
      if (got === null) await sleep(20);
    }
    expect(got).toBe('yes');
  });

  it('survives a manual CLUSTER FAILOVER under a write/read loop: no wrong read, no hung call', async () => {
    const cluster = topology();
    const replicas = await cluster.replicas();
    const promoted = replicas[0]!;
    let stop = false;
    let ops = 0;
    let failures = 0;
    let slowest = 0;
    const wrong: string[] = [];
    const loop = async (worker: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const key = `loop:${worker}:${i % 40}`;
        const value = `${key}:${i}`;
        const started = Date.now();
        try {
          await cache.set(key, value, 60);
          const read = await cache.get(key);
          if (read !== value) wrong.push(`${key}: wrote ${value}, read ${String(read)}`);
          ops++;
        } catch {
          failures++;
        }
        slowest = Math.max(slowest, Date.now() - started);
      }
    };
    const loops = [0, 1, 2, 3].map((w) => loop(w));
    const mark = { before: 0 };
    try {
      await sleep(300);
      await adminCommand(promoted, ['CLUSTER', 'FAILOVER']);
      mark.before = ops;
      await waitFor(
        async () =>
          (await cluster.primaries()).some((p) => p.port === promoted.port) ? true : undefined,
        { timeoutMs: 20_000, what: `${promoted.port} promoted` },
      );
      await cluster.waitHealthy(20_000);
      await sleep(500);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    console.log(
      `cluster failover: ${ops} write+read pairs, ${failures} failed calls, slowest ${slowest} ms, ${ops - mark.before} after the failover command`,
    );
    expect(wrong).toEqual([]);
    expect(slowest).toBeLessThan(2 * 2000 + 1000); // bounded by socketTimeout (2 s) per call
    expect(ops - mark.before).toBeGreaterThan(0);
  }, 60_000);
});
