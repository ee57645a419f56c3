import type { EventEmitter } from 'node:events';
import type { ConfigProblem } from '../errors.js';
import { CacheError } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { poolClassOf } from '../connection/class-checks.js';
import { ConnectionFactory } from '../connection/connection-factory.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
import type { ConnectionPoolClass, ValkeyPool } from '../connection/connection-pool-types.js';
import {
  SentinelConnectionFactory,
  sentinelConfigProblems,
} from '../connection/sentinel/sentinel-connection-factory.js';
import type { NodeAddress } from '../connection/node-address.js';
import { SentinelConnectionPool } from '../connection/sentinel/sentinel-connection-pool.js';
import type { SentinelPoolEventMap } from '../connection/sentinel/sentinel-pool-events.js';
import { isSentinelPool, type SentinelPool } from '../connection/sentinel/sentinel-pool.js';
import type { SentinelTopologySnapshot } from '../connection/sentinel/sentinel-service-state.js';
import { DefaultClient } from './default-client.js';

type Problem = Omit<ConfigProblem, 'alias'>;
type Listener<K extends keyof SentinelPoolEventMap> = (...args: SentinelPoolEventMap[K]) => void;

/** The factory's own pool class, when it is a `ConnectionFactory` (or looks like one). */
function defaultPoolClassOf(factory: ValkeyConnectionFactory): ConnectionPoolClass | undefined {
  const value = (factory as { defaultPoolClass?: unknown }).defaultPoolClass;
  return typeof value === 'function' ? (value as ConnectionPoolClass) : undefined;
}

/**
 * django-valkey's `SentinelClient` (`django_valkey.client.SentinelClient`): a `DefaultClient` whose
 * location names a Sentinel service. One string location `valkey://service_name/db` becomes a
 * primary pool (`?is_master=1`) and a replica pool (`?is_master=0`), each URL built on its own
 * (django-valkey builds both from one shared dict, so both end up `is_master=0`); a list is used
 * as given. Writes go to the primary pool, reads to the replica pool, which rotates over healthy
 * replicas and falls back to the primary.
 *
 * It defaults to {@link SentinelConnectionFactory} and, at boot, refuses a factory or pool class
 * that cannot resolve servers through Sentinel (Django finds out at the first connection).
 *
 * Injectable per alias with `@InjectSentinelClient(alias)` / `getSentinelClientToken(alias)`:
 * {@link primary} (writes) and {@link replica} (reads) are the pools, each naming the servers it
 * uses ({@link SentinelPool.servers}); {@link topology} asks the sentinels, and {@link on}
 * subscribes to `failover`, `primary-changed` and `replicas-changed`.
 */
export class SentinelClient extends DefaultClient {
  static override readonly defaultConnectionFactory: ConnectionFactoryClass =
    SentinelConnectionFactory;

  /**
   * Fails boot when the factory this cache ends up with (per-cache > global > this class's
   * default) cannot make Sentinel pools, and checks the Sentinel settings whatever the factory.
   */
  static override validateCacheConfig(
    config: ResolvedCacheConfig,
    factory: ValkeyConnectionFactory,
  ): Problem[] {
    if (factory instanceof SentinelConnectionFactory) return []; // it checks the rest itself
    const factoryName = factory.constructor.name || 'the connection factory';
    const where =
      config.connectionFactory !== undefined
        ? 'options.connectionFactory'
        : "the module's global connectionFactory (CacheModule.forRoot(caches, { connectionFactory }))";
    const poolClass = poolClassOf(config) ?? defaultPoolClassOf(factory);
    const problems: Problem[] = [];
    if (poolClass !== undefined && poolClass.sentinelAware !== true) {
      problems.push({
        path:
          config.connectionPoolClass !== undefined
            ? 'options.connectionPoolClass'
            : 'options.connectionFactory',
        message:
          `SentinelClient needs Sentinel pools, but '${factoryName}' (from ${where}) makes '${poolClass.name}' pools, ` +
          `which would connect to the service name as a host; use connectionFactory: 'SentinelConnectionFactory' ` +
          `(the SentinelClient default) or connectionPoolClass: 'SentinelConnectionPool'`,
      });
    } else if (poolClass !== undefined && factory.constructor === ConnectionFactory) {
      problems.push({
        path: 'options.connectionFactory',
        message:
          `'${factoryName}' (from ${where}) does not pass options.sentinels to '${poolClass.name}'; ` +
          `use connectionFactory: 'SentinelConnectionFactory' (the SentinelClient default)`,
      });
    }
    if (poolClass !== undefined) problems.push(...sentinelConfigProblems(config, 'SentinelClient'));
    return problems;
  }

  override get isSentinel(): boolean {
    return true;
  }

