/**
 * Faults of a standalone server, each on a server of its own (never the shared one): nothing
 * listening at boot, the server SIGKILLed mid-run and restarted, and a network stall (the server
 * SIGSTOPped, then SIGCONTed). Each runs every covered call on a cache with `ignoreExceptions`
 * (fallback values) and one without (a CacheConnectionError naming the alias), checks that each
 * call settles within socketTimeout + MARGIN_MS and none hangs, that the caches work again when
 * the server returns without rebuilding the app, and that the process sees no unhandled
 * rejection or uncaught exception. Prints one line of measurements per scenario.
 */
import { allocatePort } from '../harness/ports.js';
import { restartStandalone, startStandaloneOnPort } from '../harness/fault-servers.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import {
  DEADLINE_MS,
  FAULT_OPS,
  ProcessGuard,
  ReconnectTimers,
  SOCKET_TIMEOUT_S,
  bootFaultApp,
  degradedProblems,
  firstSettled,
  healthyProbe,
  healthyProblems,
  lateAppliedKeys,
  probe,
  summarize,
  timeToRecover,
  type CallResult,
  type FaultApp,
} from './fault-support.js';

/** Bound for `app.init()` / `app.close()` while the server is unreachable, in ms. */
const LIFECYCLE_BOUND_MS = 2000;

const guard = new ProcessGuard();
const reconnects = new ReconnectTimers();
beforeAll(() => {
  guard.install();
  reconnects.enable();
});
afterEach(() => guard.check());
afterAll(async () => {
  reconnects.disable();
  await guard.remove();
});

/** Closes the app within {@link LIFECYCLE_BOUND_MS}; then nothing of it may keep reconnecting. */
async function closeApp(fx: FaultApp): Promise<void> {
  expect(await fx.close()).toBeLessThan(LIFECYCLE_BOUND_MS);
  expect(reconnects.pending).toBe(0);
}

it('the process guard listens on the real process', () => {
  expect(guard.listening).toBe(true);
});

describe('server unreachable at boot', () => {
  let port: number;
  let fx: FaultApp;
  let late: StandaloneServer | undefined;
  const degraded: CallResult[] = [];
  let detectionMs = 0;

  beforeAll(async () => {
    port = await allocatePort(); // free now: nothing listens there
    fx = await bootFaultApp(`valkey://127.0.0.1:${port}/0`);
  });
  afterAll(async () => {
    try {
      await closeApp(fx);
    } finally {
      await late?.stop();
    }
  });

  it('the app boots (connections are lazy) and every call answers within socketTimeout', async () => {
    expect(fx.bootMs).toBeLessThan(LIFECYCLE_BOUND_MS);
    const caches = [fx.lenient, fx.strict];
    detectionMs = await firstSettled([() => fx.lenient.get('first', 'fallback')]);
    for (let round = 0; round < 2; round++) {
      const results = await probe(caches, `boot${round}`);
      expect(degradedProblems(results)).toEqual([]);
      degraded.push(...results);
    }
    expect(detectionMs).toBeLessThan(DEADLINE_MS);
  });

  it('works once a server listens on that port, without rebuilding the app', async () => {
    late = await startStandaloneOnPort(port);
    const recoveryMs = await timeToRecover(fx.strict, 'boot-recover');
    const results = await healthyProbe([fx.lenient, fx.strict], 'boot-healthy');
    expect(healthyProblems(results)).toEqual([]);
    summarize('unreachable at boot', {
      detectionMs,
      degraded,
      recoveryMs,
      extra: `; app.init() took ${fx.bootMs} ms with nothing listening`,
    });
  });
});

describe('server SIGKILLed mid-run, then restarted', () => {
  let server: StandaloneServer;
  let fx: FaultApp;

  beforeAll(async () => {
    server = await startStandalone();
    fx = await bootFaultApp(server.url(0));
  });
  afterAll(async () => {
    try {
      await closeApp(fx);
    } finally {
      await server.stop();
    }
  });

  it('falls back or throws typed errors within socketTimeout, and reconnects after the restart', async () => {
    const caches = [fx.lenient, fx.strict];
    expect(healthyProblems(await healthyProbe(caches, 'kill-before'))).toEqual([]);

    await server.node.kill();
    const detectionMs = await firstSettled([() => fx.lenient.get('first', 'fallback')]);
    const degraded: CallResult[] = [];
    for (let round = 0; round < 2; round++) {
      const results = await probe(caches, `kill${round}`);
      expect(degradedProblems(results)).toEqual([]);
      degraded.push(...results);
    }
    expect(detectionMs).toBeLessThan(DEADLINE_MS);

    await restartStandalone(server);
    const recoveryMs = await timeToRecover(fx.strict, 'kill-recover');
    expect(healthyProblems(await healthyProbe(caches, 'kill-after'))).toEqual([]);
    const late = await lateAppliedKeys(server, 'kill');
    summarize('SIGKILL + restart', {
      detectionMs,
      degraded,
      recoveryMs,
      extra: `; late-applied keys ${late.length}: ${late.join(' ')}`,
    });
  });
});

describe('network stall: server SIGSTOPped, then SIGCONTed', () => {
  let server: StandaloneServer;
  let fx: FaultApp;

  beforeAll(async () => {
    server = await startStandalone();
    fx = await bootFaultApp(server.url(0));
  });
  afterAll(async () => {
    if (server.node.paused) server.node.resume();
    try {
      await closeApp(fx);
    } finally {
      await server.stop();
    }
  });

  it('calls time out within socketTimeout instead of hanging, and work again after SIGCONT', async () => {
    const caches = [fx.lenient, fx.strict];
    expect(healthyProblems(await healthyProbe(caches, 'stall-before'))).toEqual([]);

    server.node.pause();
    const detectionMs = await firstSettled([() => fx.lenient.get('first', 'fallback')]);
    const degraded: CallResult[] = [];
    for (let round = 0; round < 2; round++) {
      const results = await probe(caches, `stall${round}`);
      expect(degradedProblems(results)).toEqual([]);
      degraded.push(...results);
    }
    // a stalled server keeps its TCP connection: only the command timeout can end a call
    expect(detectionMs).toBeGreaterThanOrEqual(SOCKET_TIMEOUT_S * 1000 - 50);
    expect(detectionMs).toBeLessThan(DEADLINE_MS);

    server.node.resume();
    const recoveryMs = await timeToRecover(fx.strict, 'stall-recover');
    expect(healthyProblems(await healthyProbe(caches, 'stall-after'))).toEqual([]);
    const late = await lateAppliedKeys(server, 'stall');
    summarize('SIGSTOP stall + SIGCONT', {
      detectionMs,
      degraded,
      recoveryMs,
      extra: `; late-applied keys ${late.length}: ${late.join(' ')}`,
    });
  });
});

it('covers get, set, getMany, setMany, delete, incr, getOrSet, hasKey and touch', () => {
  expect(FAULT_OPS.map((op) => op.name)).toEqual(
    expect.arrayContaining([
      'get',
      'set',
      'getMany',
      'setMany',
      'delete',
      'incr',
      'getOrSet',
      'hasKey',
      'touch',
    ]),
  );
});
