import type { Valkey } from 'iovalkey';
import type { ConfigProblem } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { ConnectionFactory } from '../connection/connection-factory.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
import type { ConnectionReports } from '../connection/connection-events.js';
import type { ValkeyPool } from '../connection/connection-pool-types.js';
import { globEscape } from '../util/glob.js';
import { ValueCodec } from '../codec/value-codec.js';

/**
 * Keys of a multi-key call that live on one connection ({@link DefaultClient.groupByConnection}).
 * `indexes[j]` is the position of `keys[j]` in the call's key list; `undefined` means the group
 * holds every key of the call, in order.
 */
export interface ConnectionGroup {
  readonly client: Valkey;
  readonly keys: readonly string[];
  readonly indexes: readonly number[] | undefined;
}

/**
 * django-valkey's `DefaultClient`: `location` is one URL, a list, or a comma-separated string;
 * index 0 is the primary, the rest are replicas. Writes go to the primary; reads rotate over the
 * replicas when there are any. It owns key making and value encoding, which `ValkeyCache` uses.
 */
export class DefaultClient {
  static readonly defaultConnectionFactory: ConnectionFactoryClass = ConnectionFactory;

  /** Boot-time checks of this client class; none for the default client. */
  static validateCacheConfig(
    _config: ResolvedCacheConfig,
    _factory: ValkeyConnectionFactory,
  ): Array<Omit<ConfigProblem, 'alias'>> {
    return [];
  }

  /** `true` on clients that resolve their servers through Sentinel (`SentinelClient`). */
  get isSentinel(): boolean {
    return false;
  }

  /** The cache alias this client serves. */
  readonly alias: string;
  /** Encodes and decodes stored values (serializer + compressor, raw integers). */
  readonly codec: ValueCodec;
  /** Pools in location order: index 0 the primary, then the replicas. */
  protected readonly pools: ValkeyPool[];
  private nextReplica = 0;

  constructor(
    readonly config: ResolvedCacheConfig,
    protected readonly factory: ValkeyConnectionFactory,
  ) {
    this.alias = config.alias;
    this.codec = new ValueCodec(config.serializer, config.compressor);
    this.pools = this.connectAll();
  }

  /** The URLs this client connects to; `SentinelClient` expands one service URL into two. */
  protected locationsFor(config: ResolvedCacheConfig): string[] {
    return [...config.locations];
  }

  /** Where this client's pools report their connections (its factory's), if anywhere. */
  get connectionReports(): ConnectionReports | undefined {
    return this.factory.connectionReports;
  }

  /** The pool that takes writes. */
  get primary(): ValkeyPool {
    return this.pools[0]!;
  }

  /** The read pools (empty when the location lists only a primary). */
  get replicas(): readonly ValkeyPool[] {
    return this.pools.slice(1);
  }

  /**
   * The iovalkey client for the next command (django-valkey's `get_client`): the primary for
   * writes, else the next replica in rotation (the primary when no replica is listed).
   */
  getClient(write = true): Valkey {
    const pools = this.pools;
    if (write || pools.length === 1) return pools[0]!.acquire();
    const i = this.nextReplica;
    this.nextReplica = i + 1 >= pools.length - 1 ? 0 : i + 1;
    return pools[1 + i]!.acquire();
  }

  /**
   * The clients a write may try in order: the primary, then (with `replicaReadOnly: false`) every
   * other listed server.
   */
  writeClients(): Valkey[] {
    if (this.config.replicaReadOnly) return [this.pools[0]!.acquire()];
    return this.pools.map((p) => p.acquire());
  }

  /**
   * The connection for a command on the stored key `fullKey`. `ValkeyCache` routes every
   * single-key command through this hook: here it is {@link getClient} (the key does not matter);
   * `ShardClient` picks the key's shard.
   */
  clientFor(_fullKey: string, write: boolean): Valkey {
    return this.getClient(write);
  }

  /**
   * Splits the stored keys of a multi-key command by the connection that holds them, so that
   * `ValkeyCache` sends one command per connection (and one in all here: every key is on the
   * primary or on the next replica).
   */
  groupByConnection(fullKeys: readonly string[], write: boolean): ConnectionGroup[] {
    return [{ client: this.getClient(write), keys: fullKeys, indexes: undefined }];
  }

  /**
   * One connection per server that holds a share of the keys, for commands that cover the whole
   * keyspace (`SCAN`, `FLUSHDB`): the primary (or the next replica for reads) here, every shard
   * on `ShardClient`.
   */
  allConnections(write: boolean): Valkey[] | Promise<Valkey[]> {
    return [this.getClient(write)];
  }

  /**
   * Called on application shutdown: closes connections this client owns itself (the factory
   * closes pools). Nothing here; `ClusterClient` quits its cluster.
   */
  async dispose(): Promise<void> {}

  /** Builds the stored key (`${keyPrefix}:${version}:${key}` by default). */
  makeKey(key: string, version?: number): string {
    return this.config.keyFunction(key, this.config.keyPrefix, version ?? this.config.version);
  }

  /**
   * Builds a `SCAN`/`KEYS` pattern: the user's pattern is kept as a glob, while prefix and
   * version are escaped so their `*`, `?` and `[` match literally.
   */
  makePattern(pattern: string, version?: number): string {
    return this.config.keyFunction(
      pattern,
      globEscape(this.config.keyPrefix),
      globEscape(String(version ?? this.config.version)),
    );
  }

  /** Recovers the user's key from a stored key. */
  reverseKey(fullKey: string): string {
    return this.config.reverseKeyFunction(fullKey);
  }

  /**
   * Releases this client's pools (closed when no other cache shares them) and takes fresh ones
   * from the factory, so the next command reconnects, as Django's `close()` allows.
   */
  async close(): Promise<void> {
    // Release first: the factory forgets a pool as soon as its last user lets go, so the
    // fresh connect below cannot be handed the pool that is closing.
    const closing = this.pools.map((p) =>
      this.factory.release ? this.factory.release(p) : p.close(),
    );
    this.pools.splice(0, this.pools.length, ...this.connectAll());
    await Promise.all(closing);
  }

  private connectAll(): ValkeyPool[] {
    return this.locationsFor(this.config).map((url) => this.factory.connect(url, this.config));
  }
}
