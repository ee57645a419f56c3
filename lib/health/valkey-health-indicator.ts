import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { createValkey } from '../connection/credential-connector.js';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { CacheHandler } from '../module/cache-handler.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { parseLocation } from '../config/location.js';
import { sentinelConnectionOptions } from '../connection/sentinel/sentinel-connection-options.js';
import { parseState } from '../connection/sentinel/sentinel-service-state.js';

/** Default bound of one health check, in **milliseconds**. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1000;

/** Options of {@link ValkeyHealthIndicator.isHealthy}. */
export interface ValkeyHealthOptions {
  /**
   * Bound of the whole check, in **milliseconds** (default {@link DEFAULT_HEALTH_TIMEOUT_MS}):
   * a PING (or a sentinel) that has not answered by then counts as down.
   */
  timeoutMs?: number;
  /** Key of the result in the Terminus response (default: the alias). */
  key?: string;
}

/** One replica of a Sentinel service, as the health check saw it. */
export interface ReplicaHealth {
  /** `host:port`. */
  readonly address: string;
  /** Healthy for the sentinels and, when the primary answered `INFO replication`, online there. */
  readonly up: boolean;
  /** Seconds since the replica's last acknowledgement to the primary (`lag=` of `INFO replication`). */
  readonly lagSeconds: number | null;
  /** Replication bytes the replica is behind the primary (`master_repl_offset - offset`). */
  readonly behindBytes: number | null;
}

/** The Sentinel part of a health result. */
export interface SentinelHealth {
  /** The Sentinel service name. */
  readonly service: string;
  /** The primary the sentinels report (`host:port`), `null` when none answered. */
  readonly primary: string | null;
  /** How many sentinels answered within the timeout, of how many configured. */
  readonly sentinels: { readonly answered: number; readonly total: number };
  /** The replicas the sentinels know, how many of them are up, with their lag. */
  readonly replicas: {
    readonly up: number;
    readonly total: number;
    readonly nodes: readonly ReplicaHealth[];
  };
}

/** The details of one health check (never a URL or a password). */
export interface ValkeyHealthDetails extends Record<string, unknown> {
  /** The cache alias checked. */
  readonly alias: string;
  /** Round trip of the PING to the primary, ms (absent when it failed). */
  readonly pingMs?: number;
  /** Why the cache is down (absent when up). */
  readonly message?: string;
  /** For Sentinel caches. */
  readonly sentinel?: SentinelHealth;
}

interface SentinelAnswer {
  primary: { host: string; port: number };
  replicas: unknown;
}

class TimeoutError extends Error {}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `slaveN:ip=…,port=…,state=online,offset=…,lag=…` lines and `master_repl_offset` of `INFO replication`. */
function parseReplication(info: string): {
  offset: number | null;
  replicas: Map<string, { online: boolean; lag: number; offset: number }>;
} {
  const replicas = new Map<string, { online: boolean; lag: number; offset: number }>();
  let offset: number | null = null;
  for (const line of info.split(/\r?\n/)) {
    const m = /^master_repl_offset:(\d+)/.exec(line);
    if (m) offset = Number(m[1]);
    if (!/^slave\d+:/.test(line)) continue;
    const fields = new Map(
      line
        .slice(line.indexOf(':') + 1)
        .split(',')
        .map((kv) => kv.split('=') as [string, string]),
    );
    replicas.set(`${fields.get('ip')}:${fields.get('port')}`, {
      online: fields.get('state') === 'online',
      lag: Number(fields.get('lag') ?? NaN),
      offset: Number(fields.get('offset') ?? NaN),
    });
  }
  return { offset, replicas };
}

