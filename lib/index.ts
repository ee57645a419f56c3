// nestjs-valkey-cache: what an application writes against. Extension points (your own client,
// factory, pool, serializer or compressor) are in 'nestjs-valkey-cache/extend'; the caching
// decorators and interceptor in 'nestjs-valkey-cache/caching'.
export { CacheModule } from './caching/cache-module.js';
export { CacheHandler } from './module/cache-handler.js';
export { InjectCache, InjectSentinelClient } from './module/decorators.js';
export {
  getCacheToken,
  getConnectionFactoryToken,
  getSentinelClientToken,
  VALKEY_CONNECTION_FACTORY,
} from './module/tokens.js';
export type {
  CacheConfig,
  CacheModuleAsyncOptions,
  CacheModuleOptions,
  CacheOptions,
  CachesConfig,
  CachesConfigFactory,
  KeyFunction,
  SentinelAddressConfig,
  SentinelKwargs,
} from './config/cache-config.js';
export {
  CacheArgumentError,
  CacheConfigError,
  CacheConnectionError,
  CacheDecodeError,
  CacheError,
  CacheKeyNotFoundError,
  CacheReadOnlyError,
  type ConfigProblem,
} from './errors.js';
export { SentinelError } from './connection/sentinel/sentinel-error.js';

export { ValkeyCache } from './cache/valkey-cache.js';
export type {
  CacheValue,
  Counter,
  IncrOptions,
  SetOptions,
  Timeout,
  VersionOption,
} from './cache/cache-options.js';
export { CacheLock, LockError, LockNotOwnedError, type LockOptions } from './cache/cache-lock.js';

// The classes a cache config names.
export { DefaultClient } from './client/default-client.js';
export { HerdClient } from './client/herd-client.js';
export { ShardClient } from './client/shard-client.js';
export { SentinelClient } from './client/sentinel-client.js';
export { ConnectionFactory } from './connection/connection-factory.js';
export { SentinelConnectionFactory } from './connection/sentinel/sentinel-connection-factory.js';
export { SentinelConnectionPool } from './connection/sentinel/sentinel-connection-pool.js';
export type { SentinelPool } from './connection/sentinel/sentinel-pool.js';

// Events and metrics of a cache (the Prometheus export is in 'nestjs-valkey-cache/prometheus').
export { CacheEvents, type CacheEventMap } from './cache/cache-events.js';
export { CacheMetrics } from './cache/cache-metrics.js';
export type { SentinelPoolEventMap } from './connection/sentinel/sentinel-pool-events.js';
export type { SentinelTopologySnapshot } from './connection/sentinel/sentinel-service-state.js';
