import type { Valkey } from 'iovalkey';
import { CacheArgumentError, type ConfigProblem } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { ValkeyConnectionFactory } from '../connection/connection-factory-types.js';
import type { ValkeyPool } from '../connection/connection-pool-types.js';
import { redactLocation } from '../config/location.js';
import { DefaultClient, type ConnectionGroup } from './default-client.js';
import { HashRing, shardKeyOf } from './hash-ring.js';

type Problem = Omit<ConfigProblem, 'alias'>;

/**
 * django-valkey's `ShardClient` (client-side sharding): every location is a shard (no replicas),
 * and each stored key lives on the shard django-valkey's sha256 hash ring names for it (128
 * points per shard, node names = the location URLs as written), so a Django service with the
 * same `LOCATION` list finds every key where this module put it. A key with `{tag}` is placed by
 * its last tag, so keys that share a tag share a shard.
 *
 * `ValkeyCache` asks it for the connection of each key ({@link clientFor}), splits multi-key
 * calls per shard ({@link groupByConnection}: `getMany`/`mget`, `setMany`, `deleteMany` send
 * one command per shard, in parallel) and covers every shard for `keys`, `iterKeys`,
 * `deletePattern` and `clear` ({@link allConnections}). Calls that must be atomic or run on one
 * server (`mset`, `sdiff`/`sinter`/`sunion` and their `*store`, `smove`, `lmove`, and the
 * blocking pops over several keys) work when their keys are on one shard and are refused with a
 * {@link CacheArgumentError} otherwise.
 */
export class ShardClient extends DefaultClient {
  /** Boot checks: at least two distinct locations. */
  static override validateCacheConfig(
    config: ResolvedCacheConfig,
    _factory: ValkeyConnectionFactory,
  ): Problem[] {
    const problems: Problem[] = [];
    const locations = config.locations;
    if (locations.length < 2) {
      problems.push({
        path: 'location',
        message: `ShardClient needs at least two locations (one per shard), got ${locations.length}; use DefaultClient for one server`,
      });
    }
    const seen = new Set<string>();
    for (const url of locations) {
      if (seen.has(url)) {
        problems.push({
          path: 'location',
          message: `ShardClient lists '${redactLocation(url)}' twice; every shard must be listed once`,
        });
      }
      seen.add(url);
    }
    return problems;
  }

  /** The hash ring over the locations (node `i` is `locations[i]`, pool `i`). */
  readonly ring: HashRing;

  constructor(config: ResolvedCacheConfig, factory: ValkeyConnectionFactory) {
    super(config, factory);
    this.ring = new HashRing(this.locationsFor(config));
  }

  /** Index of the shard (in location order) that holds the stored key `fullKey`. */
  shardIndex(fullKey: string): number {
    return this.ring.nodeIndex(shardKeyOf(fullKey));
  }

  /** The location URL of the shard that holds the stored key `fullKey`. */
  shardOf(fullKey: string): string {
    return this.ring.nodes[this.shardIndex(fullKey)]!;
  }

  /** The shards' pools, in location order. */
  get shards(): readonly ValkeyPool[] {
    return this.pools;
  }

  /**
   * Refused: a shard client's connection depends on the key. Use `cache.getClient({ key })`
   * (or {@link clientFor} with a stored key).
   */
  override getClient(_write = true): Valkey {
    throw new CacheArgumentError(
      'ShardClient has one connection per shard: pass the key, cache.getClient({ key })',
      this.alias,
    );
  }

  /** No write fallback across shards: a key's value lives on its own shard only. */
  override writeClients(): Valkey[] {
    return [];
  }

  override clientFor(fullKey: string, _write: boolean): Valkey {
    return this.pools[this.shardIndex(fullKey)]!.acquire();
  }

  override groupByConnection(fullKeys: readonly string[], _write: boolean): ConnectionGroup[] {
    const byShard = new Map<number, { keys: string[]; indexes: number[] }>();
    fullKeys.forEach((key, i) => {
      const shard = this.shardIndex(key);
      let group = byShard.get(shard);
      if (!group) {
        group = { keys: [], indexes: [] };
        byShard.set(shard, group);
      }
      group.keys.push(key);
      group.indexes.push(i);
    });
    return [...byShard].map(([shard, g]) => ({
      client: this.pools[shard]!.acquire(),
      keys: g.keys,
      indexes: g.indexes,
    }));
  }

  override allConnections(_write: boolean): Valkey[] {
    return this.pools.map((p) => p.acquire());
  }
}
