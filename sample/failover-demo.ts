/**
 * The failover demo of `npm run sample -- --failover`: a steady trickle of requests to the
 * running sample app (a write on the Sentinel primary and a cached read) before, during and after
 * a failover, with each answer's status and latency. Also used by the end-to-end test.
 */

/** When a probe was sent, relative to the failover. */
export type FailoverPhase = 'before' | 'during' | 'after';

/** One HTTP request of the demo. */
export interface ProbeCall {
  readonly method: string;
  readonly path: string;
  /** HTTP status, or 0 when no answer came (connection error, or no answer within the bound). */
  readonly status: number;
  /** Time to the whole answer, in milliseconds. */
  readonly ms: number;
  /** The `X-Cache` header, when there is one. */
  readonly xCache?: string;
}

/** One tick of the demo: a write and a read sent together. */
export interface Probe {
  /** Milliseconds since the demo started, when the tick was sent. */
  readonly atMs: number;
  readonly phase: FailoverPhase;
  /** `PUT /notes/failover-<n>`: a write on the Sentinel primary. */
  readonly write: ProbeCall;
  /** `GET /greeting/failover`: a response cached by the interceptor, read from the replicas. */
  readonly read: ProbeCall;
}

/** What {@link runFailoverDemo} saw. */
export interface FailoverReport {
  /** The primary before the failover (`host:port`). */
  readonly oldPrimary: string;
  /** The primary the sentinels agreed on after it (`host:port`). */
  readonly newPrimary: string;
  /** Milliseconds since the demo started, when the failover was triggered. */
  readonly triggeredAtMs: number;
  /** Milliseconds since the demo started, when the sentinels agreed on the new primary. */
  readonly newPrimaryAtMs: number;
  /**
   * Milliseconds from the trigger until writes were back: until the answer of the first write
   * sent since the trigger that succeeded and was followed only by successful writes (`null`
   * when the writes never recovered). A write that waited for the new primary counts with its
   * wait.
   */
  readonly writesBackAfterMs: number | null;
  readonly probes: readonly Probe[];
}

/** Options of {@link runFailoverDemo}. */
export interface FailoverDemoOptions {
  /** Base URL of the running sample app. */
  readonly url: string;
  /** What the trigger does, for the printout (e.g. `SENTINEL FAILOVER mymaster`). */
  readonly triggerName: string;
  /** The primary now (`host:port`). */
  primaryNow(): Promise<string>;
  /** Triggers the failover (asks a sentinel, or kills the primary). */
  trigger(): Promise<void>;
  /** Resolves with the new primary (`host:port`) once the sentinels agree on one other than `old`. */
  waitForNewPrimary(old: string): Promise<string>;
  /** Milliseconds between ticks (default 250). */
  readonly intervalMs?: number;
  /** Milliseconds of ticks before the trigger (default 1000). */
  readonly beforeMs?: number;
  /** Successful writes in a row after the new primary that end the demo (default 4). */
  readonly okWritesAfter?: number;
  /** Bound of the whole demo in milliseconds (default 30000); it throws when exceeded. */
  readonly maxMs?: number;
  /** Bound of one request in milliseconds (default 5000). */
  readonly requestTimeoutMs?: number;
  /** Where progress lines go (default: nowhere). */
  print?(line: string): void;
}

