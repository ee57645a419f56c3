/**
 * Helpers of the `faults-*.spec.ts` files: a guard that fails a test on any
 * `unhandledRejection`/`uncaughtException` of the real Node process, the table of cache calls
 * every fault scenario runs (each with its `ignoreExceptions` fallback and its healthy answer),
 * a probe that runs them all at once on a lenient (`ignoreExceptions: true`) and a strict cache
 * with a per-call hang bound, checks of the outcomes, and the one-line measurement summaries.
 */
import { createHook } from 'node:async_hooks';
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheConnectionError,
  CacheModule,
  getCacheToken,
  type CacheConfig,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { adminCommand, type NodeAddress } from '../harness/admin-command.js';
import { hostProcess } from '../harness/host-process.js';

/** `socketTimeout` and `socketConnectTimeout` of the caches under test, in seconds. */
export const SOCKET_TIMEOUT_S = 0.5;
/**
 * Slack over `socketTimeout` that a call may take end to end while its server is down or
 * stalled (timer granularity, event-loop lag on a busy 2-core machine), in ms.
 */
export const MARGIN_MS = 500;
/** The "returns within socketTimeout" deadline every degraded call must meet, in ms. */
export const DEADLINE_MS = SOCKET_TIMEOUT_S * 1000 + MARGIN_MS;
/** A call still pending after this many ms is reported as hung (and fails the test), in ms. */
export const HANG_MS = 5000;
/** Bound for the caches to work again after a server returns, in ms. */
export const RECOVERY_BOUND_MS = 10_000;

/** Bound for `app.init()` / `app.close()` while the servers are unreachable, in ms. */
export const LIFECYCLE_BOUND_MS = 2000;

/** Aliases of the two caches every scenario builds. */
export const LENIENT = 'lenient';
export const STRICT = 'strict';

/** The cache options shared by the lenient and the strict cache (timeouts in seconds). */
export const FAST_TIMEOUTS = {
  socketTimeout: SOCKET_TIMEOUT_S,
  socketConnectTimeout: SOCKET_TIMEOUT_S,
} as const;

/**
 * Records every `unhandledRejection` and `uncaughtException` of the real Node process (jest
 * hands test code a copy of `process` whose listeners never fire, hence {@link hostProcess}).
 */
export class ProcessGuard {
  private readonly host = hostProcess();
  private readonly seen: string[] = [];
  private installed = false;
  private readonly onRejection = (reason: unknown): void => {
    this.seen.push(`unhandledRejection: ${describeError(reason)}`);
  };
  private readonly onException = (error: unknown): void => {
    this.seen.push(`uncaughtException: ${describeError(error)}`);
  };

  /** Starts listening. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    this.host.on('unhandledRejection', this.onRejection);
    this.host.on('uncaughtException', this.onException);
  }

  /** Whether both listeners are registered on the real process right now. */
  get listening(): boolean {
    return (
      this.host.listeners('unhandledRejection').includes(this.onRejection) &&
      this.host.listeners('uncaughtException').includes(this.onException)
    );
  }

  /**
   * Lets pending promise jobs and timers of this tick run (Node reports an unhandled rejection
   * after the microtask queue drains), then fails when anything was recorded since the last check.
   */
  async check(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
    const seen = this.seen.splice(0);
    expect(seen).toEqual([]);
  }

  /** {@link check}, then stops listening. */
  async remove(): Promise<void> {
    try {
      await this.check();
    } finally {
      this.host.off('unhandledRejection', this.onRejection);
      this.host.off('uncaughtException', this.onException);
      this.installed = false;
    }
  }
}

/**
 * Where iovalkey arms the timers {@link ReconnectTimers} tracks: a client's reconnect
 * (`redis/event_handler.js`) and a `Cluster`'s reconnect and slot refresh (`cluster/index.js`).
 */
const RECONNECT_TIMER_SOURCE = /iovalkey\/built\/(redis\/event_handler|cluster\/index)/;

/**
 * Tracks the timers iovalkey arms to reconnect a client (created in its `event_handler.js`) or
 * a `Cluster` (its `cluster/index.js`: reconnect, periodic slot refresh), so
 * that a test can check that nothing keeps reconnecting after `app.close()` (such a timer also
 * keeps the process, e.g. jest, from exiting).
 */
