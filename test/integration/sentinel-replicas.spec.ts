/**
 * The replica pool when replicas go away and come back, on a private topology (the shared one
 * stays healthy): reads fall back to the primary within the command timeout and move back to a
 * replica once it is in sync again.
 */
import { SentinelConnectionPool } from '../../lib/index.js';
import { type ReplicasChangedEvent } from '../../lib/extend/index.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { waitFor } from '../harness/wait.js';
import {
  bootApp,
  commandCalls,
  sentinelPairs,
  sleep,
  uniquePrefix,
  within,
  type SentinelApp,
} from './sentinel-support.js';

const SOCKET_TIMEOUT_S = 2;

describe('replica pool: both replicas stopped, then back', () => {
  let topology: SentinelTopology;
  let app: SentinelApp;

  beforeAll(async () => {
    const started = Date.now();
    topology = await startSentinelTopology();
    console.log(`private topology up in ${Date.now() - started} ms`);
    app = await bootApp({
      s: {
        location: `valkey://${topology.serviceName}/0`,
        keyPrefix: uniquePrefix('replicas'),
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          socketTimeout: SOCKET_TIMEOUT_S,
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });

  it('falls back to the primary within the command timeout and moves back when a replica returns', async () => {
    const cache = app.cache('s');
    const client = app.sentinelClient('s')!;
    const pool = client.replica as SentinelConnectionPool;
    const events: ReplicasChangedEvent[] = [];
    client.on('replicas-changed', (e) => events.push(e));

    await cache.set('k', 'v', 600);
    await cache.get('k');
    await waitFor(async () => (pool.activeReplicas().length === 2 ? true : undefined), {
      timeoutMs: 5000,
      what: 'both replicas in the read rotation',
    });
    const primary = await topology.primary();
    const replicas = await topology.replicas();
    expect(replicas).toHaveLength(2);

    // both replicas die; reads keep going
    const killedAt = Date.now();
    await Promise.all(replicas.map((r) => topology.kill(r)));
    const results: Array<{ at: number; ms: number; ok: boolean; error?: string }> = [];
    let firstPrimaryRead: number | undefined;
    const primaryGetsBefore = await commandCalls(primary, 'get');
    while (Date.now() - killedAt < 3000) {
      const start = Date.now();
      try {
        expect(await within(SOCKET_TIMEOUT_S * 1000 + 500, 'read', cache.get('k'))).toBe('v');
        results.push({ at: start, ms: Date.now() - start, ok: true });
        if (firstPrimaryRead === undefined && pool.activeReplicas().length === 0)
          firstPrimaryRead = Date.now();
      } catch (err) {
        results.push({
          at: start,
          ms: Date.now() - start,
          ok: false,
          error: (err as Error).message,
        });
      }
      await sleep(10);
    }
    const primaryGets = (await commandCalls(primary, 'get')) - primaryGetsBefore;
    const failed = results.filter((r) => !r.ok);
    const slowest = Math.max(...results.map((r) => r.ms));
    console.log(
      `both replicas killed: ${results.length} reads in 3 s, ${failed.length} failed ` +
        `(${[...new Set(failed.map((f) => f.error))].join(' | ') || 'none'}), slowest ${slowest} ms, ` +
        `reads served by the primary from +${(firstPrimaryRead ?? NaN) - killedAt} ms, primary GETs ${primaryGets}`,
    );
    expect(slowest).toBeLessThanOrEqual(SOCKET_TIMEOUT_S * 1000);
    expect(firstPrimaryRead! - killedAt).toBeLessThan(SOCKET_TIMEOUT_S * 1000);
    expect(failed.length).toBeLessThanOrEqual(2); // at most the reads in flight when the sockets died
    expect(primaryGets).toBeGreaterThanOrEqual(results.filter((r) => r.ok).length - 2);
    expect(pool.activeReplicas()).toEqual([]);

    // one replica comes back: reads move back to it once it is in sync
    const back = replicas[0]!;
    const restartedAt = Date.now();
    await topology.restart(back);
    await waitFor(
      async () => {
        await cache.get('k');
        return pool.activeReplicas().some((a) => a.port === back.port) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: `reads to move back to ${back.port}` },
    );
    const movedBackMs = Date.now() - restartedAt;
    const replicaGetsBefore = await commandCalls(back, 'get');
    const primaryBefore = await commandCalls(primary, 'get');
    for (let i = 0; i < 50; i++) expect(await cache.get('k')).toBe('v');
    const replicaGets = (await commandCalls(back, 'get')) - replicaGetsBefore;
    const primaryAfter = (await commandCalls(primary, 'get')) - primaryBefore;
    console.log(
      `replica ${back.port} restarted: back in the read rotation after ${movedBackMs} ms; ` +
        `next 50 reads: replica ${replicaGets}, primary ${primaryAfter}`,
    );
    expect(replicaGets).toBe(50);
    expect(primaryAfter).toBe(0);
    expect(events.some((e) => e.replicas.length === 0)).toBe(true);
    expect(events.at(-1)!.replicas.map((a) => a.port)).toEqual([back.port]);
  }, 60_000);
});
