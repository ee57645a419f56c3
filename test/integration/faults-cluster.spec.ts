/**
 * Faults of a Valkey Cluster (`ValkeyClusterCache` / `ClusterClient`), on a 3-primary cluster of
 * its own without replicas (so that no failover changes the topology while the faults last):
 * a refused password (the ACL user does not exist, then is created), every primary stalled
 * (SIGSTOP, then SIGCONT), and every node down at boot (SIGKILLed before the app boots, then
 * restarted on the same ports and cluster files). Every covered call runs on a cache with
 * `ignoreExceptions` and one without; each must settle within socketTimeout + MARGIN_MS, none
 * may hang (iovalkey's Cluster keeps commands in an offline queue with no timeout while it
 * cannot connect), the caches must work again when the cluster is back without rebuilding the
 * app, no error may carry the password, and the process must see no unhandled rejection. After
 * `app.close()` no iovalkey reconnect or slot-refresh timer may be left armed.
 */
import { inspect } from 'node:util';
import { CacheConnectionError } from '../../lib/index.js';
import { adminCommand } from '../harness/admin-command.js';
import { CLUSTER_NODE_ARGS, startCluster, type ClusterTopology } from '../harness/cluster.js';
import { restartStandalone } from '../harness/fault-servers.js';
import { allocatePorts } from '../harness/ports.js';
import { pending, waitFor } from '../harness/wait.js';
import {
  FAULT_OPS,
  LIFECYCLE_BOUND_MS,
  SOCKET_TIMEOUT_S,
  bootFaultApp,
  closeFaultApp,
  expectHealthy,
  degradedProblems,
  faultRounds,
  lateAppliedKeys,
  probe,
  recoverAndProbe,
  summarize,
  timeToRecover,
  useFaultGuards,
  type CallResult,
  type FaultApp,
} from './fault-support.js';

/** Bound of each test (process starts and stops, cluster convergence), in ms. */
const TEST_TIMEOUT_MS = 30_000;
const BACKEND = 'ValkeyClusterCache';
/**
 * Bound of a cluster cache's recovery once its password is accepted, in ms: one reconnect delay
 * (iovalkey's `clusterRetryStrategy`: 100 ms + 2 ms per failed attempt, at most 2000 ms), one
 * connect with `socketConnectTimeout` (500 ms), and slack for a loaded machine.
 */
const CLUSTER_RECOVERY_BOUND_MS = 3500;
/** The refused password: it must appear in no error. */
const SECRET = 'Cluster-secret-pw-8c3f';

let cluster: ClusterTopology;

const { guard, reconnects } = useFaultGuards({
  timeoutMs: TEST_TIMEOUT_MS,
  setup: async () => {
    cluster = await startCluster(3, 0);
  },
  teardown: async () => {
    for (const n of cluster?.nodes ?? []) if (n.node.paused) n.node.resume();
    await cluster?.stop();
  },
});

/**
 * Closes the app within {@link LIFECYCLE_BOUND_MS}; then nothing of it may keep reconnecting. A
 * cleared timer's destroy hook runs after this tick; waiting past one retry delay of the
 * clusterRetryStrategy (>= 100 ms) also catches a reconnect that fired and armed the next one.
 */
const closeApp = (fx: FaultApp): Promise<void> => closeFaultApp(fx, reconnects, 250);

/** Every node's late-applied keys of `tagPrefix<digit>-*` rounds (see {@link lateAppliedKeys}). */
async function lateAppliedOnCluster(tagPrefix: string): Promise<string[]> {
  const perNode = await Promise.all(cluster.nodes.map((n) => lateAppliedKeys(n, tagPrefix)));
  return perNode.flat().sort();
}

it('the process guard listens on the real process', () => {
  expect(guard.listening).toBe(true);
});