export class ReconnectTimers {
  private readonly live = new Map<number, string>();
  private readonly hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      // the frame that called setTimeout: iovalkey's close handler arming the next reconnect
      const frames = (new Error().stack ?? '').split('\n');
      const at = frames.findIndex((line) => line.includes('at setTimeout ('));
      const caller = at >= 0 ? frames[at + 1] : undefined;
      if (caller !== undefined && RECONNECT_TIMER_SOURCE.test(caller)) this.live.set(id, caller);
    },
    destroy: (id) => {
      this.live.delete(id);
    },
  });

  /** Starts tracking. */
  enable(): void {
    this.hook.enable();
  }

  /** Stops tracking. */
  disable(): void {
    this.hook.disable();
    this.live.clear();
  }

  /** How many reconnect timers are armed right now. */
  get pending(): number {
    return this.live.size;
  }
}

/** Hooks of {@link useFaultGuards}. */
export interface FaultGuardHooks {
  /** Runs in `beforeAll`, after the guards are installed (e.g. start the servers). */
  setup?: () => Promise<void>;
  /** Runs in `afterAll`, before the guards are removed (e.g. stop the servers). */
  teardown?: () => Promise<void>;
  /** Bound of `setup` and of `teardown`, in ms (jest's default when not given). */
  timeoutMs?: number;
}

/**
 * Registers the hooks every fault spec shares: a {@link ProcessGuard} and
 * {@link ReconnectTimers} installed in `beforeAll` (then `hooks.setup`), the guard checked after
 * each test, and `hooks.teardown` then both removed in `afterAll` (the guard's last check runs
 * even when the teardown fails).
 */
export function useFaultGuards(hooks: FaultGuardHooks = {}): {
  guard: ProcessGuard;
  reconnects: ReconnectTimers;
} {
  const guard = new ProcessGuard();
  const reconnects = new ReconnectTimers();
  beforeAll(async () => {
    guard.install();
    reconnects.enable();
    await hooks.setup?.();
  }, hooks.timeoutMs);
  afterEach(() => guard.check());
  afterAll(async () => {
    try {
      await hooks.teardown?.();
    } finally {
      reconnects.disable();
      await guard.remove();
    }
  }, hooks.timeoutMs);
  return { guard, reconnects };
}

/**
 * Closes `fx` within {@link LIFECYCLE_BOUND_MS}, waits `settleMs` (ms), then checks that nothing
 * of it keeps reconnecting (no timer left armed in `reconnects`).
 */
export async function closeFaultApp(
  fx: FaultApp,
  reconnects: ReconnectTimers,
  settleMs = 0,
): Promise<void> {
  expect(await fx.close()).toBeLessThan(LIFECYCLE_BOUND_MS);
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  expect(reconnects.pending).toBe(0);
}

function describeError(value: unknown): string {
  if (!(value instanceof Error)) return String(value);
  const frames = (value.stack ?? '')
    .split('\n')
    .slice(1, 6)
    .map((line) => line.trim());
  return `${value.name}: ${value.message} ${frames.join(' < ')}`;
}

/** A Nest app (booted as a user does) with the {@link LENIENT} and {@link STRICT} caches. */
export interface FaultApp {
  readonly app: TestingModule;
  readonly lenient: ValkeyCache;
  readonly strict: ValkeyCache;
  /** How long `app.init()` took, in ms. */
  readonly bootMs: number;
  /** Closes the app; resolves with how long that took, in ms. */
  close(): Promise<number>;
}

/**
 * Boots `CacheModule.forRoot` with two caches on `location` (one for both, or one per alias)
 * and the same `options` plus
 * {@link FAST_TIMEOUTS}: {@link LENIENT} with `ignoreExceptions: true`, {@link STRICT} without;
 * `backend` e.g. `'ValkeyClusterCache'` (default: the config's default backend).
 */
