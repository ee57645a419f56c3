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
  FAULT_OPS,
  LIFECYCLE_BOUND_MS,
  SOCKET_TIMEOUT_S,
  bootFaultApp,
  closeFaultApp,
  faultRounds,
  expectHealthy,
  lateAppliedKeys,
  recoverAndProbe,
  summarize,
  timeToRecoverEach,
  useFaultGuards,
  type CallResult,
  type FaultApp,
} from './fault-support.js';

const { guard, reconnects } = useFaultGuards();

/** Closes the app within {@link LIFECYCLE_BOUND_MS}; then nothing of it may keep reconnecting. */
const closeApp = (fx: FaultApp): Promise<void> => closeFaultApp(fx, reconnects);

/** A standalone server of its own and a {@link FaultApp} on it. */
interface OwnServer {
  server: StandaloneServer;
  fx: FaultApp;
}

/**
 * Starts a server of its own and boots an app on it before the tests of the calling describe
 * block; after them resumes the server if it is paused, closes the app ({@link closeApp}) and
 * stops the server.
 */
function ownServerAndApp(): OwnServer {
  const own = {} as OwnServer;
  beforeAll(async () => {
    own.server = await startStandalone();
    own.fx = await bootFaultApp(own.server.url(0));
  });
  afterAll(async () => {
    if (own.server?.node.paused) own.server.node.resume();
    try {
      await closeApp(own.fx);
    } finally {
      await own.server?.stop();
    }
  });
  return own;
}

/** {@link summarize} with the keys of `tagPrefix` rounds applied late on `server`. */
async function summarizeWithLateKeys(
  scenario: string,
  server: StandaloneServer,
  tagPrefix: string,
  m: { detectionMs: number; degraded: readonly CallResult[]; recoveryMs: number },
): Promise<void> {
  const late = await lateAppliedKeys(server, tagPrefix);
  summarize(scenario, { ...m, extra: `; late-applied keys ${late.length}: ${late.join(' ')}` });
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
    const rounds = await faultRounds(fx, 'boot');
    detectionMs = rounds.detectionMs;
    degraded.push(...rounds.degraded);
  });

  it('works once a server listens on that port, without rebuilding the app', async () => {
    late = await startStandaloneOnPort(port);
    const recoveryMs = await timeToRecoverEach(fx, 'boot');
    await expectHealthy(fx, 'boot-healthy');
    summarize('unreachable at boot', {
      detectionMs,
      degraded,
      recoveryMs,
      extra: `; app.init() took ${fx.bootMs} ms with nothing listening`,
    });
  });
});

describe('server SIGKILLed mid-run, then restarted', () => {
  const own = ownServerAndApp();

  it('falls back or throws typed errors within socketTimeout, and reconnects after the restart', async () => {
    const { server, fx } = own;
    await expectHealthy(fx, 'kill-before');

    await server.node.kill();
    const { detectionMs, degraded } = await faultRounds(fx, 'kill');

    await restartStandalone(server);
    const recoveryMs = await recoverAndProbe(fx, 'kill');
    await summarizeWithLateKeys('SIGKILL + restart', server, 'kill', {
      detectionMs,
      degraded,
      recoveryMs,
    });
  });
});

describe('network stall: server SIGSTOPped, then SIGCONTed', () => {
  const own = ownServerAndApp();

  it('calls time out within socketTimeout instead of hanging, and work again after SIGCONT', async () => {
    const { server, fx } = own;
    await expectHealthy(fx, 'stall-before');

    server.node.pause();
    const { detectionMs, degraded } = await faultRounds(fx, 'stall');
    // a stalled server keeps its TCP connection: only the command timeout can end a call
    expect(detectionMs).toBeGreaterThanOrEqual(SOCKET_TIMEOUT_S * 1000 - 50);

    server.node.resume();
    const recoveryMs = await recoverAndProbe(fx, 'stall');
    await summarizeWithLateKeys('SIGSTOP stall + SIGCONT', server, 'stall', {
      detectionMs,
      degraded,
      recoveryMs,
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
