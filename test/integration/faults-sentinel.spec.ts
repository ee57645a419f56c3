/**
 * Faults of a Sentinel deployment, on a topology of its own (primary, one replica, three
 * sentinels; `down-after-milliseconds` 60 s so that no failover starts during the faults, which
 * sentinel-failover.spec.ts covers): the primary stalled (SIGSTOP), every sentinel SIGKILLed, and
 * then, with the sentinels still dead, the primary SIGKILLed and everything restarted. Every
 * covered call runs on a cache with `ignoreExceptions` and one without; each must settle within
 * socketTimeout + MARGIN_MS, none may hang, and the process must see no unhandled rejection.
 * After `app.close()` no iovalkey reconnect timer may be left armed (a primary client that ended
 * while every sentinel was down used to leak its failover detector's sentinel connections).
 */
import {
  getSentinelClientToken,
  type SentinelClient,
  type SentinelConnectionPool,
} from '../../lib/index.js';
import { adminCommand } from '../harness/admin-command.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import type { ValkeyProcess } from '../harness/valkey-process.js';
import { waitFor } from '../harness/wait.js';
import {
  DEADLINE_MS,
  bootFaultApp,
  expectHealthy,
  faultRounds,
  healthyProbe,
  healthyProblems,
  prepare,
  recoverAndProbe,
  summarize,
  timeToRecoverEach,
  useFaultGuards,
  type FaultApp,
} from './fault-support.js';
import { sentinelPairs } from './sentinel-support.js';

/** Bound of each test (several process starts and stops), in ms. */
const TEST_TIMEOUT_MS = 30_000;

/** Calls a replica answers while the primary is unavailable. */
const READS = new Set(['get', 'getMany', 'hasKey']);

let topology: SentinelTopology;
let primary: ValkeyProcess;
let fx: FaultApp;

/** The call that detects a stalled or dead primary: a write on the lenient cache. */
const firstWrite = (): Promise<unknown> => fx.lenient.set('first', 1);

/** `WAIT 1` on the primary: what was written so far reached the replica. */
async function replicated(): Promise<void> {
  const acked = await adminCommand(primary, ['WAIT', 1, 2000], { timeoutMs: 3000 });
  if (acked !== 1) throw new Error(`WAIT 1 answered ${String(acked)}`);
}

const { reconnects } = useFaultGuards({
  timeoutMs: TEST_TIMEOUT_MS,
  setup: async () => {
    topology = await startSentinelTopology({ replicas: 1, sentinels: 3, downAfterMs: 60_000 });
    primary = await topology.primary();
    fx = await bootFaultApp(`valkey://${topology.serviceName}/0`, {
      clientClass: 'SentinelClient',
      sentinels: sentinelPairs(topology.sentinels),
    });
    // reads go to the replica once the replica pool admitted it
    await fx.lenient.get('warm');
    const client = fx.app.get<SentinelClient>(getSentinelClientToken('lenient'));
    const pool = client.replica as SentinelConnectionPool;
    await waitFor(async () => (pool.activeReplicas().length === 1 ? true : undefined), {
      timeoutMs: 5000,
      what: 'the replica in the read rotation',
    });
  },
  teardown: async () => {
    let leftover: number;
    try {
      for (const node of [...(topology?.nodes ?? []), ...(topology?.sentinelNodes ?? [])]) {
        if (node.paused) node.resume();
      }
      await fx?.close();
      // nothing of the app keeps reconnecting (e.g. the sentinel connections of the failover
      // detector of a primary client that ended while every sentinel was down)
      leftover = reconnects.pending;
    } finally {
      await topology?.stop();
    }
    expect(leftover).toBe(0);
  },
});

it(
  'primary stalled (SIGSTOP): reads served by the replica, writes fall back or throw within socketTimeout',
  async () => {
    const caches = [fx.lenient, fx.strict];
    await expectHealthy(fx, 'pause-before', replicated);
    // what the reads of the fault rounds find on the replica
    for (const round of [0, 1]) {
      for (const cache of caches) await prepare(cache, `pause${round}-${cache.alias}`);
    }
    await replicated();

    topology.pause(primary);
    const { detectionMs, degraded } = await faultRounds(fx, 'pause', READS, firstWrite);

    topology.resume(primary);
    const recoveryMs = await recoverAndProbe(fx, 'pause', replicated);
    summarize('Sentinel primary SIGSTOP (writes)', { detectionMs, degraded, recoveryMs });
  },
  TEST_TIMEOUT_MS,
);

it(
  'every sentinel SIGKILLed: the open connections keep serving reads and writes',
  async () => {
    await Promise.all(topology.sentinelNodes.map((node) => topology.kill(node)));
    const results = await healthyProbe([fx.lenient, fx.strict], 'nosentinel', replicated);
    expect(healthyProblems(results)).toEqual([]);
    for (const r of results) expect(r.ms).toBeLessThan(DEADLINE_MS);
  },
  TEST_TIMEOUT_MS,
);

it(
  'then the primary SIGKILLed too: writes fail fast, reads stay on the replica; all recovers after the restarts',
  async () => {
    const caches = [fx.lenient, fx.strict];
    for (const round of [0, 1]) {
      for (const cache of caches) await prepare(cache, `dead${round}-${cache.alias}`);
    }
    await replicated();

    await topology.kill(primary);
    const { detectionMs, degraded } = await faultRounds(fx, 'dead', READS, firstWrite);
    // the strict cache's error says why: no sentinel could be asked for the primary
    const error = await fx.strict.set('why', 1).catch((err: unknown) => err);
    expect((error as Error).message).toMatch(
      /^cache 'strict': Sentinel: .*no sentinel is reachable/,
    );

    for (const node of topology.sentinelNodes) await topology.restart(node);
    const restartedAt = performance.now();
    await topology.restart(primary);
    const restartMs = Math.round(performance.now() - restartedAt);
    const recoveryMs = await timeToRecoverEach(fx, 'dead');
    // the replica resyncs from the restarted (empty) primary
    await waitFor(() => replicated().then(() => true), {
      timeoutMs: 10_000,
      what: 'the replica to resync from the restarted primary',
    });
    await expectHealthy(fx, 'dead-after', replicated);
    summarize('Sentinel: sentinels + primary SIGKILL, restart (writes)', {
      detectionMs,
      degraded,
      recoveryMs,
      extra: `; primary restart took ${restartMs} ms`,
    });
  },
  TEST_TIMEOUT_MS,
);
