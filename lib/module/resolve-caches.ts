import type { ConfigClasses } from '../config/class-refs.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { validateCaches } from '../config/validate-caches.js';
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

/** Validates and resolves a `CACHES` map against the library's classes, as `CacheModule` does. */
export function resolveCaches(caches: unknown): ResolvedCacheConfig[] {
  return validateCaches(caches, LIBRARY_CLASSES);
}
