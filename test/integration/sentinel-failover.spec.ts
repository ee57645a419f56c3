/**
 * Failovers under load, each on a private topology (the shared one stays healthy): SIGKILL of
 * the primary, and a manual `SENTINEL FAILOVER` with the primary alive. A loop of writes and
 * reads runs through the cache the whole time; a second loop pushes unique ids with RPUSH through
 * the raw primary connection to detect commands applied twice by iovalkey's resend.
 */
import { Valkey } from 'iovalkey';
import { SentinelConnectionPool, type SentinelClient, type ValkeyCache } from '../../lib/index.js';
import {
  type FailoverEvent,
  type NodeAddress,
  type PrimaryChangedEvent,
} from '../../lib/extend/index.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { waitFor } from '../harness/wait.js';
import {
  LoadLoop,
  bootApp,
  sentinelPairs,
  sleep,
  uniquePrefix,
  type SentinelApp,
} from './sentinel-support.js';

const SOCKET_TIMEOUT_S = 2;
// NVC_FOLLOW_PROMOTION=0 measures the baseline: move at +switch-master only (iovalkey's failoverDetector)
if (process.env.NVC_FOLLOW_PROMOTION === '0') SentinelConnectionPool.followPromotion = false;
/** Slack over the command timeout for a call's end-to-end time (event loop, test overhead). */
const SLACK_MS = 300;

/** RPUSH of unique ids through the pool's primary connection, with `inFlight` pushes in flight. */
class PushLoop {
  readonly acked = new Map<string, number>();
  failed = 0;
  private running = true;
  private n = 0;
  private readonly loops: Promise<void>[] = [];
  constructor(
    private readonly client: SentinelClient,
    readonly listKey: string,
    inFlight = 8,
  ) {
    for (let i = 0; i < inFlight; i++) this.loops.push(this.loop());
  }
  private async loop(): Promise<void> {
    while (this.running) {
      const id = `id-${this.n++}`;
      try {
        await this.client.primary.acquire().rpush(this.listKey, id);
        this.acked.set(id, Date.now());
      } catch {
        this.failed++;
        await sleep(5);
      }
    }
  }
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

interface Scenario {
  topology: SentinelTopology;
  app: SentinelApp;
  cache: ValkeyCache;
  client: SentinelClient;
  prefix: string;
  failovers: FailoverEvent[];
  primaryChanges: PrimaryChangedEvent[];
}

async function scenario(): Promise<Scenario> {
  const topology = await startSentinelTopology();
  const prefix = uniquePrefix('fo');
  const app = await bootApp({
    s: {
      location: `valkey://${topology.serviceName}/0`,
      keyPrefix: prefix,
      options: {
        clientClass: 'SentinelClient',
        sentinels: sentinelPairs(topology.sentinels),
        socketTimeout: SOCKET_TIMEOUT_S,
      },
    },
  });
  const client = app.sentinelClient('s')!;
  const failovers: FailoverEvent[] = [];
  const primaryChanges: PrimaryChangedEvent[] = [];
  client.on('failover', (e) => failovers.push(e));
  client.on('primary-changed', (e) => primaryChanges.push(e));
  const cache = app.cache('s');
  await cache.set('warm', 1);
  await cache.get('warm');
  const pool = client.replica as SentinelConnectionPool;
  await waitFor(async () => (pool.activeReplicas().length === 2 ? true : undefined), {
    timeoutMs: 5000,
    what: 'both replicas in the read rotation',
  });
  return { topology, app, cache, client, prefix, failovers, primaryChanges };
}

/** Acknowledged writes of `loop` whose key is missing on `primary`. */
async function lostWrites(
  primary: NodeAddress,
  prefix: string,
  loop: LoadLoop,
): Promise<Array<{ key: string; at: number }>> {
  const raw = new Valkey({ host: primary.host, port: primary.port, lazyConnect: true });
  try {
    const entries = [...loop.acked.entries()];
    const lost: Array<{ key: string; at: number }> = [];
    for (let i = 0; i < entries.length; i += 500) {
      const batch = entries.slice(i, i + 500);
      const pipeline = raw.pipeline();
      for (const [key] of batch) pipeline.exists(`${prefix}:1:${key}`);
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach(([key, { at }], j) => {
        if (replies[j]?.[1] !== 1) lost.push({ key, at });
      });
    }
    return lost;
  } finally {
    raw.disconnect();
  }
}

/** Ids pushed twice, and acknowledged ids missing, in the list on `primary`. */
async function pushAudit(
  primary: NodeAddress,
  push: PushLoop,
): Promise<{ duplicates: number; lost: number; total: number }> {
  const raw = new Valkey({ host: primary.host, port: primary.port, lazyConnect: true });
  try {
    const ids = await raw.lrange(push.listKey, 0, -1);
    const seen = new Set<string>();
    let duplicates = 0;
    for (const id of ids) {
      if (seen.has(id)) duplicates++;
      seen.add(id);
    }
    const lost = [...push.acked.keys()].filter((id) => !seen.has(id)).length;
    return { duplicates, lost, total: ids.length };
  } finally {
    raw.disconnect();
  }
}

describe('SIGKILL of the primary under load', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await scenario();
  }, 60_000);
  afterAll(async () => {
    await s?.app.close();
    await s?.topology.stop();
  });

  it('elects a replica, writes resume on it, no call hangs and no read returns another key', async () => {
    const { topology, cache, client, prefix } = s;
    const loop = new LoadLoop(cache, 'k', 4);
    const push = new PushLoop(client, `${prefix}:pushes`);
    await sleep(500);
    const old = await topology.primary();
    const killedAt = Date.now();
    await topology.kill(old);
    const elected = await topology.waitForPrimary({ not: old });
    const electedAt = Date.now();
    const pool = client.primary as SentinelConnectionPool;
    await waitFor(
      async () =>
        [...loop.acked.values()].some((a) => a.at > electedAt) &&
        pool.connectedPrimary()?.port === elected.port
          ? true
          : undefined,
      { timeoutMs: 10_000, intervalMs: 20, what: 'writes to resume on the new primary' },
    );
    await sleep(1000);
    await Promise.all([loop.stop(), push.stop()]);

    const outage = loop.writeOutage(killedAt);
    const lost = await lostWrites(elected, prefix, loop);
    const audit = await pushAudit(elected, push);
    console.log(
      `SIGKILL primary ${old.port}: sentinels agreed on ${elected.port} after ${electedAt - killedAt} ms; ` +
        `write outage ${outage.ms} ms (last ack before +${outage.start - killedAt} ms, first after +${outage.end - killedAt} ms); ` +
        `longest call ${loop.longestCall()} ms; ${loop.calls.length} calls, errors ${JSON.stringify(loop.errorSummary())}; ` +
        `read mismatches ${loop.mismatches}; acknowledged writes lost ${lost.length}/${loop.acked.size}; ` +
        `RPUSH audit: ${audit.total} ids, ${audit.duplicates} applied twice, ${audit.lost} acknowledged ids lost, ${push.failed} failed; ` +
        `events: ${s.failovers.map((e) => `${e.phase}(${e.reason})@+${e.at - killedAt}`).join(' ')} | ` +
        s.primaryChanges
          .map((e) => `primary-changed ${e.current.port} (${e.reason})@+${e.at - killedAt}`)
          .join(' '),
    );
    expect(loop.longestCall()).toBeLessThanOrEqual(SOCKET_TIMEOUT_S * 1000 + SLACK_MS);
    expect(loop.mismatches).toBe(0);
    expect(outage.ms).toBeLessThan(15_000);
    expect(s.primaryChanges.some((e) => e.current.port === elected.port)).toBe(true);
    expect(s.failovers.some((e) => e.phase === 'start')).toBe(true);
  }, 60_000);
});