/** The passwords a config holds, to scrub them from any message (defence in depth). */
function secretsOf(config: ResolvedCacheConfig): string[] {
  const out = [
    config.password,
    config.connectionPoolKwargs.password,
    config.sentinelKwargs?.password,
  ];
  for (const location of config.locations) {
    try {
      out.push(parseLocation(location).password);
    } catch {
      // a location that does not parse holds nothing we would print
    }
  }
  return out.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * A Terminus health indicator for the caches of `CacheModule`, on the current
 * `HealthIndicatorService` API of `@nestjs/terminus` 11/12. Add it to the providers of a module
 * that imports `TerminusModule` and sees the `CacheModule` (the same module, or a global one):
 *
 * ```ts
 * @Controller('health')
 * class HealthController {
 *   constructor(private health: HealthCheckService, private valkey: ValkeyHealthIndicator) {}
 *   @Get() @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.valkey.isHealthy('default', { timeoutMs: 500 })]);
 *   }
 * }
 * ```
 *
 * A check really sends `PING` to the primary (to every shard's primary on a `ShardClient`). For a Sentinel cache it also asks every sentinel
 * (`SENTINEL GET-PRIMARY-ADDR-BY-NAME` and `SENTINEL REPLICAS`, on short-lived connections) and
 * the primary (`INFO replication`), and reports the primary address, how many replicas are up
 * and their replication lag; it is down when no sentinel answers. Replicas that are down do not
 * make it down. Nothing in the result carries a URL or a password.
 */
@Injectable()
export class ValkeyHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(CacheHandler) private readonly caches: CacheHandler,
  ) {}

  /**
   * Checks the cache `alias` within `options.timeoutMs` milliseconds (default 1000): `up` with
   * the details ({@link ValkeyHealthDetails}), or `down` with a `message`.
   */
  async isHealthy<const Key extends string = string>(
    alias: string,
    options: ValkeyHealthOptions & { key?: Key } = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const key = (options.key ?? alias) as Key;
    const session = this.health.check(key);
    const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    let cache: ValkeyCache;
    try {
      cache = this.caches.get(alias);
    } catch (err) {
      return session.down({ alias, message: (err as Error).message });
    }
    const scrub = (text: string): string => {
      let out = text;
      for (const secret of secretsOf(cache.config)) out = out.split(secret).join('***');
      return out;
    };
    const [ping, sentinel] = await Promise.all([
      this.ping(cache, timeoutMs),
      cache.client.isSentinel ? this.sentinel(cache, timeoutMs) : Promise.resolve(undefined),
    ]);
    const details: ValkeyHealthDetails = {
      alias,
      ...(typeof ping === 'number' && { pingMs: ping }),
      ...(sentinel && { sentinel }),
    };
    const problems: string[] = [];
    if (typeof ping === 'string') problems.push(ping);
    if (sentinel && sentinel.sentinels.answered === 0)
      problems.push(`no sentinel of '${sentinel.service}' answered within ${timeoutMs} ms`);
    if (problems.length > 0)
      return session.down({
        ...details,
        message: scrub(problems.join('; ')),
      } satisfies ValkeyHealthDetails);
    return session.up(details);
  }

  /** The PING round trip in ms, or why it failed. */
  private async ping(cache: ValkeyCache, timeoutMs: number): Promise<number | string> {
    const start = performance.now();
    try {
      await within(
        timeoutMs,
        'PING to the primary',
        // every primary: one, or one per shard (ShardClient), or the cluster's masters
        Promise.resolve()
          .then(() => cache.client.allConnections(true))
          .then((clients) => Promise.all(clients.map((c) => c.ping()))),
      );
      return Math.round((performance.now() - start) * 1000) / 1000;
    } catch (err) {
      return err instanceof TimeoutError
        ? err.message
        : `PING to the primary failed: ${(err as Error).message}`;
    }
  }

  private async sentinel(cache: ValkeyCache, timeoutMs: number): Promise<SentinelHealth> {
    const config = cache.config;
    const service = parseLocation(config.locations[0] ?? '').host;
    const sentinels = config.sentinels ?? [];
    const [answers, info] = await Promise.all([
      Promise.all(sentinels.map((s) => askSentinel(s, service, config, timeoutMs))),
      within(
        timeoutMs,
        'INFO replication',
        Promise.resolve().then(() => cache.client.primary.acquire().info('replication')),
      ).catch(() => undefined),
    ]);
    const answered = answers.filter((a): a is SentinelAnswer => a !== undefined);
    const first = answered[0];
    const primary = first ? `${first.primary.host}:${first.primary.port}` : null;
    const nodes: ReplicaHealth[] = [];
    if (first) {
      const state = parseState(first.primary, [], first.replicas);
      const healthy = new Set(state.replicas.map((r) => `${r.host}:${r.port}`));
      const replication = info === undefined ? undefined : parseReplication(info);
      for (const raw of Array.isArray(first.replicas) ? first.replicas : []) {
        const entry = new Map<string, string>();
        const list = Array.isArray(raw) ? (raw as unknown[]) : [];
        for (let i = 0; i + 1 < list.length; i += 2)
          entry.set(String(list[i]), String(list[i + 1]));
        const address = `${entry.get('ip')}:${entry.get('port')}`;
        if (address === primary) continue;
        const seen = replication?.replicas.get(address);
        const up = healthy.has(address) && (replication === undefined || seen?.online === true);
        nodes.push({
          address,
          up,
          lagSeconds: seen && Number.isFinite(seen.lag) ? seen.lag : null,
          behindBytes:
            seen && replication?.offset !== null && replication?.offset !== undefined
              ? Math.max(0, replication.offset - seen.offset)
              : null,
        });
      }
    }
    return {
      service,
      primary,
      sentinels: { answered: answered.length, total: sentinels.length },
      replicas: { up: nodes.filter((n) => n.up).length, total: nodes.length, nodes },
    };
  }
}

/** Asks one sentinel for the primary and the replicas on a short-lived connection. */
async function askSentinel(
  address: { host: string; port: number },
  service: string,
  config: ResolvedCacheConfig,
  timeoutMs: number,
): Promise<SentinelAnswer | undefined> {
  const client = createValkey({
    ...sentinelConnectionOptions(config.sentinelKwargs),
    host: address.host,
    port: address.port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: 'nestjs-valkey-cache-health',
    disconnectTimeout: 50,
  });
  client.on('error', () => undefined);
  try {
    return await within(
      timeoutMs,
      `sentinel ${address.host}:${address.port}`,
      (async (): Promise<SentinelAnswer | undefined> => {
        await client.connect();
        let reply: unknown;
        try {
          reply = await client.call('SENTINEL', 'GET-PRIMARY-ADDR-BY-NAME', service);
        } catch {
          reply = await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', service);
        }
        if (!Array.isArray(reply) || reply.length < 2) return undefined;
        const replicas = await client.call('SENTINEL', 'REPLICAS', service);
        return { primary: { host: String(reply[0]), port: Number(reply[1]) }, replicas };
      })(),
    );
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
