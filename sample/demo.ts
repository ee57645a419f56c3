/**
 * What `npm run sample` prints (see run.ts): the endpoints, demo requests, the health summary and
 * the failover demo. Kept apart from run.ts (which starts and stops the servers) so that the
 * end-to-end test runs the same code.
 */
import type { LoggerService } from '@nestjs/common';
import type { SentinelTopology } from '../test/harness/sentinel-topology.js';
import {
  formatCall,
  probe,
  runFailoverDemo,
  type FailoverReport,
  type ProbeCall,
} from './failover-demo.js';
import { GREETING_TIMEOUT_SECONDS } from './greeting.controller.js';
import { HEALTH_TIMEOUT_MS } from './ops.controller.js';

/** How `--failover` fails the primary over: `SENTINEL FAILOVER`, or SIGKILL of the primary. */
export type FailoverMode = 'sentinel' | 'kill';

/** Where the demo sends its requests and prints. */
export interface DemoContext {
  /** Base URL of the running sample app. */
  readonly url: string;
  /** Where lines go (run.ts: `console.log`). */
  print(line: string): void;
}

const addr = (n: { host: string; port: number }): string => `${n.host}:${n.port}`;

/**
 * Nest's log lines, one short line each and without the boot chatter (module and route
 * listings): `    app WARN  [ValkeyCache:sentinel] primary of ... is now ...`.
 */
export class SampleLogger implements LoggerService {
  private static readonly quiet = new Set([
    'NestFactory',
    'InstanceLoader',
    'RoutesResolver',
    'RouterExplorer',
    'NestApplication',
  ]);

  /** @param out where lines go (default `console.log`) */
  constructor(private readonly out: (line: string) => void = (line) => console.log(line)) {}

  /** Prints a log line, unless it is boot chatter. */
  log(message: unknown, ...rest: unknown[]): void {
    this.write('LOG  ', message, rest);
  }
  /** Prints a warning. */
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('WARN ', message, rest);
  }
  /** Prints an error (its message; no stack). */
  error(message: unknown, ...rest: unknown[]): void {
    this.write('ERROR', message, rest);
  }

  private write(level: string, message: unknown, rest: unknown[]): void {
    const last = rest[rest.length - 1];
    const context = typeof last === 'string' && !last.includes('\n') ? last : '';
    if (level === 'LOG  ' && SampleLogger.quiet.has(context)) return;
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.out(`    app ${level} ${context ? `[${context}] ` : ''}${text}`);
  }
}

/** The app's endpoints, one line each. */
export function describeEndpoints(url: string): string {
  return [
    `sample app listening on ${url}`,
    `  GET  ${url}/greeting/:name   cached by CacheInterceptor in 'sentinel' for ${GREETING_TIMEOUT_SECONDS} s (X-Cache: MISS|HIT)`,
    `  POST ${url}/visits           INCR in 'default' (the plain server)`,
    `  PUT  ${url}/notes/:id        {"text": ...} written through 'sentinel' (on the primary)`,
    `  GET  ${url}/notes/:id        read through 'readonly' (replicas only)`,
    `  GET  ${url}/topology         primary and replicas, as the sentinels report them`,
    `  GET  ${url}/health           @nestjs/terminus: every cache, ${HEALTH_TIMEOUT_MS} ms bound each`,
  ].join('\n');
}