describe('every startup node unreachable at boot (nothing listens)', () => {
  let fx: FaultApp;
  const degraded: CallResult[] = [];

  beforeAll(async () => {
    const ports = await allocatePorts(3); // free now: nothing listens there
    fx = await bootFaultApp(
      ports.map((p) => `valkey://127.0.0.1:${p}`).join(','),
      {},
      'faults',
      BACKEND,
    );
  });
  afterAll(() => closeApp(fx));

  it('the app boots and every call answers within socketTimeout, with a typed error naming the cause', async () => {
    expect(fx.bootMs).toBeLessThan(LIFECYCLE_BOUND_MS);
    const rounds = await faultRounds(fx, 'dead');
    const detectionMs = rounds.detectionMs;
    degraded.push(...rounds.degraded);
    const error = await fx.strict.get('k').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(CacheConnectionError);
    expect((error as Error).message).toMatch(/^cache 'strict': /);
    expect((error as Error).message).toMatch(
      /^cache 'strict': the Valkey cluster \(startup nodes 127\.0\.0\.1:\d+, .*\) is not connected \(status '\w+'\) within 500 ms/,
    );
    summarize('cluster: every startup node unreachable at boot', {
      detectionMs,
      degraded,
      extra: `; strict error: ${(error as Error).message}`,
    });
  });
});