export async function bootFaultApp(
  location: string | { readonly lenient: string; readonly strict: string },
  options: NonNullable<CacheConfig['options']> = {},
  keyPrefix = 'faults',
  backend?: CacheConfig['backend'],
): Promise<FaultApp> {
  const base = { ...FAST_TIMEOUTS, ...options };
  const extra = backend === undefined ? {} : { backend };
  const caches: CachesConfig = {
    [LENIENT]: {
      ...extra,
      location: typeof location === 'string' ? location : location.lenient,
      keyPrefix,
      options: { ...base, ignoreExceptions: true },
    },
    [STRICT]: {
      ...extra,
      location: typeof location === 'string' ? location : location.strict,
      keyPrefix,
      options: { ...base, ignoreExceptions: false },
    },
  };
  const started = Date.now();
  const app = await Test.createTestingModule({
    imports: [CacheModule.forRoot(caches)],
  }).compile();
  await app.init();
  const bootMs = Date.now() - started;
  let closing: Promise<number> | undefined;
  return {
    app,
    lenient: app.get<ValkeyCache>(getCacheToken(LENIENT)),
    strict: app.get<ValkeyCache>(getCacheToken(STRICT)),
    bootMs,
    close: () => {
      const t0 = Date.now();
      closing ??= app.close().then(() => Date.now() - t0);
      return closing;
    },
  };
}

/** Marks a call that `ignoreExceptions` does not cover: it rejects with the typed error anyway. */
export const THROWS = Symbol('throws');

/** Value stored under the read key by {@link prepare}. */
const READ_VALUE = { stored: true };

/** One cache call run in every scenario. Keys are `<tag>:<suffix>`, so each round has its own. */
export interface FaultOp {
  readonly name: string;
  /** `read` calls go to a replica when the location has one; `write` calls to the primary. */
  readonly kind: 'read' | 'write';
  call(cache: ValkeyCache, tag: string): Promise<unknown>;
  /** Answer with `ignoreExceptions` while the server is unreachable ({@link THROWS}: none). */
  readonly fallback: unknown;
  /** Answer on a healthy server after {@link prepare} ran for the same tag. */
  readonly healthy: unknown;
}

/** The calls every scenario covers. */
export const FAULT_OPS: readonly FaultOp[] = [
  {
    name: 'get',
    kind: 'read',
    call: (c, t) => c.get(`${t}:r`, 'fallback'),
    fallback: 'fallback',
    healthy: READ_VALUE,
  },
  {
    name: 'getMany',
    kind: 'read',
    call: (c, t) => c.getMany([`${t}:r`, `${t}:absent`]),
    fallback: {},
    healthy: 'getMany', // replaced below: depends on the tag
  },
  {
    name: 'hasKey',
    kind: 'read',
    call: (c, t) => c.hasKey(`${t}:r`),
    fallback: false,
    healthy: true,
  },
  {
    name: 'set',
    kind: 'write',
    call: (c, t) => c.set(`${t}:w`, { written: t }, 60),
    fallback: false,
    healthy: true,
  },
  {
    name: 'setMany',
    kind: 'write',
    call: (c, t) => c.setMany({ [`${t}:m1`]: 1, [`${t}:m2`]: 'two' }, 60),
    fallback: 'setMany', // replaced below: every key of the call
    healthy: [],
  },
  {
    name: 'delete',
    kind: 'write',
    call: (c, t) => c.delete(`${t}:d`),
    fallback: false,
    healthy: true,
  },
  {
    name: 'incr',
    kind: 'write',
    call: (c, t) => c.incr(`${t}:n`, 1, { ignoreKeyCheck: true }),
    fallback: THROWS,
    healthy: 42,
  },
  {
    name: 'getOrSet',
    kind: 'write', // a miss: computes and ADDs on the primary
    call: (c, t) => c.getOrSet(`${t}:g`, () => `computed-${t}`, 60),
    fallback: 'getOrSet', // replaced below: the computed value
    healthy: 'getOrSet',
  },
  {
    name: 'touch',
    kind: 'write',
    call: (c, t) => c.touch(`${t}:t`, 60),
    fallback: false,
    healthy: true,
  },
  {
    name: 'touch(null)',
    kind: 'write', // MULTI PERSIST EXISTS EXEC
    call: (c, t) => c.touch(`${t}:t`, null),
    fallback: false,
    healthy: true,
  },
];

