import { ClusterClient } from '../client/cluster-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { extendsClass } from '../util/classes.js';
import { InMemoryClusterClient } from './in-memory-cluster-client.js';

/** Whether `cls` is `ClusterClient` or a subclass that is not already in memory. */
function isRealClusterClient(cls: unknown): boolean {
  return extendsClass(cls, ClusterClient) && !extendsClass(cls, InMemoryClusterClient);
}

/**
 * A validated cache config made to run on the global in-memory factory: its own
 * `options.connectionFactory` dropped (so the global token reaches it) and, for a
 * `ValkeyClusterCache`, `InMemoryClusterClient` in place of the client that would open its own
 * iovalkey `Cluster`. Everything else (locations, prefix, serializer, timeouts) stays.
 */
export function inMemoryCacheConfig(config: ResolvedCacheConfig): ResolvedCacheConfig {
  const { connectionFactory: _own, ...rest } = config;
  if (!isRealClusterClient(config.clientClass)) return rest;
  return { ...rest, clientClass: InMemoryClusterClient };
}
