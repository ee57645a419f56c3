import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { ConfigProblem } from '../errors.js';
import { poolClassOf } from './class-checks.js';
import { ConnectionReports } from './connection-events.js';
import { ConnectionPool } from './connection-pool.js';
import { connectionKey } from './connection-key.js';
import { parseLocation, type ParsedLocation } from '../config/location.js';
import { RefCountedPools } from './ref-counted-pools.js';
import type { ValkeyConnectionFactory } from './connection-factory-types.js';
import type { ConnectionOptions } from './credential-connector.js';
import type {
  ConnectionPoolClass,
  ConnectionPoolParams,
  ValkeyPool,
} from './connection-pool-types.js';

/**
 * How long a disconnect waits for the socket to close before destroying it, in ms (iovalkey's
 * default of 2000 ms keeps a timer alive after shutdown, e.g. for a server that never answered).
 */
export const DISCONNECT_TIMEOUT_MS = 200;

/** Default TCP port of a data node. */
export const DEFAULT_VALKEY_PORT = 6379;

/**
 * The default connection factory (django-valkey's `ConnectionFactory`): turns a location URL and
 * a cache's options into a connection pool, and reuses one pool for every cache whose connection
 * is the same in every respect that shapes it (address, database, credentials, TLS, timeouts,
 * pool class and iovalkey options), not just the same URL.
 */
export class ConnectionFactory implements ValkeyConnectionFactory {
  private readonly pools = new RefCountedPools();
  /** Lifecycle reports of the connections of this factory's pools. */
  readonly connectionReports = new ConnectionReports();

  /** The pool class used when a cache sets no `options.connectionPoolClass`. */
  get defaultPoolClass(): ConnectionPoolClass {
    return ConnectionPool;
  }

  /**
   * Checks what this factory needs of a cache config, at boot. Subclasses add their own rules
   * (the Sentinel factory requires `options.sentinels`). Paths are relative to the cache config.
   */
  validateCacheConfig(cache: ResolvedCacheConfig): Array<Omit<ConfigProblem, 'alias'>> {
    if (cache.sentinels === undefined) return [];
    return [
      {
        path: 'options.sentinels',
        message:
          `is set, but the connection factory '${this.constructor.name}' connects to the location's host ` +
          `directly and ignores sentinels; set options.connectionFactory: 'SentinelConnectionFactory' ` +
          `(or the module's global connectionFactory, or clientClass: 'SentinelClient')`,
      },
    ];
  }

  connect(url: string, cache: ResolvedCacheConfig): ValkeyPool {
    const params = this.makeConnectionParams(parseLocation(url), cache);
    const poolClass = poolClassOf(cache) ?? this.defaultPoolClass;
    const key = connectionKey([
      poolClass,
      params.location,
      params.connection,
      params.sentinels,
      params.sentinelKwargs,
    ]);
    return this.pools.acquire(key, () => new poolClass(params));
  }

  /**
   * Builds the pool parameters for one location: the URL's own settings win over the cache's
   * options, which win over `connectionPoolKwargs`.
   */
  protected makeConnectionParams(
    location: ParsedLocation,
    cache: ResolvedCacheConfig,
  ): ConnectionPoolParams {
    const connection: ConnectionOptions = {
      ...cache.connectionPoolKwargs,
      host: location.host,
      port: location.port ?? DEFAULT_VALKEY_PORT,
      db: location.db,
      commandTimeout: Math.round((location.socketTimeout ?? cache.socketTimeout) * 1000),
      connectTimeout: Math.round(
        (location.socketConnectTimeout ?? cache.socketConnectTimeout) * 1000,
      ),
      connectionName: cache.connectionPoolKwargs.connectionName ?? 'nestjs-valkey-cache',
      disconnectTimeout: cache.connectionPoolKwargs.disconnectTimeout ?? DISCONNECT_TIMEOUT_MS,
    };
    if (location.path) {
      connection.path = location.path;
      delete connection.host;
      delete connection.port;
    }
    const username = location.username ?? cache.username ?? cache.connectionPoolKwargs.username;
    const password = location.password ?? cache.password ?? cache.connectionPoolKwargs.password;
    if (username !== undefined) connection.username = username;
    if (password !== undefined) connection.password = password;
    if (cache.credentialProvider !== undefined) {
      connection.credentialProvider = cache.credentialProvider;
    }
    if (location.tls) connection.tls = { ...(cache.connectionPoolKwargs.tls ?? {}) };
    return {
      alias: cache.alias,
      location,
      connection,
      isPrimary: location.isMaster ?? true,
      connectionReports: this.connectionReports,
    };
  }

  release(pool: ValkeyPool): Promise<void> {
    return this.pools.release(pool);
  }

  close(): Promise<void> {
    return this.pools.close();
  }
}
