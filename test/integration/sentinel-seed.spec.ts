/**
 * Every cache of the seed's Sentinel examples, in its TypeScript form, against the shared
 * topology (primary + 2 replicas + 3 sentinels) and the shared standalone server. Nothing here
 * disturbs the servers.
 */
import {
  CacheConnectionError,
  CacheReadOnlyError,
  SentinelClient,
  SentinelConnectionPool,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { type ReplicasChangedEvent } from '../../lib/extend/index.js';
import { adminCommand } from '../harness/admin-command.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { waitFor } from '../harness/wait.js';
import {
  bootApp,
  callsByNode,
  delta,
  sentinelPairs,
  uniquePrefix,
  type SentinelApp,
} from './sentinel-support.js';

const shared = sharedTopology();
const SENTINELS = sentinelPairs(shared.sentinels);
const SERVICE = shared.serviceName;
const NODES = [shared.primary, ...shared.replicas];
const key = (n: { host: string; port: number }): string => `${n.host}:${n.port}`;

/** The seed's first example, with `DJANGO_VALKEY_CONNECTION_FACTORY` set globally. */
function seedCaches(prefix: string): CachesConfig {
  return {
    default: {
      location: `valkey://${SERVICE}/3`,
      keyPrefix: prefix,
      options: {
        clientClass: 'django_valkey.client.SentinelClient',
        sentinels: SENTINELS,
        sentinelKwargs: {},
        connectionPoolClass: 'valkey.sentinel.SentinelConnectionPool',
        socketTimeout: 2,
      },
    },
    minimal: {
      backend: 'django_valkey.cache.ValkeyCache',
      location: `valkey://${SERVICE}/3`,
      keyPrefix: `${prefix}-minimal`,
      options: { clientClass: 'django_valkey.client.SentinelClient', sentinels: SENTINELS },
    },
    other: {
      backend: 'django_valkey.cache.ValkeyCache',
      location: [`valkey://${SERVICE}/3?is_master=1`, `valkey://${SERVICE}/3?is_master=0`],
      keyPrefix: `${prefix}-other`,
      options: { sentinels: SENTINELS },
    },
    readonly: {
      backend: 'django_valkey.cache.ValkeyCache',
      location: `valkey://${SERVICE}/3?is_master=0`,
      keyPrefix: prefix, // reads what `default` writes
      options: { sentinels: SENTINELS },
    },
  };
}

/** Waits until every replica has caught up with the primary (WAIT 2). */
async function replicated(): Promise<void> {
  await adminCommand(shared.primary, ['WAIT', 2, 1000], { timeoutMs: 2000 });
}

/** Waits until the replica pool of `cache` reads from both replicas. */
async function bothReplicasActive(cache: ValkeyCache): Promise<void> {
  const pool = cache.client.replicas[0] ?? cache.client.primary;
  if (!(pool instanceof SentinelConnectionPool)) throw new Error('not a Sentinel pool');
  await cache.get('warm-up');
  await waitFor(async () => (pool.activeReplicas().length === 2 ? true : undefined), {
    timeoutMs: 5000,
    what: 'the replica pool to use both replicas',
  });
}

describe('seed example: DJANGO_VALKEY_CONNECTION_FACTORY = SentinelConnectionFactory', () => {
  let app: SentinelApp;
  const prefix = uniquePrefix('seed');

  beforeAll(async () => {
    app = await bootApp(seedCaches(prefix), {
      connectionFactory: 'django_valkey.pool.SentinelConnectionFactory',
    });
  });
  afterAll(() => app?.close());

  it.each(['default', 'minimal', 'other'])('cache %s round-trips values', async (alias) => {
    const cache = app.cache(alias);
    const value = { alias, list: [1, 2, 3], nested: { ok: true } };
    expect(await cache.set('round-trip', value, 60)).toBe(true);
    expect(await cache.get('round-trip', null)).toEqual(value);
    // reads may be served by a replica: wait for replication before comparing there
    await replicated();
    expect(await cache.get('round-trip')).toEqual(value);
    expect(await cache.incr('counter', 1).catch(() => null)).toBeNull(); // missing key: raises
    await cache.set('counter', 41);
    expect(await cache.incr('counter')).toBe(42);
    expect(await cache.delete('round-trip')).toBe(true);
  });

  it('the SentinelClient is injectable and reports the topology', async () => {
    const client = app.sentinelClient('default');
    expect(client).toBeInstanceOf(SentinelClient);
    expect(app.sentinelClient('other')).toBeNull();
    expect(app.sentinelClient('readonly')).toBeNull();
    const topology = await client!.topology();
    expect(topology.primary).toEqual(shared.primary);
    expect(topology.replicas.map(key).sort()).toEqual(shared.replicas.map(key).sort());
    expect(client!.primary.role).toBe('primary');
    expect(client!.replica.role).toBe('replica');
  });

  it.each(['default', 'other'])(
    'cache %s writes on the primary and reads on both replicas',
    async (alias) => {
      const cache = app.cache(alias);
      await bothReplicasActive(cache);
      const n = 200;
      const setsBefore = await callsByNode(NODES, 'set');
      for (let i = 0; i < n; i++) await cache.set(`spread:${i}`, i, 60);
      const sets = delta(setsBefore, await callsByNode(NODES, 'set'));
      await replicated();

      const before = await callsByNode(NODES, 'get');
      for (let i = 0; i < n; i++) expect(await cache.get(`spread:${i}`)).toBe(i);
      const gets = delta(before, await callsByNode(NODES, 'get'));
      console.log(
        `[${alias}] ${n} sets -> cmdstat_set calls by node: ${JSON.stringify(Object.fromEntries(sets))}; ` +
          `${n} gets -> cmdstat_get calls: primary ${gets.get(key(shared.primary))}, ` +
          shared.replicas.map((r) => `replica ${key(r)} ${gets.get(key(r))}`).join(', '),
      );
      // every write succeeded, so it reached the only writable node: the primary
      expect(sets.get(key(shared.primary))).toBeGreaterThanOrEqual(n);
      // reads: none (or next to none, if another test reads there) on the primary, both replicas used
      expect(gets.get(key(shared.primary))).toBeLessThan(n / 10);
      for (const replica of shared.replicas)
        expect(gets.get(key(replica))).toBeGreaterThanOrEqual(n * 0.3);
    },
  );

  it('sorted-set and list reads go to the replicas, their writes and blocking pops to the primary', async () => {
    const cache = app.cache('default');
    await bothReplicasActive(cache);
    const writes = ['zadd', 'rpush'];
    const reads = ['zrange', 'zscore', 'lrange', 'llen'];
    const writesBefore = await Promise.all(writes.map((c) => callsByNode(NODES, c)));
    const n = 20;
    for (let i = 0; i < n; i++) {
      await cache.zadd(`z:${i}`, [[{ i }, i]]);
      await cache.rpush(`l:${i}`, [{ i }]);
    }
    await replicated();
    const readsBefore = await Promise.all(reads.map((c) => callsByNode(NODES, c)));
    for (let i = 0; i < n; i++) {
      expect(await cache.zrange(`z:${i}`, 0, -1, { withscores: true })).toEqual([[{ i }, i]]);
      expect(await cache.zscore(`z:${i}`, { i })).toBe(i);
      expect(await cache.lrange(`l:${i}`, 0, -1)).toEqual([{ i }]);
      expect(await cache.llen(`l:${i}`)).toBe(1);
    }
    for (const [j, command] of writes.entries()) {
      const d = delta(writesBefore[j]!, await callsByNode(NODES, command));
      expect(d.get(key(shared.primary))).toBeGreaterThanOrEqual(n);
    }
    for (const [j, command] of reads.entries()) {
      const d = delta(readsBefore[j]!, await callsByNode(NODES, command));
      expect(d.get(key(shared.primary)) ?? 0).toBe(0);
      const onReplicas = shared.replicas.reduce((sum, r) => sum + (d.get(key(r)) ?? 0), 0);
      expect(onReplicas).toBeGreaterThanOrEqual(n);
    }
    // A blocking pop is a write, on a connection of its own to the primary the sentinels name.
    expect(await cache.blpop(['l:0', 'l:1'], 0.5)).toEqual(['l:0', { i: 0 }]);
    expect(await cache.brpop('l:0', 0.2)).toBeNull();
    for (let i = 0; i < n; i++) await cache.deleteMany([`z:${i}`, `l:${i}`]);
  });

  it('the readonly cache reads from replicas and rejects writes with a clear error', async () => {
    const writer = app.cache('default');
    const readonly = app.cache('readonly');
    await writer.set('shared-key', 'written by default', 60);
    await replicated();
    await bothReplicasActive(readonly);
    const before = await callsByNode(NODES, 'get');
    expect(await readonly.get('shared-key')).toBe('written by default');
    const gets = delta(before, await callsByNode(NODES, 'get'));
    expect(
      shared.replicas.reduce((sum, r) => sum + (gets.get(key(r)) ?? 0), 0),
    ).toBeGreaterThanOrEqual(1);

    const error = await readonly.set('shared-key', 'overwritten?', 60).catch((err: unknown) => err);
    // A clear, non-ignorable error: ignoreExceptions must never hide writes sent to a replica.
    expect(error).toBeInstanceOf(CacheReadOnlyError);
    expect(error).not.toBeInstanceOf(CacheConnectionError);
    expect((error as Error).message).toMatch(
      /^cache 'readonly': write refused by a read-only replica \(READONLY You can't write against a read only replica/,
    );
    await expect(readonly.delete('shared-key')).rejects.toThrow(
      /cache 'readonly': write refused by a read-only replica/,
    );
    expect(await writer.get('shared-key')).toBe('written by default');
  });

  it('a readonly cache refuses even its very first write (no early fallback to the primary)', async () => {
    const fresh = await bootApp(
      {
        readonly: {
          location: `valkey://${SERVICE}/3?is_master=0`,
          keyPrefix: prefix,
          options: { sentinels: SENTINELS },
        },
      },
      { connectionFactory: 'SentinelConnectionFactory' },
    );
    try {
      await expect(fresh.cache('readonly').set('first-write', 1)).rejects.toThrow(/READONLY/);
    } finally {
      await fresh.close();
    }
  });

  it('emits replicas-changed when a replica pool starts reading', async () => {
    const fresh = await bootApp({
      s: {
        location: `valkey://${SERVICE}/3`,
        keyPrefix: prefix,
        options: { clientClass: 'SentinelClient', sentinels: SENTINELS },
      },
    });
    try {
      const events: ReplicasChangedEvent[] = [];
      fresh.sentinelClient('s')!.on('replicas-changed', (e) => events.push(e));
      await fresh.cache('s').get('anything');
      await waitFor(async () => (events.some((e) => e.replicas.length === 2) ? true : undefined), {
        timeoutMs: 5000,
        what: 'replicas-changed with both replicas',
      });
      expect(events[0]).toMatchObject({ alias: 's', service: SERVICE });
    } finally {
      await fresh.close();
    }
  });
});

describe('seed example: per-cache CONNECTION_FACTORY, a Sentinel cache beside a plain one', () => {
  let app: SentinelApp;
  const prefix = uniquePrefix('mixed');

  beforeAll(async () => {
    app = await bootApp({
      sentinel: {
        backend: 'django_valkey.cache.ValkeyCache',
        location: `valkey://${SERVICE}/4`,
        keyPrefix: prefix,
        options: {
          clientClass: 'django_valkey.client.SentinelClient',
          sentinels: SENTINELS,
          connectionPoolClass: 'valkey.sentinel.SentinelConnectionPool',
          connectionFactory: 'django_valkey.pool.SentinelConnectionFactory',
        },
      },
      default: {
        backend: 'django_valkey.cache.ValkeyCache',
        location: shared.valkeyUrl(4),
        keyPrefix: prefix,
        options: { clientClass: 'django_valkey.client.DefaultClient' },
      },
    });
  });
  afterAll(() => app?.close());

  it('both caches round-trip, each on its own servers', async () => {
    const sentinel = app.cache('sentinel');
    const plain = app.cache('default');
    await sentinel.set('where', 'sentinel service', 60);
    await plain.set('where', 'standalone server', 60);
    await replicated();
    expect(await sentinel.get('where')).toBe('sentinel service');
    expect(await plain.get('where')).toBe('standalone server');
    const stored = (node: { host: string; port: number }) =>
      adminCommand(node, ['GET', `${prefix}:1:where`], { clientOptions: { db: 4 } });
    expect(await stored(shared.primary)).toBe(JSON.stringify('sentinel service'));
    expect(await stored(shared.standalone)).toBe(JSON.stringify('standalone server'));
    expect(app.sentinelClient('sentinel')).toBeInstanceOf(SentinelClient);
    expect(app.sentinelClient('default')).toBeNull();
  });
});
