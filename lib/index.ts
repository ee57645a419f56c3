// The whole public surface of nestjs-valkey-cache.
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
  ConnectionPoolKwargs,
  KeyFunction,
  Named,
  ReverseKeyFunction,
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

export {
  ValkeyCache,
  type CacheValue,
  type Counter,
  type IncrOptions,
  type ScanOptions,
  type SetOptions,
  type SscanOptions,
  type StoreOptions,
  type Timeout,
  type VersionOption,
} from './cache/valkey-cache.js';
export { CacheLock, LockError, LockNotOwnedError, type LockOptions } from './cache/cache-lock.js';

export { DefaultClient, type ConnectionGroup } from './client/default-client.js';
export { ShardClient } from './client/shard-client.js';
export { HashRing, shardKeyOf } from './client/hash-ring.js';
export { HerdClient } from './client/herd-client.js';
export { ClusterClient } from './client/cluster-client.js';
export { clusterSlot } from './client/cluster-slot.js';
export { ValkeyClusterCache } from './cache/valkey-cluster-cache.js';
export {
  HerdCache,
  DEFAULT_HERD_TIMEOUT_SECONDS,
  HERD_LOCK_SECONDS,
  HERD_MARKER,
} from './cache/herd-cache.js';
export type { ClientClass } from './client/client-class.js';
export { ValueCodec } from './codec/value-codec.js';

export { ConnectionFactory } from './connection/connection-factory.js';
export { ConnectionPool } from './connection/connection-pool.js';
export { ConnectionReports, type ConnectionReport } from './connection/connection-events.js';
export type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from './connection/connection-factory-types.js';
export type {
  ConnectionPoolClass,
  ConnectionPoolParams,
  ValkeyPool,
} from './connection/connection-pool-types.js';
export { parseLocation, redactLocation, type ParsedLocation } from './connection/location.js';

export type { ResolvedCacheConfig } from './config/resolved-config.js';
export {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_SOCKET_TIMEOUT_SECONDS,
  DEFAULT_SOCKET_CONNECT_TIMEOUT_SECONDS,
} from './config/resolved-config.js';
export { defaultKeyFunction, defaultReverseKeyFunction } from './config/key-functions.js';

export type { Serializer, SerializerClass } from './codec/serializers/serializer.js';
export type { Compressor, CompressorClass } from './codec/compressors/compressor.js';
export { CompressorError } from './codec/compressors/compressor.js';

// Sentinel
export { SentinelClient, expandSentinelLocation } from './client/sentinel-client.js';
export { SentinelConnectionFactory } from './connection/sentinel/sentinel-connection-factory.js';
export { SentinelConnectionPool } from './connection/sentinel/sentinel-connection-pool.js';
export type { SentinelPool } from './connection/sentinel/sentinel-pool.js';
export { SentinelError } from './connection/sentinel/sentinel-error.js';
export { ReadonlyRetryPolicy } from './connection/readonly-retry-policy.js';
export type { NodeAddress } from './connection/node-address.js';
export type {
  FailoverEvent,
  PrimaryChangedEvent,
  ReplicasChangedEvent,
  SentinelPoolEventBase,
  SentinelPoolEventMap,
} from './connection/sentinel/sentinel-pool-events.js';
export type { SentinelTopologySnapshot } from './connection/sentinel/sentinel-service-state.js';

// Caching decorators and HTTP interceptor
export { Cached, type CachedMethod, type CachedOptions } from './caching/cached-decorator.js';
export { CacheInterceptor, type CacheStatus } from './caching/cache-interceptor.js';
export {
  CacheRouteKey,
  CacheRouteTimeout,
  NoRouteCache,
  UseCache,
  type RouteKeyFactory,
  type RouteTimeoutFactory,
} from './caching/cache-route-decorators.js';
export { X_CACHE_HEADER } from './caching/caching-constants.js';
export { stableStringify } from './caching/stable-key.js';

// Observability (the Prometheus export is in 'nestjs-valkey-cache/prometheus')
export {
  CacheMetrics,
  CACHE_OPERATIONS,
  LATENCY_BUCKETS_MS,
  type CacheMetricsSnapshot,
  type CacheOperation,
  type LatencySnapshot,
} from './cache/cache-metrics.js';
export {
  CacheEvents,
  type CacheEventMap,
  type ConnectionErrorEvent,
  type ConnectionEvent,
  type ReconnectingEvent,
} from './cache/cache-events.js';
