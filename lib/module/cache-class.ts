import { HerdCache } from '../cache/herd-cache.js';
import { ValkeyCache } from '../cache/valkey-cache.js';
import { ValkeyClusterCache } from '../cache/valkey-cluster-cache.js';
import type { ClientClass } from '../client/client-class.js';
import { ClusterClient } from '../client/cluster-client.js';
import type { DefaultClient } from '../client/default-client.js';
import { HerdClient } from '../client/herd-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';

/** A cache class the module builds around a client. */
export type CacheClass = new (config: ResolvedCacheConfig, client: DefaultClient) => ValkeyCache;

/**
 * The cache class of each client family whose value semantics or routing differ. The cluster
 * backend always has a `ClusterClient` (validation refuses any other client class).
 */
const CACHE_CLASSES: ReadonlyArray<readonly [family: ClientClass, cache: CacheClass]> = [
  [ClusterClient, ValkeyClusterCache],
  [HerdClient, HerdCache],
];

/**
 * The cache class built around `clientClass`: that of its family (the class itself or a
 * subclass, e.g. the testing kit's `InMemoryClusterClient`), else `ValkeyCache`.
 */
export function cacheClassFor(clientClass: ClientClass): CacheClass {
  const found = CACHE_CLASSES.find(
    ([family]) => clientClass === family || clientClass.prototype instanceof family,
  );
  return found?.[1] ?? ValkeyCache;
}