  /**
   * One string location becomes `[…?is_master=1, …?is_master=0]`, each URL built independently
   * (an `is_master` already in the string is replaced); a list (even of one URL) or a
   * comma-separated string of several URLs is used as given, as django-valkey does.
   */
  protected override locationsFor(config: ResolvedCacheConfig): string[] {
    const urls = [...config.locations];
    if (config.locationIsList || urls.length !== 1) return urls;
    return expandSentinelLocation(urls[0]!);
  }

  /** The pool that takes writes (`?is_master=1`); its servers are the primary the sentinels name. */
  override get primary(): SentinelPool {
    return this.face(this.pools[0]!);
  }

  /**
   * The pool that serves reads (`?is_master=0`); its servers are the replicas reads rotate over,
   * or the primary while none is usable. With a location list: its second entry, or its only one.
   */
  get replica(): SentinelPool {
    return this.face(this.pools[1] ?? this.pools[0]!);
  }

  /**
   * `pool` itself when it can name its servers; for one that cannot (the testing kit's in-memory
   * pools) a view of it whose `servers()` rejects with a {@link CacheError}, as {@link topology}.
   */
  private face(pool: ValkeyPool): SentinelPool {
    if (isSentinelPool(pool)) return pool;
    let face = this.faces.get(pool);
    if (!face) {
      const alias = this.alias;
      face = {
        role: pool.role,
        acquire: () => pool.acquire(),
        clients: () => pool.clients(),
        describe: () => pool.describe(),
        close: () => pool.close(),
        servers: () =>
          Promise.reject(
            new CacheError('its pools do not resolve servers through Sentinel', alias),
          ),
      };
      this.faces.set(pool, face);
    }
    return face;
  }

  /** The pools that are {@link SentinelConnectionPool}s, each once. */
  private sentinelPools(): SentinelConnectionPool[] {
    return [...new Set(this.pools)].filter(
      (p): p is SentinelConnectionPool => p instanceof SentinelConnectionPool,
    );
  }

  /**
   * Where the service is right now, as the sentinels say: the primary and the healthy replicas.
   * Throws a {@link CacheError} naming the alias when no sentinel answers.
   */
  async topology(): Promise<{ primary: NodeAddress | null; replicas: NodeAddress[] }> {
    const pool = this.sentinelPools()[0];
    if (!pool)
      throw new CacheError('its pools do not resolve servers through Sentinel', this.alias);
    let snapshot: SentinelTopologySnapshot;
    try {
      snapshot = await pool.topology();
    } catch (err) {
      throw new CacheError((err as Error).message, this.alias, { cause: err });
    }
    return {
      primary: snapshot.primary
        ? { host: snapshot.primary.host, port: snapshot.primary.port }
        : null,
      replicas: snapshot.replicas.map((r) => ({ host: r.host, port: r.port })),
    };
  }

  /**
   * Subscribes to the pools' events: `failover` and `primary-changed` (delivered once even when
   * both pools report the same sentinel event) and `replicas-changed` (from the replica pools).
   */
  on<K extends keyof SentinelPoolEventMap>(event: K, listener: Listener<K>): this {
    const seen: number[] = [];
    const wrapped = ((payload: SentinelPoolEventMap[K][0]) => {
      if (seen.includes(payload.id)) return;
      seen.push(payload.id);
      if (seen.length > 32) seen.shift();
      (listener as (p: SentinelPoolEventMap[K][0]) => void)(payload);
    }) as Listener<K>;
    for (const pool of this.sentinelPools()) {
      if (event === 'replicas-changed' && pool.role !== 'replica') continue;
      (pool as EventEmitter).on(event, wrapped as (...args: unknown[]) => void);
    }
    let list = this.wrapped.get(listener);
    if (!list) this.wrapped.set(listener, (list = []));
    list.push({ event, wrapped });
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof SentinelPoolEventMap>(event: K, listener: Listener<K>): this {
    const list = this.wrapped.get(listener);
    const i = list?.findIndex((w) => w.event === event) ?? -1;
    if (!list || i < 0) return this;
    const [{ wrapped }] = list.splice(i, 1) as [{ event: string; wrapped: Listener<K> }];
    for (const pool of this.sentinelPools())
      (pool as EventEmitter).off(event, wrapped as (...args: unknown[]) => void);
    return this;
  }

  private readonly wrapped = new Map<unknown, Array<{ event: string; wrapped: unknown }>>();
  private readonly faces = new WeakMap<ValkeyPool, SentinelPool>();
}

/**
 * `valkey://svc/db` -> `['valkey://svc/db?is_master=1', 'valkey://svc/db?is_master=0']`, each from
 * its own parse of the URL (other query parameters are kept).
 */
export function expandSentinelLocation(url: string): [primary: string, replica: string] {
  const build = (isMaster: '1' | '0'): string => {
    const u = new URL(url);
    u.searchParams.set('is_master', isMaster);
    return u.toString();
  };
  return [build('1'), build('0')];
}