/** What `op` answers for `tag`: the fallback (`degraded`) or the healthy answer. */
function expected(op: FaultOp, tag: string, degraded: boolean): unknown {
  switch (op.name) {
    case 'getMany':
      return degraded ? {} : { [`${tag}:r`]: READ_VALUE };
    case 'setMany':
      return degraded ? [`${tag}:m1`, `${tag}:m2`] : [];
    case 'getOrSet':
      return `computed-${tag}`;
    default:
      return degraded ? op.fallback : op.healthy;
  }
}

/** Stores what the healthy answers of {@link FAULT_OPS} for `tag` rely on (through `cache`). */
export async function prepare(cache: ValkeyCache, tag: string): Promise<void> {
  await cache.set(`${tag}:r`, READ_VALUE, 600);
  await cache.set(`${tag}:d`, 1, 600);
  await cache.set(`${tag}:n`, 41, 600);
  await cache.set(`${tag}:t`, 1, 600);
}

/** Outcome of one call of a probe. */
export interface CallResult {
  readonly op: FaultOp;
  readonly alias: string;
  readonly tag: string;
  /** Start to settle, in ms (or {@link HANG_MS} for a hung call). */
  readonly ms: number;
  readonly outcome: 'value' | 'error' | 'hung';
  readonly value?: unknown;
  readonly error?: unknown;
}

/** Runs `fn`, timing it; a call pending after {@link HANG_MS} is reported as hung. */
async function timedCall(
  fn: () => Promise<unknown>,
): Promise<Pick<CallResult, 'ms' | 'outcome' | 'value' | 'error'>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), HANG_MS);
  });
  const call = fn().then(
    (value) => ({ outcome: 'value' as const, value }),
    (error: unknown) => ({ outcome: 'error' as const, error }),
  );
  const settled = await Promise.race([call, hung]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  return settled === 'hung' ? { ms, outcome: 'hung' } : { ms, ...settled };
}

/**
 * Runs every op of {@link FAULT_OPS} on each of `caches` at the same time, with tags
 * `<tag>-<alias>`, and returns each call's outcome and latency.
 */
export async function probe(
  caches: readonly ValkeyCache[],
  tag: string,
  ops: readonly FaultOp[] = FAULT_OPS,
): Promise<CallResult[]> {
  return Promise.all(
    caches.flatMap((cache) =>
      ops.map(async (op) => {
        const t = `${tag}-${cache.alias}`;
        return { op, alias: cache.alias, tag: t, ...(await timedCall(() => op.call(cache, t))) };
      }),
    ),
  );
}

function show(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value);
}

/** Why `result` is not a typed connection error of its alias (or `undefined` when it is). */
function notTypedError(result: CallResult): string | undefined {
  if (result.outcome !== 'error') return `resolved ${show(result.value)} instead of rejecting`;
  const error = result.error;
  if (!(error instanceof CacheConnectionError)) return `rejected with ${show(error)}`;
  if (error.alias !== result.alias) return `names alias ${String(error.alias)}`;
  if (!error.message.startsWith(`cache '${result.alias}': `)) {
    return `message does not name the alias: ${error.message}`;
  }
  return undefined;
}

/**
 * The problems of a probe taken while the server is unreachable or stalled: each call must
 * settle within {@link DEADLINE_MS}; on the lenient cache with its fallback (or, for calls
 * `ignoreExceptions` does not cover, the typed error), on the strict one with a
 * {@link CacheConnectionError} whose message names the alias. `served` ops are expected to
 * succeed instead (e.g. reads served by a replica while the primary is stalled).
 */
export function degradedProblems(
  results: readonly CallResult[],
  served: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const where = `${r.alias}.${r.op.name}`;
    if (r.outcome === 'hung') {
      problems.push(`${where} hung (still pending after ${HANG_MS} ms)`);
      continue;
    }
    if (r.ms > DEADLINE_MS) problems.push(`${where} took ${r.ms} ms > ${DEADLINE_MS} ms`);
    if (served.has(r.op.name)) {
      const want = expected(r.op, r.tag, false);
      if (r.outcome !== 'value' || !isEqual(r.value, want)) {
        problems.push(`${where} should be served: got ${show(r.value ?? r.error)}`);
      }
      continue;
    }
    const lenientValue = r.alias === LENIENT && r.op.fallback !== THROWS;
    if (lenientValue) {
      const want = expected(r.op, r.tag, true);
      if (r.outcome !== 'value' || !isEqual(r.value, want)) {
        problems.push(
          `${where} should return its fallback ${show(want)}: got ${show(r.value ?? r.error)}`,
        );
      }
    } else {
      const why = notTypedError(r);
      if (why) problems.push(`${where} should reject with a CacheConnectionError: ${why}`);
    }
  }
  return problems;
}