describe('manual SENTINEL FAILOVER under load', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await scenario();
  }, 60_000);
  afterAll(async () => {
    await s?.app.close();
    await s?.topology.stop();
  });

  it('moves within about 2 s and nothing is acknowledged by the demoted primary after the move', async () => {
    const { topology, cache, client, prefix } = s;
    const pool = client.primary as SentinelConnectionPool;
    const loop = new LoadLoop(cache, 'k', 4);
    const push = new PushLoop(client, `${prefix}:pushes`);
    await sleep(500);
    const old = await topology.primary();
    // where the primary connection is, every 5 ms
    let movedAt: number | undefined;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const at = pool.connectedPrimary();
        if (movedAt === undefined && at && at.port !== old.port) movedAt = Date.now();
        await sleep(5);
      }
    })();
    const failoverAt = Date.now();
    await topology.failover();
    const elected = await topology.waitForPrimary({ not: old });
    const agreedAt = Date.now();
    await waitFor(async () => (movedAt !== undefined ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the primary connection to move',
    });
    await sleep(1500);
    await Promise.all([loop.stop(), push.stop()]);
    watching = false;
    await watcher;

    const announced = s.primaryChanges.find((e) => e.current.port === elected.port);
    expect(announced).toBeDefined();
    const lost = await lostWrites(elected, prefix, loop);
    const lostAfterAnnounce = lost.filter((l) => l.at > announced!.at);
    const audit = await pushAudit(elected, push);
    console.log(
      `SENTINEL FAILOVER ${old.port} -> ${elected.port}: primary-changed (${announced!.reason}) at +${announced!.at - failoverAt} ms, ` +
        `connection moved at +${movedAt! - failoverAt} ms, sentinels all agree at +${agreedAt - failoverAt} ms; ` +
        `write outage ${loop.writeOutage(failoverAt).ms} ms; longest call ${loop.longestCall()} ms; ` +
        `acknowledged writes lost ${lost.length}/${loop.acked.size} (after the announcement: ${lostAfterAnnounce.length}); ` +
        `read mismatches ${loop.mismatches}; errors ${JSON.stringify(loop.errorSummary())}; ` +
        `RPUSH audit: ${audit.total} ids, ${audit.duplicates} applied twice, ${audit.lost} acknowledged ids lost, ${push.failed} failed; ` +
        `READONLY retried ${pool.readonlyPolicy.retried}, rejected ${pool.readonlyPolicy.rejected}; ` +
        `events: ${s.failovers.map((e) => `${e.phase}(${e.reason})@+${e.at - failoverAt}`).join(' ')}; ` +
        `failed calls: ${loop.calls
          .filter((c) => !c.ok)
          .map((c) => `${c.kind}@+${c.start - failoverAt}..+${c.end - failoverAt}`)
          .join(' ')}`,
    );
    expect(movedAt! - failoverAt).toBeLessThan(4000);
    expect(movedAt! - announced!.at).toBeLessThan(2000);
    expect(lostAfterAnnounce).toEqual([]);
    expect(loop.mismatches).toBe(0);
    expect(loop.longestCall()).toBeLessThanOrEqual(SOCKET_TIMEOUT_S * 1000 + SLACK_MS);
    // audit.duplicates is reported above, not asserted: commands in flight when the connection
    // to the demoted primary is dropped are resent by iovalkey (autoResendUnfulfilledCommands),
    // so a few RPUSH may apply twice (measured 0-8 per run); docs/sentinel.md documents the opt-out.
  }, 60_000);
});
