import { Cluster, type ClusterOptions, type Valkey } from 'iovalkey';
import type { ConfigProblem } from '../errors.js';
import { CacheConnectionError } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { ValkeyConnectionFactory } from '../connection/connection-factory-types.js';
import { parseLocation, splitLocations } from '../config/location.js';
import { DefaultClient, type ConnectionGroup } from './default-client.js';
import { groupBySlot } from './cluster-slot.js';
import { boundClusterOfflineQueue } from '../connection/connection-failures.js';

type Problem = Omit<ConfigProblem, 'alias'>;
const DEFAULT_PORT = 6379;

/**
 * The client of `ValkeyClusterCache` (which the cache module builds around it): one iovalkey
 * `Cluster` built from the startup nodes in `location` (any subset of the cluster's nodes). The
 * cluster routes each command to the primary of its key's slot, and reads to replicas with
 * `options.scaleReads: 'slave'` or `'all'`; multi-key calls are split per slot ({@link groupByConnection}) and run in parallel;
 * `keys`, `deletePattern` and `clear` run on every primary ({@link allConnections}).
 * Connects on first use; closed on application shutdown.
 */
export class ClusterClient extends DefaultClient {
  /** Boot checks: no sentinels, no credential provider, database 0 only. */
  static override validateCacheConfig(
    config: ResolvedCacheConfig,
    _factory: ValkeyConnectionFactory,
  ): Problem[] {
    const problems: Problem[] = [];
    if (config.sentinels !== undefined) {
      problems.push({
        path: 'options.sentinels',
        message:
          'a Valkey Cluster finds its primaries and replicas itself: remove sentinels (or use SentinelClient with ValkeyCache)',
      });
    }
    if (config.credentialProvider !== undefined) {
      problems.push({
        path: 'options.credentialProvider',
        message:
          'is not supported with a Valkey Cluster (its node connections are opened by iovalkey itself): use options.username/password',
      });
    }
    for (const url of splitLocations(config.locations)) {
      let db: number;
      try {
        db = parseLocation(url).db;
      } catch {
        continue; // reported by the location checks
      }
      if (db !== 0) {
        problems.push({
          path: 'location',
          message: `a Valkey Cluster has database 0 only, got ${db}`,
        });
      }
    }
    return problems;
  }

  private cluster: Cluster | undefined;

  /** No pools: the cluster keeps its own connections. */
  protected override locationsFor(_config: ResolvedCacheConfig): string[] {
    return [];
  }

  /** The iovalkey `Cluster` (created, and connecting, on first use). */
  get connection(): Cluster {
    this.cluster ??= this.connect();
    return this.cluster;
  }

  private connect(): Cluster {
    const config = this.config;
    const nodes = splitLocations(config.locations).map((url) => {
      const l = parseLocation(url);
      return { host: l.host, port: l.port ?? DEFAULT_PORT };
    });
    const first = parseLocation(splitLocations(config.locations)[0]!);
    const kwargs = config.connectionPoolKwargs;
    const username = first.username ?? config.username ?? kwargs.username;
    const password = first.password ?? config.password ?? kwargs.password;
    const options: ClusterOptions = {
      scaleReads: config.scaleReads ?? 'master',
      slotsRefreshTimeout: Math.round(config.socketConnectTimeout * 1000),
      redisOptions: {
        ...kwargs,
        commandTimeout: Math.round(config.socketTimeout * 1000),
        connectTimeout: Math.round(config.socketConnectTimeout * 1000),
        connectionName: kwargs.connectionName ?? 'nestjs-valkey-cache',
        ...(username !== undefined && { username }),
        ...(password !== undefined && { password }),
        ...(first.tls && { tls: { ...(kwargs.tls ?? {}) } }),
      },
    };
    const cluster = new Cluster(nodes, options);
    // Connection errors are reported through the failed commands (a failed AUTH's password
    // redacted first); a command waiting for the cluster to connect fails after socketTimeout,
    // or at once after a refused password or TLS failure, instead of waiting forever.
    const startup = nodes.map((n) => `${n.host}:${n.port}`).join(', ');
    boundClusterOfflineQueue(
      cluster,
      `the Valkey cluster (startup nodes ${startup})`,
      Math.round(config.socketTimeout * 1000),
    );
    return cluster;
  }

  override getClient(_write = true): Valkey {
    return this.connection as unknown as Valkey;
  }

  override writeClients(): Valkey[] {
    return [];
  }

  override clientFor(_fullKey: string, _write: boolean): Valkey {
    return this.connection as unknown as Valkey;
  }

  /** One group per slot: a multi-key command may only name keys of one slot. */
  override groupByConnection(fullKeys: readonly string[], _write: boolean): ConnectionGroup[] {
    const client = this.connection as unknown as Valkey;
    return groupBySlot(fullKeys).map((g) => ({ client, keys: g.keys, indexes: g.indexes }));
  }

  /** Every primary (the cluster's current view), once the cluster is ready. */
  override async allConnections(_write: boolean): Promise<Valkey[]> {
    const cluster = this.connection;
    if (cluster.status !== 'ready') {
      const timeoutMs = Math.round(this.config.socketConnectTimeout * 1000);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          cluster.off('ready', ready);
          reject(
            new CacheConnectionError(
              `the cluster was not ready within ${timeoutMs} ms`,
              this.alias,
            ),
          );
        }, timeoutMs);
        const ready = (): void => {
          clearTimeout(timer);
          resolve();
        };
        cluster.once('ready', ready);
      });
    }
    return cluster.nodes('master') as unknown as Valkey[];
  }

  /** Disconnects the cluster; the next command connects again. */
  override async close(): Promise<void> {
    await this.dispose();
  }

  override async dispose(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster) await cluster.quit().catch(() => cluster.disconnect());
  }
}
