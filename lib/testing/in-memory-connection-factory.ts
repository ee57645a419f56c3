import type { ConfigProblem } from '../errors.js';
import { ClusterClient } from '../client/cluster-client.js';
import { ShardClient } from '../client/shard-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { ValkeyConnectionFactory } from '../connection/connection-factory-types.js';
import type { ValkeyPool } from '../connection/connection-pool-types.js';
import { parseLocation, redactLocation, type ParsedLocation } from '../config/location.js';
import { RefCountedPools } from '../connection/ref-counted-pools.js';
import { SingleClientPool } from '../connection/single-client-pool.js';
import { extendsClass } from '../util/classes.js';
import { systemClock, type InMemoryClock } from './clock.js';
import { InMemoryClusterClient } from './in-memory-cluster-client.js';
import { InMemoryServer } from './in-memory-server.js';
import { InMemoryValkey } from './in-memory-valkey.js';

const DEFAULT_PORT = 6379;
const DEFAULT_CONNECTION_NAME = 'nestjs-valkey-cache';

/** Options of {@link InMemoryConnectionFactory}. */
export interface InMemoryConnectionFactoryOptions {
  /**
   * Time source of expiry, in ms since the epoch (default: `Date.now()` at each command). Pass a
   * {@link FakeClock} to move time by hand.
   */
  clock?: InMemoryClock;
  /**
   * Servers to share with another factory (e.g. two Nest apps of one test that must see the
   * same data); by default each factory has its own, empty ones.
   */
  servers?: InMemoryServers;
}

/**
 * The in-memory servers of one or more factories, by location identity (`host:port`,
 * `unix:/path`, or for a Sentinel location the service name): one server per location, each
 * with numbered databases, like real servers.
 */
export class InMemoryServers {
  private readonly servers = new Map<string, InMemoryServer>();
  private readonly replicaOf = new Map<string, string>();

  constructor(
    /** Time source of every server's expiry. */
    readonly clock: InMemoryClock = systemClock,
  ) {}

  /**
   * The server of a location URL (`valkey://host:port/db`, a Sentinel `valkey://service/db`, or
   * `unix:///path`); a location declared as a replica of another (a later entry of a
   * `DefaultClient` location list) resolves to its primary's server.
   */
  serverFor(location: string | ParsedLocation): InMemoryServer {
    return this.byId(this.resolve(identity(location)));
  }

  /** @internal records that `replica` holds a copy of `primary` (a DefaultClient location list). */
  declareReplica(replica: string, primary: string): void {
    const p = this.resolve(primary);
    if (replica !== p) this.replicaOf.set(replica, p);
  }

  /** @internal the identity of the server that answers for `id`. */
  resolve(id: string): string {
    let current = id;
    for (let hops = 0; hops < 16; hops++) {
      const next = this.replicaOf.get(current);
      if (next === undefined) break;
      current = next;
    }
    return current;
  }

  /** @internal the server named `id`, created on first use. */
  byId(id: string): InMemoryServer {
    let server = this.servers.get(id);
    if (!server) {
      server = new InMemoryServer(id, this.clock);
      this.servers.set(id, server);
    }
    return server;
  }

  /** Every server made so far. */
  all(): InMemoryServer[] {
    return [...this.servers.values()];
  }

  /** Empties every database of every server (scripts and statistics are kept). */
  flushAll(): void {
    for (const s of this.servers.values()) s.flushAll();
  }
}

/** `host:port` (lower-cased host) or `unix:/path` of a location. */
function identity(location: string | ParsedLocation): string {
  const l = typeof location === 'string' ? parseLocation(location) : location;
  return l.path ? `unix:${l.path}` : `${l.host.toLowerCase()}:${l.port ?? DEFAULT_PORT}`;
}

/** A pool of one in-memory connection. */
class InMemoryPool extends SingleClientPool<InMemoryValkey> {
  async close(): Promise<void> {
    this.client.disconnect();
  }
}

