/**
 * Which servers a `SentinelClient`'s pools say they use (`primary.servers()`,
 * `replica.servers()`), compared with what the sentinels answer when asked directly and with
 * what the harness started: right after boot, before any command; on the iovalkey clients the
 * pools hold (never iovalkey's `localhost:6379` default); and after a failover on a private
 * topology.
 */
import type { Valkey } from 'iovalkey';
import { SentinelConnectionPool, type SentinelClient, type ValkeyCache } from '../../lib/index.js';
import { type NodeAddress } from '../../lib/extend/index.js';
import { adminCommand, parseFlatMap } from '../harness/admin-command.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { waitFor } from '../harness/wait.js';
import { bootApp, sentinelPairs, uniquePrefix, type SentinelApp } from './sentinel-support.js';

const key = (a: NodeAddress): string => `${a.host}:${a.port}`;
const keys = (list: readonly NodeAddress[]): string[] => list.map(key).sort();

/** What the sentinel at `sentinel` says now: the primary and the replicas it lists as up. */
async function askSentinel(
  sentinel: NodeAddress,
  service: string,
): Promise<{ primary: NodeAddress; replicas: NodeAddress[] }> {
  const named = (await adminCommand(sentinel, [
    'SENTINEL',
    'GET-MASTER-ADDR-BY-NAME',
    service,
  ])) as string[];
  const listed = (await adminCommand(sentinel, ['SENTINEL', 'REPLICAS', service])) as unknown[];
  const replicas = listed
    .map(parseFlatMap)
    .filter((r) => !/s_down|o_down|disconnected/.test(r.get('flags') ?? ''))
    .map((r) => ({ host: r.get('ip')!, port: Number(r.get('port')) }));
  return { primary: { host: named[0]!, port: Number(named[1]) }, replicas };
}

/** `host:port role=…` of each iovalkey client, as its options show it. */
function shown(clients: readonly Valkey[]): string[] {
  return clients.map((c) => `${c.options.host}:${c.options.port} role=${c.options.role}`);
}

function bootSentinelApp(
  service: string,
  sentinels: readonly NodeAddress[],
  tag: string,
): Promise<SentinelApp> {
  return bootApp({
    s: {
      location: `valkey://${service}/0`,
      keyPrefix: uniquePrefix(tag),
      options: { clientClass: 'SentinelClient', sentinels: sentinelPairs(sentinels) },
    },
  });
}

/** Waits until the replica pool reads from `count` replicas (a read starts its discovery). */
async function rotationOf(cache: ValkeyCache, client: SentinelClient, count: number) {
  const pool = client.replica as SentinelConnectionPool;
  await waitFor(
    async () => {
      await cache.get('warm');
      return pool.activeReplicas().length === count ? true : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, what: `${count} replicas in the read rotation` },
  );
}