/** Sends one request and prints it with its answer (bodies longer than a line are cut). */
export async function show(
  ctx: DemoContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<ProbeCall & { body: unknown }> {
  const call = await probe(ctx.url, method, path, body);
  const text = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  ctx.print(`  ${formatCall(call)}  ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`);
  return call;
}

interface HealthDetail {
  status: string;
  pingMs?: number;
  message?: string;
  sentinel?: {
    primary: string | null;
    sentinels: { answered: number; total: number };
    replicas: {
      up: number;
      total: number;
      nodes: { address: string; lagSeconds: number | null }[];
    };
  };
}

/** `GET /health`, printed one line per cache; returns the HTTP status. */
export async function showHealth(ctx: DemoContext): Promise<number> {
  const call = await probe(ctx.url, 'GET', '/health');
  ctx.print(`  ${formatCall(call)}  status: ${(call.body as { status?: string })?.status}`);
  const details = (call.body as { details?: Record<string, HealthDetail> })?.details ?? {};
  for (const [alias, d] of Object.entries(details)) {
    const parts = [d.status];
    if (d.pingMs !== undefined) parts.push(`PING ${d.pingMs} ms`);
    if (d.sentinel) {
      const s = d.sentinel;
      const lags = s.replicas.nodes.map((n) => `${n.address} lag ${n.lagSeconds ?? '?'} s`);
      parts.push(
        `primary ${s.primary}`,
        `sentinels ${s.sentinels.answered}/${s.sentinels.total}`,
        `replicas up ${s.replicas.up}/${s.replicas.total} (${lags.join(', ')})`,
      );
    }
    if (d.message) parts.push(d.message);
    ctx.print(`    ${alias.padEnd(9)} ${parts.join(', ')}`);
  }
  return call.status;
}

/**
 * The demo requests: the greeting twice (`MISS`, then `HIT` unless the replica read came before
 * replication), two visits, a note written then read back, `/topology` and `/health`.
 */
export async function showDemoRequests(ctx: DemoContext): Promise<void> {
  ctx.print('demo requests:');
  await show(ctx, 'GET', '/greeting/world');
  await show(ctx, 'GET', '/greeting/world');
  await show(ctx, 'POST', '/visits');
  await show(ctx, 'POST', '/visits');
  await show(ctx, 'PUT', '/notes/hello', { text: 'written on the primary' });
  await show(ctx, 'GET', '/notes/hello');
  await show(ctx, 'GET', '/topology');
  await showHealth(ctx);
}

/** Options of {@link showFailover}. */
export interface ShowFailoverOptions {
  /** Milliseconds between ticks (default 250). */
  readonly intervalMs?: number;
  /** Milliseconds of ticks before the trigger (default 1000). */
  readonly beforeMs?: number;
  /** Bound of the `/health` polling after the failover, in ms (default 10000). */
  readonly healthWithinMs?: number;
}

/**
 * The `--failover` demo: triggers a failover of `topology` (`mode`), prints the requests sent
 * before, during and after it and a summary, then `/topology` and `/health` (polled every 500 ms
 * until `200`, at most `healthWithinMs`). Returns what {@link runFailoverDemo} saw.
 */
export async function showFailover(
  ctx: DemoContext,
  topology: SentinelTopology,
  mode: FailoverMode,
  options: ShowFailoverOptions = {},
): Promise<FailoverReport> {
  const intervalMs = options.intervalMs ?? 250;
  const trigger =
    mode === 'kill'
      ? 'SIGKILL of the primary'
      : `SENTINEL FAILOVER ${topology.serviceName} (the primary stays up)`;
  ctx.print(`\nfailover demo: ${trigger}; a write and a cached read every ${intervalMs} ms`);
  const report = await runFailoverDemo({
    url: ctx.url,
    triggerName: trigger,
    intervalMs,
    beforeMs: options.beforeMs ?? 1000,
    primaryNow: async () => addr(await topology.primary()),
    trigger: async () => {
      if (mode === 'kill') await topology.kill(await topology.primary());
      else await topology.failover();
    },
    waitForNewPrimary: async (old) =>
      addr(await topology.waitForPrimary((node) => addr(node) !== old)),
    print: (line) => ctx.print(`  ${line}`),
  });
  const since = report.probes.filter((p) => p.phase !== 'before');
  const writes = since.map((p) => p.write);
  const reads = since.map((p) => p.read);
  const ok = (calls: ProbeCall[]): number => calls.filter((c) => c.status === 200).length;
  const slowest = (calls: ProbeCall[]): number => Math.max(0, ...calls.map((c) => c.ms));
  const back =
    report.writesBackAfterMs === null
      ? 'writes did not come back'
      : `writes answered again ${(report.writesBackAfterMs / 1000).toFixed(2)} s after the trigger`;
  const agreed = ((report.newPrimaryAtMs - report.triggeredAtMs) / 1000).toFixed(2);
  ctx.print(
    `summary: primary ${report.oldPrimary} -> ${report.newPrimary}, ` +
      `the sentinels agreed ${agreed} s after the trigger`,
  );
  ctx.print(
    `  writes since the trigger: ${ok(writes)}/${writes.length} ok ` +
      `(slowest ${slowest(writes)} ms); ${back}`,
  );
  ctx.print(
    `  cached reads since the trigger: ${ok(reads)}/${reads.length} ok (slowest ${slowest(reads)} ms)`,
  );
  ctx.print('after the failover:');
  await show(ctx, 'GET', '/topology');
  const deadline = Date.now() + (options.healthWithinMs ?? 10_000);
  while ((await showHealth(ctx)) !== 200 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 500));
  return report;
}