describe('refused password (WRONGPASS), then the ACL users are created one at a time', () => {
  /** Each cache authenticates as its own user, so the two recover at moments the test picks. */
  const USERS = { lenient: 'late-user', strict: 'early-user' } as const;
  let fx: FaultApp;

  const createUser = (user: string): Promise<unknown> =>
    Promise.all(
      cluster.nodes.map((n) =>
        adminCommand(n, ['ACL', 'SETUSER', user, 'on', `>${SECRET}`, '~*', '&*', '+@all']),
      ),
    );

  beforeAll(async () => {
    const locationAs = (user: string): string =>
      cluster.urls
        .slice(0, 3)
        .map((u) => u.replace('valkey://', `valkey://${user}:${SECRET}@`))
        .join(',');
    fx = await bootFaultApp(
      { lenient: locationAs(USERS.lenient), strict: locationAs(USERS.strict) },
      {},
      'faults',
      BACKEND,
    );
  });
  afterAll(async () => {
    try {
      await closeApp(fx);
    } finally {
      for (const user of Object.values(USERS)) {
        await Promise.all(cluster.nodes.map((n) => adminCommand(n, ['ACL', 'DELUSER', user])));
      }
    }
  });

  it(
    'every call fails within socketTimeout with the WRONGPASS reply, without the password; each cache works once its own user exists, within one reconnect delay',
    async () => {
      const caches = [fx.lenient, fx.strict];
      const degraded: CallResult[] = [];
      for (let round = 0; round < 2; round++) {
        const results = await probe(caches, `auth${round}`);
        degraded.push(...results);
      }
      // a refused password is a connection error (as in valkey-py): the lenient cache returns
      // its fallbacks, the strict one rejects with a CacheConnectionError
      const wrongpass = (results: readonly CallResult[]): string[] => {
        const problems = degradedProblems(results);
        for (const r of results) {
          const where = `${r.alias}.${r.op.name}`;
          const e = r.error;
          if (
            e instanceof Error &&
            !e.message.startsWith(`cache '${r.alias}': server replied: WRONGPASS`)
          )
            problems.push(`${where}: message ${e.message}`);
          if (inspect(e, { depth: 20 }).includes(SECRET))
            problems.push(`${where}: shows the password`);
        }
        return problems;
      };
      expect(wrongpass(degraded)).toEqual([]);

      // the strict cache's user appears: the strict cache recovers, the lenient cache (whose
      // user is still missing) keeps answering with its fallbacks
      await createUser(USERS.strict);
      const strictMs = await timeToRecover(fx.strict, 'auth-recover-strict');
      expect(wrongpass(await probe([fx.lenient], 'auth2'))).toEqual([]);

      // then the lenient cache's user: it recovers on its own reconnect, not the strict one's
      await createUser(USERS.lenient);
      const lenientMs = await timeToRecover(fx.lenient, 'auth-recover-lenient');
      for (const ms of [strictMs, lenientMs]) expect(ms).toBeLessThan(CLUSTER_RECOVERY_BOUND_MS);
      await expectHealthy(fx, 'auth-healthy');
      const late = await lateAppliedOnCluster('auth');
      expect(late).toEqual([]);
      summarize("cluster: WRONGPASS, then each cache's user is created", {
        degraded,
        recoveryMs: Math.max(strictMs, lenientMs),
        extra: `(strict ${strictMs} ms, lenient ${lenientMs} ms after its user appeared); late-applied keys ${late.length}`,
      });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('every primary stalled (SIGSTOP), then SIGCONTed', () => {
  let fx: FaultApp;

  beforeAll(async () => {
    fx = await bootFaultApp(cluster.urls.join(','), {}, 'faults', BACKEND);
  });
  afterAll(async () => {
    for (const n of cluster.nodes) if (n.node.paused) n.node.resume();
    await closeApp(fx);
  });

  it(
    'calls time out within socketTimeout instead of hanging, and work again after SIGCONT',
    async () => {
      await expectHealthy(fx, 'stall-before');

      for (const n of cluster.nodes) n.node.pause(); // no replicas: every node is a primary
      const { detectionMs, degraded } = await faultRounds(fx, 'stall');
      // a stalled node keeps its TCP connection: only the command timeout can end a call
      expect(detectionMs).toBeGreaterThanOrEqual(SOCKET_TIMEOUT_S * 1000 - 50);

      for (const n of cluster.nodes) n.node.resume();
      const recoveryMs = await recoverAndProbe(fx, 'stall');
      const late = await lateAppliedOnCluster('stall');
      summarize('cluster: every primary SIGSTOPped + SIGCONT', {
        detectionMs,
        degraded,
        recoveryMs,
        extra: `; late-applied keys ${late.length}`,
      });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('every node SIGKILLed before boot, then restarted', () => {
  let fx: FaultApp | undefined;

  afterAll(async () => {
    if (fx) await closeApp(fx);
  });

  it(
    'answers within socketTimeout while the cluster is down, and works once it is back',
    async () => {
      await Promise.all(cluster.nodes.map((n) => n.node.kill()));
      fx = await bootFaultApp(cluster.urls.join(','), {}, 'faults', BACKEND);
      expect(fx.bootMs).toBeLessThan(LIFECYCLE_BOUND_MS);
      const { detectionMs, degraded } = await faultRounds(fx, 'down');

      const restarted = performance.now();
      await Promise.all(
        cluster.nodes.map((n) => restartStandalone(n, { extraServerArgs: CLUSTER_NODE_ARGS })),
      );
      await waitFor(
        async () => {
          for (const n of cluster.nodes) {
            const info = String(await adminCommand(n, ['CLUSTER', 'INFO']));
            if (!info.includes('cluster_state:ok'))
              return pending(`${n.port}: cluster_state not ok`);
          }
          return true;
        },
        { timeoutMs: 15_000, intervalMs: 50, what: 'restarted cluster ok' },
      );
      const convergeMs = Math.round(performance.now() - restarted);
      const recoveryMs = await recoverAndProbe(fx, 'down');
      const late = await lateAppliedOnCluster('down');
      // the commands timed out in the offline queue are dropped, never sent later
      expect(late).toEqual([]);
      summarize('cluster: every node down at boot, then restarted', {
        detectionMs,
        degraded,
        recoveryMs,
        extra: `(after cluster_state ok, ${convergeMs} ms after the restart); late-applied keys ${late.length}`,
      });
    },
    TEST_TIMEOUT_MS,
  );
});

it('covers get, set, getMany, setMany, delete, incr, getOrSet, hasKey and touch', () => {
  expect(FAULT_OPS.map((op) => op.name)).toEqual(
    expect.arrayContaining(['get', 'set', 'getMany', 'setMany', 'delete', 'incr', 'getOrSet']),
  );
});