/** The problems of a probe on a healthy server (after {@link prepare} for each tag). */
export function healthyProblems(results: readonly CallResult[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const want = expected(r.op, r.tag, false);
    if (r.outcome !== 'value' || !isEqual(r.value, want)) {
      problems.push(
        `${r.alias}.${r.op.name}: expected ${show(want)}, got ${r.outcome} ${show(r.value ?? r.error)}`,
      );
    }
  }
  return problems;
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Runs {@link prepare} for each cache's tag, then `afterPrepare` (e.g. `WAIT` for the replicas),
 * then {@link probe}.
 */
export async function healthyProbe(
  caches: readonly ValkeyCache[],
  tag: string,
  afterPrepare?: () => Promise<unknown>,
): Promise<CallResult[]> {
  await Promise.all(caches.map((cache) => prepare(cache, `${tag}-${cache.alias}`)));
  await afterPrepare?.();
  return probe(caches, tag);
}

/** Latency statistics of some calls, in ms. */
export interface LatencyStats {
  readonly count: number;
  readonly median: number;
  readonly max: number;
}

/** Median and max of `ms`. */
export function stats(ms: readonly number[]): LatencyStats {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? NaN
      : sorted.length % 2 === 1
        ? sorted[mid]!
        : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
  return { count: sorted.length, median, max: sorted.at(-1) ?? NaN };
}

/** Latencies of the lenient cache's calls answered with a fallback value. */
export function fallbackStats(results: readonly CallResult[]): LatencyStats {
  return stats(
    results
      .filter((r) => r.alias === LENIENT && r.outcome === 'value' && r.op.fallback !== THROWS)
      .map((r) => r.ms),
  );
}

/** Latencies of the calls that rejected with a typed error. */
export function errorStats(results: readonly CallResult[]): LatencyStats {
  return stats(results.filter((r) => r.outcome === 'error').map((r) => r.ms));
}

function fmt(s: LatencyStats): string {
  return `median ${s.median} ms / max ${s.max} ms over ${s.count} calls`;
}

/**
 * Prints the one-line measurement summary of a scenario:
 * detection time, fallback latency with `ignoreExceptions`, typed-error latency, recovery time.
 */
export function summarize(
  scenario: string,
  m: {
    /** Fault injected -> first call settled with a fallback or typed error, in ms. */
    detectionMs?: number;
    /** Every call taken while the fault lasted. */
    degraded: readonly CallResult[];
    /** Server back (answers PING / SIGCONT sent) -> first successful call, in ms. */
    recoveryMs?: number;
    extra?: string;
  },
): void {
  const parts = [
    `[faults] ${scenario}:`,
    m.detectionMs === undefined ? undefined : `detection ${m.detectionMs} ms;`,
    `fallback latency (ignoreExceptions) ${fmt(fallbackStats(m.degraded))};`,
    `typed-error latency ${fmt(errorStats(m.degraded))};`,
    m.recoveryMs === undefined ? undefined : `recovery ${m.recoveryMs} ms;`,
    `socketTimeout ${SOCKET_TIMEOUT_S * 1000} ms`,
    m.extra,
  ];
  console.log(parts.filter((p) => p !== undefined).join(' '));
}

/** The time from now until the first of these calls settles, in ms (each call started now). */
export async function firstSettled(calls: readonly (() => Promise<unknown>)[]): Promise<number> {
  const started = performance.now();
  await Promise.race(calls.map((fn) => fn().then(noop, noop)));
  return Math.round(performance.now() - started);
}

function noop(): void {
  // nothing
}

/**
 * A fault's detection and degraded rounds: the time until `detect` (default: a lenient `get`)
 * settles, which must be under {@link DEADLINE_MS}, then two {@link probe} rounds tagged
 * `<tagPrefix>0` and `<tagPrefix>1` that must each show no {@link degradedProblems} (`served`
 * ops must succeed). Returns the detection time in ms and every call of the rounds except the
 * `served` ones.
 */
export async function faultRounds(
  fx: FaultApp,
  tagPrefix: string,
  served: ReadonlySet<string> = new Set(),
  detect: () => Promise<unknown> = () => fx.lenient.get('first', 'fallback'),
): Promise<{ detectionMs: number; degraded: CallResult[] }> {
  const detectionMs = await firstSettled([detect]);
  const degraded: CallResult[] = [];
  for (let round = 0; round < 2; round++) {
    const results = await probe([fx.lenient, fx.strict], `${tagPrefix}${round}`);
    expect(degradedProblems(results, served)).toEqual([]);
    degraded.push(...results.filter((r) => !served.has(r.op.name)));
  }
  expect(detectionMs).toBeLessThan(DEADLINE_MS);
  return { detectionMs, degraded };
}

/**
 * After a fault: {@link timeToRecover} of each cache of `fx`, each on its own (two caches have
 * two clients, each reconnecting on its own back-off, so one recovering says nothing of the
 * other), then a {@link healthyProbe} of both caches (tag `<tag>-after`, `afterPrepare` as there)
 * that must show no {@link healthyProblems}. Returns the slower recovery time, in ms.
 */
export async function recoverAndProbe(
  fx: FaultApp,
  tag: string,
  afterPrepare?: () => Promise<unknown>,
): Promise<number> {
  const recoveryMs = await timeToRecoverEach(fx, tag);
  await expectHealthy(fx, `${tag}-after`, afterPrepare);
  return recoveryMs;
}

/**
 * {@link timeToRecover} of the lenient and the strict cache of `fx` at the same time (tags
 * `<tag>-recover-<alias>`); resolves with the slower of the two, in ms.
 */
export async function timeToRecoverEach(fx: FaultApp, tag: string): Promise<number> {
  const times = await Promise.all(
    [fx.lenient, fx.strict].map((cache) => timeToRecover(cache, `${tag}-recover-${cache.alias}`)),
  );
  return Math.max(...times);
}

/**
 * A {@link healthyProbe} of both caches of `fx` (tag `tag`, `afterPrepare` as there) that must
 * show no {@link healthyProblems}.
 */
export async function expectHealthy(
  fx: FaultApp,
  tag: string,
  afterPrepare?: () => Promise<unknown>,
): Promise<void> {
  const results = await healthyProbe([fx.lenient, fx.strict], tag, afterPrepare);
  expect(healthyProblems(results)).toEqual([]);
}

/**
 * Polls `cache` with a write then a read of a fresh key until both succeed, and returns the
 * time since the call of this function, in ms. A strict cache's failures reject; a lenient
 * cache's show as its fallbacks (`set` -> false, `get` -> the default): both count as "not yet".
 * Calls issued while the client reconnects are queued and answered as soon as it is back, so
 * the resolution is a few ms; fails after {@link RECOVERY_BOUND_MS}.
 */
export async function timeToRecover(cache: ValkeyCache, tag: string): Promise<number> {
  const started = performance.now();
  let attempt = 0;
  let last: unknown;
  while (performance.now() - started < RECOVERY_BOUND_MS) {
    const key = `${tag}:recover:${attempt++}`;
    try {
      const stored = await cache.set(key, attempt, 60);
      const read = stored ? await cache.get(key) : undefined;
      if (read === attempt) return Math.round(performance.now() - started);
      last = stored ? `read back ${show(read)}` : 'set returned false (a fallback)';
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(
    `cache '${cache.alias}' did not recover within ${RECOVERY_BOUND_MS} ms: ${typeof last === 'string' ? last : show(last)}`,
  );
}

/**
 * Keys of `tagPrefix<digit>-*` rounds (the probes taken during a fault) that exist on `node`
 * after recovery: writes whose call already returned its fallback or typed error, applied later
 * (iovalkey keeps a command that timed out in its offline queue and sends it on reconnect; a
 * stalled server still executes what was in its socket buffer).
 */
export async function lateAppliedKeys(node: NodeAddress, tagPrefix: string): Promise<string[]> {
  const keys = (await adminCommand(node, ['KEYS', `faults:1:${tagPrefix}[0-9]-*`])) as string[];
  return keys.sort();
}
