import type { ConfigClasses } from '../config/class-refs.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { checkCaches, validateCaches, type CheckedCaches } from '../config/validate-caches.js';
import { CLIENT_CLASS_EXPECTED, isClientClass } from '../client/class-checks.js';
import { clientClasses } from '../client/client-registry.js';
import { ClusterClient } from '../client/cluster-client.js';
import { DefaultClient } from '../client/default-client.js';
import {
  FACTORY_EXPECTED,
  isConnectionFactory,
  isConnectionFactoryClass,
  isConnectionPoolClass,
  POOL_CLASS_EXPECTED,
} from '../connection/class-checks.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
import { connectionFactories, connectionPools } from '../connection/pool-registry.js';

/** The client, factory and pool classes a cache config may name, for the config layer. */
export const LIBRARY_CLASSES: ConfigClasses = {
  clientClass: {
    registry: clientClasses,
    accepts: isClientClass,
    expected: CLIENT_CLASS_EXPECTED,
  },
  connectionFactory: {
    registry: connectionFactories,
    accepts: (v): v is ConnectionFactoryClass | ValkeyConnectionFactory =>
      isConnectionFactoryClass(v) || isConnectionFactory(v),
    expected: FACTORY_EXPECTED,
  },
  connectionPoolClass: {
    registry: connectionPools,
    accepts: isConnectionPoolClass,
    expected: POOL_CLASS_EXPECTED,
  },
  defaultClientClass: DefaultClient,
  clusterClientClass: ClusterClient,
};

/**
 * Checks a `CACHES` map against the library's classes, collecting problems (`CacheModule` adds
 * the client and factory rules of each cache to them before it reports them all at once).
 */
export function checkLibraryCaches(caches: unknown): CheckedCaches {
  return checkCaches(caches, LIBRARY_CLASSES);
}

/** Validates and resolves a `CACHES` map against the library's classes; throws on a problem. */
export function resolveCaches(caches: unknown): ResolvedCacheConfig[] {
  return validateCaches(caches, LIBRARY_CLASSES);
}
