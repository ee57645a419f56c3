import type { SentinelKwargs } from '../../config/cache-config.js';
import type { ConfigProblem } from '../../errors.js';
import { locationPath, type ResolvedCacheConfig } from '../../config/resolved-config.js';
import { className } from '../../util/classes.js';
import { poolClassOf } from '../class-checks.js';
import { ConnectionFactory } from '../connection-factory.js';
import type { ConnectionPoolClass, ConnectionPoolParams } from '../connection-pool-types.js';
import { parseLocation, redactLocation, type ParsedLocation } from '../../config/location.js';
import { SentinelConnectionPool } from './sentinel-connection-pool.js';
import { SentinelMonitors } from './sentinel-monitor-registry.js';

type Problem = Omit<ConfigProblem, 'alias'>;

/**
 * The checks every Sentinel cache must pass, whatever made its pools: `options.sentinels` is a
 * non-empty list, and each location names a service (`valkey://service_name/db`), not a server.
 */
export function sentinelConfigProblems(cache: ResolvedCacheConfig, who: string): Problem[] {
  const problems: Problem[] = [];
  if (cache.sentinels === undefined) {
    problems.push({
      path: 'options.sentinels',
      message:
        `is required by ${who}: a non-empty list of sentinel addresses, ` +
        `e.g. [['127.0.0.1', 26379], ['127.0.0.1', 26380]] or [{ host, port }]`,
    });
  } else if (cache.sentinels !== undefined && cache.sentinels.length === 0) {
    problems.push({
      path: 'options.sentinels',
      message: `is empty: ${who} needs at least one sentinel address ([host, port] or { host, port })`,
    });
  }
  cache.locations.forEach((url, i) => {
    let location: ParsedLocation;
    try {
      location = parseLocation(url);
    } catch {
      return; // reported by the config validation already
    }
    const at = locationPath(cache, i);
    const shown = redactLocation(url);
    if (location.path !== undefined) {
      problems.push({
        path: at,
        message: `'${shown}' is a unix socket, but a Sentinel location names a service: valkey://<service_name>/<db>`,
      });
    } else if (location.port !== undefined) {
      problems.push({
        path: at,
        message:
          `'${shown}' has a port (${location.port}), but the host part of a Sentinel location is the ` +
          `service name the sentinels monitor, not a server: write valkey://<service_name>/${location.db} ` +
          `(e.g. valkey://mymaster/${location.db}) and list the sentinels' addresses in options.sentinels`,
      });
    }
  });
  return problems;
}

/**
 * django-valkey's `SentinelConnectionFactory` (`django_valkey.pool.SentinelConnectionFactory`): builds
 * {@link SentinelConnectionPool}s. A location names a Sentinel service
 * (`valkey://service_name/db`); `?is_master=0` (or `false`, `no`, `off`, `f`, `n`) asks for the
 * replica pool, anything else (or nothing) for the primary pool. Unlike Django it checks the
 * configuration at boot: the sentinels, the locations and the pool class.
 */
export class SentinelConnectionFactory extends ConnectionFactory {
  /** Marks factories whose pools resolve servers through Sentinel. */
  static readonly sentinelAware = true;

  /** The sentinel monitors of this factory's pools, closed with the factory. */
  private readonly monitors = new SentinelMonitors();

  override get defaultPoolClass(): ConnectionPoolClass {
    return SentinelConnectionPool;
  }

  override validateCacheConfig(cache: ResolvedCacheConfig): Problem[] {
    const problems = sentinelConfigProblems(cache, 'SentinelConnectionFactory');
    const poolClass = poolClassOf(cache);
    if (poolClass !== undefined && poolClass.sentinelAware !== true) {
      problems.push({
        path: 'options.connectionPoolClass',
        message:
          `'${className(poolClass)}' is not a Sentinel pool (it connects to the location's host as a server, ` +
          `and has no static sentinelAware = true); use 'SentinelConnectionPool' ` +
          `(or leave connectionPoolClass unset: SentinelConnectionFactory defaults to it)`,
      });
    }
    return problems;
  }

  /**
   * The service name comes from the URL's host, the role from `?is_master=`; the data-node options
   * (`connectionPoolKwargs`, password and user name from the URL or the options, command and
   * connect timeouts, TLS) go to the data connections; `sentinels` and `sentinelKwargs` (with the
   * cache's socket timeouts as defaults, as valkey-py does) to the sentinel connections.
   */
  protected override makeConnectionParams(
    location: ParsedLocation,
    cache: ResolvedCacheConfig,
  ): ConnectionPoolParams {
    const base = super.makeConnectionParams(location, cache);
    const connection = { ...base.connection };
    delete connection.host;
    delete connection.port;
    delete connection.path;
    return {
      ...base,
      connection,
      sentinels: cache.sentinels ?? [],
      sentinelKwargs: resolveSentinelKwargs(cache.sentinelKwargs, cache),
      sentinelMonitors: this.monitors,
      isPrimary: location.isMaster ?? true,
    };
  }

  override async close(): Promise<void> {
    await super.close();
    await this.monitors.close();
  }
}

/**
 * `options.sentinelKwargs` with every timeout filled in (seconds): a missing one takes the
 * cache's `socketTimeout` / `socketConnectTimeout`, as valkey-py's `Sentinel` does. `0` counts as
 * missing (an unbounded sentinel call could hang a reconnect).
 */
export function resolveSentinelKwargs(
  kwargs: SentinelKwargs | undefined,
  cache: Pick<ResolvedCacheConfig, 'socketTimeout' | 'socketConnectTimeout'>,
): SentinelKwargs & Required<Pick<SentinelKwargs, 'socketTimeout' | 'socketConnectTimeout'>> {
  return {
    ...kwargs,
    socketTimeout: kwargs?.socketTimeout || cache.socketTimeout,
    socketConnectTimeout: kwargs?.socketConnectTimeout || cache.socketConnectTimeout,
  };
}
