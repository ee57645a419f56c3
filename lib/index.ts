// The whole public surface of nestjs-valkey-cache.
export { CacheModule } from './cache.module.js';
export { CacheHandler } from './cache.handler.js';
export { InjectCache, InjectSentinelClient } from './cache.decorators.js';
export {
  getCacheToken,
  getSentinelClientToken,
  VALKEY_CONNECTION_FACTORY,
} from './cache.tokens.js';
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
} from './cache.interfaces.js';
export {
  CacheArgumentError,
  CacheConfigError,
  CacheConnectionError,
  CacheDecodeError,
  CacheError,
  CacheKeyNotFoundError,
  CacheReadOnlyError,
  type ConfigProblem,
} from './cache.errors.js';

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
} from './backends/valkey-cache.js';
export {
  CacheLock,
  LockError,
  LockNotOwnedError,
  type LockOptions,
} from './backends/cache-lock.js';

export { DefaultClient, type ConnectionGroup } from './client/default.client.js';
export { ShardClient } from './client/shard.client.js';
export { HashRing, shardKeyOf } from './client/hash-ring.js';
export { HerdClient } from './client/herd.client.js';
export { ClusterClient } from './client/cluster.client.js';
export { clusterSlot } from './client/cluster-slot.js';
export { ValkeyClusterCache } from './backends/valkey-cluster-cache.js';
export {
  HerdCache,
  DEFAULT_HERD_TIMEOUT_SECONDS,
  HERD_LOCK_SECONDS,
  HERD_MARKER,
} from './backends/herd-cache.js';
export type { ClientClass } from './client/client.interface.js';
export { ValueCodec } from './client/value-codec.js';

export { ConnectionFactory } from './pool/connection-factory.js';
export { ConnectionPool } from './pool/connection-pool.js';
export type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from './pool/connection-factory.interface.js';
export type {
  ConnectionPoolClass,
  ConnectionPoolParams,
  ValkeyPool,
} from './pool/connection-pool.interface.js';
export { parseLocation, redactLocation, type ParsedLocation } from './pool/location.js';

export type { ResolvedCacheConfig } from './config/resolved-config.js';
export {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_SOCKET_TIMEOUT_SECONDS,
  DEFAULT_SOCKET_CONNECT_TIMEOUT_SECONDS,
} from './config/resolved-config.js';
export { defaultKeyFunction, defaultReverseKeyFunction } from './config/key-functions.js';

export type { Serializer, SerializerClass } from './serializers/serializer.js';
export type { Compressor, CompressorClass } from './compressors/compressor.js';
export { CompressorError } from './compressors/compressor.js';

// Sentinel
export { SentinelClient, expandSentinelLocation } from './client/sentinel.client.js';
export { SentinelConnectionFactory } from './pool/sentinel-connection-factory.js';
export { SentinelConnectionPool } from './pool/sentinel-connection-pool.js';
export { SentinelError } from './pool/sentinel-error.js';
export { ReadonlyRetryPolicy } from './pool/readonly-retry-policy.js';
export type { NodeAddress } from './pool/node-address.js';
export type {
  FailoverEvent,
  PrimaryChangedEvent,
  ReplicasChangedEvent,
  SentinelPoolEventBase,
  SentinelPoolEventMap,
} from './pool/sentinel-pool-events.js';
export type { SentinelTopologySnapshot } from './pool/sentinel-service-state.js';

// Caching decorators and HTTP interceptor
export { Cached, type CachedMethod, type CachedOptions } from './caching/cached.decorator.js';
export { CacheInterceptor, type CacheStatus } from './caching/cache.interceptor.js';
export {
  CacheRouteKey,
  CacheRouteTimeout,
  NoRouteCache,
  UseCache,
  type RouteKeyFactory,
  type RouteTimeoutFactory,
} from './caching/cache-route.decorators.js';
export { X_CACHE_HEADER } from './caching/caching.constants.js';
export { stableStringify } from './caching/stable-key.js';

// Observability (the Prometheus export is in 'nestjs-valkey-cache/prometheus')
export {
  CacheMetrics,
  CACHE_OPERATIONS,
  LATENCY_BUCKETS_MS,
  type CacheMetricsSnapshot,
  type CacheOperation,
  type LatencySnapshot,
} from './observability/cache-metrics.js';
export {
  CacheEvents,
  type CacheEventMap,
  type ConnectionErrorEvent,
  type ConnectionEvent,
  type ReconnectingEvent,
} from './observability/cache-events.js';