describe('pool servers on the shared Sentinel group', () => {
  const shared = sharedTopology();
  let app: SentinelApp;
  let client: SentinelClient;

  beforeAll(async () => {
    app = await bootSentinelApp(shared.serviceName, shared.sentinels, 'servers');
    client = app.sentinelClient('s')!;
  });
  afterAll(() => app?.close());

  it('right after boot, before any command, name the primary and replicas the sentinels name', async () => {
    // no command yet: neither pool holds a connection
    expect(client.primary.clients()).toEqual([]);
    expect(client.replica.clients()).toEqual([]);

    const [primary, replicas] = await Promise.all([
      client.primary.servers(),
      client.replica.servers(),
    ]);
    const asked = await askSentinel(shared.sentinels[0]!, shared.serviceName);
    console.log(
      `right after boot: primary.servers() ${keys(primary).join(', ')}, replica.servers() ` +
        `${keys(replicas).join(', ')}; SENTINEL get-master-addr-by-name ${key(asked.primary)}, ` +
        `SENTINEL replicas ${keys(asked.replicas).join(', ')}; harness primary ${key(shared.primary)}`,
    );
    expect(primary).toEqual([asked.primary]);
    expect(primary).toEqual([shared.primary]);
    expect(keys(replicas)).toEqual(keys(asked.replicas));
    expect(keys(replicas)).toEqual(keys(shared.replicas));
    for (const a of [...primary, ...replicas]) expect(key(a)).not.toBe('localhost:6379');

    // asking the sentinels opened no connection to a data node
    expect(client.primary.clients()).toEqual([]);
    expect(client.replica.clients()).toEqual([]);
  });

  it('their clients show the server they go to, never localhost:6379', async () => {
    const cache = app.cache('s');
    cache.getClient(); // the primary pool's client, not connected yet
    cache.getClient({ write: false }); // the replica pool's bootstrap client, not connected yet
    const before = shown([...client.primary.clients(), ...client.replica.clients()]);
    expect(before).toEqual([
      'undefined:undefined role=master',
      'undefined:undefined role=undefined',
    ]);

    await cache.set('k', 'v');
    await rotationOf(cache, client, 2);
    const primaryShown = shown(client.primary.clients());
    const replicaShown = shown(client.replica.clients());
    console.log(
      `connected: primary pool ${primaryShown.join(', ')}; replica pool ${replicaShown.join(', ')}`,
    );
    expect(primaryShown).toEqual([`${key(shared.primary)} role=master`]);
    expect(replicaShown.sort()).toEqual(keys(shared.replicas).map((k) => `${k} role=slave`));
    // once reads rotate, the replica pool names the replicas it admitted
    expect(keys(await client.replica.servers())).toEqual(keys(shared.replicas));
    expect(await client.primary.servers()).toEqual([shared.primary]);
  });
});

describe('pool servers across a failover', () => {
  let topology: SentinelTopology;
  let app: SentinelApp;

  beforeAll(async () => {
    topology = await startSentinelTopology();
    app = await bootSentinelApp(topology.serviceName, topology.sentinels, 'servers-fo');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });

  it('after SENTINEL FAILOVER the primary pool names the new primary, the replica pool the others', async () => {
    const client = app.sentinelClient('s')!;
    const cache = app.cache('s');
    const old = await topology.primary();
    const replicasBefore = await topology.replicas();
    // before any command
    expect(await client.primary.servers()).toEqual([{ host: old.host, port: old.port }]);
    expect(keys(await client.replica.servers())).toEqual(keys(replicasBefore));

    await cache.set('k', 'before');
    await rotationOf(cache, client, 2);
    const failoverAt = Date.now();
    await topology.failover();
    const elected = await topology.waitForPrimary({ not: old });
    const agreedAt = Date.now();
    await waitFor(
      async () => ((await client.primary.servers())[0]?.port === elected.port ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 20, what: `primary.servers() to name ${key(elected)}` },
    );
    const namedAt = Date.now();
    const asked = await askSentinel(topology.sentinels[0]!, topology.serviceName);
    expect(await client.primary.servers()).toEqual([asked.primary]);
    expect(asked.primary).toEqual({ host: elected.host, port: elected.port });

    // writes go there, and the primary connection says so
    await waitFor(async () => ((await cache.set('k', 'after')) ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'a write to succeed on the new primary',
    });
    expect(shown(client.primary.clients())).toEqual([`${key(elected)} role=master`]);

    // the demoted primary rejoins as a replica: reads rotate over it and the other replica
    const others = [old, ...replicasBefore.filter((r) => r.port !== elected.port)];
    await waitFor(
      async () => {
        await cache.get('k');
        const now = keys(await client.replica.servers());
        return now.join() === keys(others).join() ? true : undefined;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `replica.servers() to be ${keys(others).join(', ')}`,
      },
    );
    console.log(
      `SENTINEL FAILOVER ${key(old)} -> ${key(elected)}: sentinels agree at +${agreedAt - failoverAt} ms, ` +
        `primary.servers() names it at +${namedAt - failoverAt} ms; replica.servers() ` +
        `${keys(await client.replica.servers()).join(', ')} at +${Date.now() - failoverAt} ms`,
    );
    expect(keys(await client.replica.servers())).not.toContain(key(elected));
  }, 60_000);
});
