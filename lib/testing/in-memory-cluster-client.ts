import type { Valkey } from 'iovalkey';
import { ClusterClient } from '../client/cluster-client.js';
import { groupBySlot } from '../client/cluster-slot.js';
import { DefaultClient, type ConnectionGroup } from '../client/default-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';

/**
 * A `ClusterClient` for tests: the cache stays a `ValkeyClusterCache` with the cluster's key
 * rules (multi-key calls are split per slot; `mset`, set operations and `smove` across slots are
 * refused as on a cluster), but every slot lives on one in-memory server, reached through the
 * connection factory (keyed by the first location, database 0) instead of an iovalkey
 * `Cluster`. `useInMemoryCaches()` and `CacheTestingModule.forRoot()` give it to every
 * `ValkeyClusterCache`; with only a connection factory overridden, set
 * `options.clientClass: InMemoryClusterClient` on those caches yourself. Not emulated: slot migration, MOVED/ASK, replicas (`scaleReads`).
 */
export class InMemoryClusterClient extends ClusterClient {
  /** One pool, on the first startup node's location. */
  protected override locationsFor(config: ResolvedCacheConfig): string[] {
    return config.locations.slice(0, 1);
  }

  private get memory(): Valkey {
    return this.pools[0]!.acquire();
  }

  override getClient(_write = true): Valkey {
    return this.memory;
  }

  override clientFor(_fullKey: string, _write: boolean): Valkey {
    return this.memory;
  }

  /** One group per slot, as on a real cluster. */
  override groupByConnection(fullKeys: readonly string[], _write: boolean): ConnectionGroup[] {
    const client = this.memory;
    return groupBySlot(fullKeys).map((g) => ({ client, keys: g.keys, indexes: g.indexes }));
  }

  override async allConnections(_write: boolean): Promise<Valkey[]> {
    return [this.memory];
  }

  /** Releases the in-memory pool and takes a fresh one (the next command reconnects). */
  override close(): Promise<void> {
    return DefaultClient.prototype.close.call(this);
  }

  /** Nothing of its own to close: the factory closes its pools. */
  override async dispose(): Promise<void> {}
}