/** Sends one request; never throws (no answer is status 0). */
export async function probe(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<ProbeCall & { body: unknown }> {
  const start = performance.now();
  try {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const xCache = res.headers.get('x-cache') ?? undefined;
    return {
      method,
      path,
      status: res.status,
      ms: Math.round(performance.now() - start),
      ...(xCache === undefined ? {} : { xCache }),
      body: parsed,
    };
  } catch (err) {
    return {
      method,
      path,
      status: 0,
      ms: Math.round(performance.now() - start),
      body: (err as Error).message,
    };
  }
}

/** `PUT /notes/x -> 200 3 ms` (with `X-Cache` when present). */
export function formatCall(call: ProbeCall): string {
  const status = call.status === 0 ? 'no answer' : String(call.status);
  return `${call.method} ${call.path} -> ${status}${call.xCache ? ` ${call.xCache}` : ''} ${call.ms} ms`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): string => `+${(ms / 1000).toFixed(2)} s`;

/**
 * Sends a write and a read every `intervalMs` ms, triggers the failover after `beforeMs` ms, and
 * goes on until the sentinels agree on a new primary and `okWritesAfter` writes in a row
 * succeeded after that. Prints one line per tick and per event.
 */
export async function runFailoverDemo(options: FailoverDemoOptions): Promise<FailoverReport> {
  const intervalMs = options.intervalMs ?? 250;
  const beforeMs = options.beforeMs ?? 1000;
  const okWritesAfter = options.okWritesAfter ?? 4;
  const maxMs = options.maxMs ?? 30_000;
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const print = options.print ?? ((): void => undefined);
  const t0 = performance.now();
  const now = (): number => Math.round(performance.now() - t0);

  const oldPrimary = await options.primaryNow();
  print(`primary before: ${oldPrimary}`);
  const probes: Probe[] = [];
  let phase: FailoverPhase = 'before';
  let triggeredAtMs = -1;
  let newPrimary: string | undefined;
  let newPrimaryAtMs = -1;
  let failure: unknown;
  let watcher: Promise<void> | undefined;
  let okInARow = 0;

  for (let n = 1; ; n++) {
    if (failure !== undefined) throw failure;
    let tickAt = now();
    if (tickAt > maxMs) {
      throw new Error(
        `failover demo: no new primary with ${okWritesAfter} successful writes after it within ${maxMs} ms`,
      );
    }
    if (phase === 'before' && tickAt >= beforeMs) {
      await options.trigger();
      triggeredAtMs = now();
      phase = 'during';
      tickAt = triggeredAtMs;
      print(`${seconds(triggeredAtMs)}  ${options.triggerName}`);
      watcher = options.waitForNewPrimary(oldPrimary).then(
        (address) => {
          newPrimary = address;
          newPrimaryAtMs = now();
          phase = 'after';
          print(`${seconds(newPrimaryAtMs)}  the sentinels agree on the new primary ${address}`);
        },
        (err: unknown) => {
          failure = err;
        },
      );
    }
    const sentIn = phase as FailoverPhase; // set to `after` by the watcher
    const [write, read] = await Promise.all([
      probe(options.url, 'PUT', `/notes/failover-${n}`, { text: `tick ${n}` }, timeoutMs),
      probe(options.url, 'GET', '/greeting/failover', undefined, timeoutMs),
    ]);
    const tick: Probe = {
      atMs: tickAt,
      phase: sentIn,
      write: strip(write),
      read: strip(read),
    };
    probes.push(tick);
    print(`${seconds(tickAt)}  ${sentIn.padEnd(6)}  ${formatCall(write)}  |  ${formatCall(read)}`);
    if (sentIn === 'after' && write.status === 200) okInARow++;
    else if (sentIn === 'after') okInARow = 0;
    if (sentIn === 'after' && okInARow >= okWritesAfter) break;
    await sleep(Math.max(0, intervalMs - (now() - tickAt)));
  }
  await watcher;

  let recovered: Probe | undefined;
  for (const p of probes) {
    if (p.phase === 'before') continue;
    if (p.write.status !== 200) recovered = undefined;
    else recovered ??= p;
  }
  return {
    oldPrimary,
    newPrimary: newPrimary ?? '',
    triggeredAtMs,
    newPrimaryAtMs,
    writesBackAfterMs: recovered ? recovered.atMs + recovered.write.ms - triggeredAtMs : null,
    probes,
  };
}

function strip(call: ProbeCall & { body: unknown }): ProbeCall {
  const { body: _body, ...rest } = call;
  return rest;
}