/**
 * A connection factory whose connections are {@link InMemoryValkey} clients on in-memory
 * servers: no server, no socket, no cleanup. Use it for an app's own tests, for every cache at
 * once with `useInMemoryCaches(builder)`, or cache by cache:
 *
 * ```ts
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(getConnectionFactoryToken('sessions'))
 *   .useValue(new InMemoryConnectionFactory())
 * ```
 *
 * (the per-alias token reaches that cache whatever `options.connectionFactory` it names;
 * overriding `VALKEY_CONNECTION_FACTORY` reaches only the caches that name none), or
 * `CacheTestingModule.forRoot(caches)`. Keyspaces are per location (`host:port`, the
 * Sentinel service name, or the unix socket path) and database, shared by every cache that
 * points at the same place, as on real servers. A `DefaultClient`/`HerdClient` location list's
 * later entries are replicas of the first: they read the primary's data and refuse writes with
 * `READONLY`; a Sentinel cache's primary and replica pools share the service's keyspace (the
 * replica pool read-only); each `ShardClient` location is its own server.
 *
 * Not served: `ValkeyClusterCache` caches (their `ClusterClient` makes its own connections; boot
 * fails with a config error saying so; `useInMemoryCaches` and `CacheTestingModule` run them on
 * the in-memory store instead).
 */
export class InMemoryConnectionFactory implements ValkeyConnectionFactory {
  /** The in-memory servers this factory connects to. */
  readonly servers: InMemoryServers;
  private readonly pools = new RefCountedPools<InMemoryPool>();

  constructor(options: InMemoryConnectionFactoryOptions = {}) {
    this.servers = options.servers ?? new InMemoryServers(options.clock ?? systemClock);
  }

  /** The time source of this factory's servers. */
  get clock(): InMemoryClock {
    return this.servers.clock;
  }

  /** Boot check: refuses cluster caches, which would connect to real servers. */
  validateCacheConfig(cache: ResolvedCacheConfig): Array<Omit<ConfigProblem, 'alias'>> {
    const cls = cache.clientClass;
    if (extendsClass(cls, ClusterClient) && !extendsClass(cls, InMemoryClusterClient)) {
      return [
        {
          path: 'backend',
          message:
            "a ValkeyClusterCache connects through its own iovalkey Cluster, not through a connection factory, so InMemoryConnectionFactory cannot serve it (it would reach a real cluster); in tests use useInMemoryCaches(builder) or CacheTestingModule.forRoot(caches) from 'nestjs-valkey-cache/testing', which run it in memory, or set options.clientClass: InMemoryClusterClient",
        },
      ];
    }
    return [];
  }

  connect(url: string, cache: ResolvedCacheConfig): ValkeyPool {
    const location = parseLocation(url);
    const id = identity(location);
    const first = cache.locations[0];
    const primaryId = first === undefined ? id : identity(first);
    const sharded = extendsClass(cache.clientClass, ShardClient);
    const replicaOfFirst = !sharded && id !== primaryId;
    if (replicaOfFirst) this.servers.declareReplica(id, primaryId);
    const serverId = this.servers.resolve(id);
    // A replica location (declared by some cache's location list) is read-only wherever used.
    const readOnly = location.isMaster === false || serverId !== id;
    const connectionName = cache.connectionPoolKwargs.connectionName ?? DEFAULT_CONNECTION_NAME;
    const role = location.isMaster === false ? 'replica' : 'primary';
    const key = JSON.stringify([serverId, location.db, readOnly, role, connectionName]);
    return this.pools.acquire(key, () => {
      const client = new InMemoryValkey(this.servers.byId(serverId), {
        db: location.db,
        readOnly,
        connectionName,
      });
      return new InMemoryPool(role, client, `in-memory ${redactLocation(url)}`);
    });
  }

  /** Counts one user less of `pool`, closing it after its last user. */
  release(pool: ValkeyPool): Promise<void> {
    return this.pools.release(pool);
  }

  /** Closes every connection this factory made. The stored data stays (see {@link flushAll}). */
  close(): Promise<void> {
    return this.pools.close();
  }

  /**
   * A new plain connection to the in-memory server and database of `location` (e.g.
   * `valkey://127.0.0.1:6379/1`), to seed data or look at what a cache stored. Keys are not
   * prefixed: use `cache.makeKey(key)`. A replica location (`?is_master=0`, or a later entry of
   * a cache's location list) gives a read-only connection to its primary's data. Close it with `disconnect()` when done (or let it be:
   * it holds no socket and no timer).
   */
  client(location: string, options: { connectionName?: string } = {}): InMemoryValkey {
    const parsed = parseLocation(location);
    const id = identity(parsed);
    const serverId = this.servers.resolve(id);
    return new InMemoryValkey(this.servers.byId(serverId), {
      db: parsed.db,
      readOnly: parsed.isMaster === false || serverId !== id,
      ...(options.connectionName !== undefined && { connectionName: options.connectionName }),
    });
  }

  /** Empties every database of every server of this factory (between tests). */
  flushAll(): void {
    this.servers.flushAll();
  }
}
