// nestjs-valkey-cache/extend: what you need to write your own client, connection factory, pool,
// serializer or compressor, and the less common option, event and metric types.
export type { ClientClass } from '../client/client-class.js';
export type { ConnectionGroup } from '../client/default-client.js';
export { ClusterClient } from '../client/cluster-client.js';
export { clusterSlot } from '../client/cluster-slot.js';
export { HashRing, shardKeyOf } from '../client/hash-ring.js';
export { expandSentinelLocation } from '../client/sentinel-client.js';
export { HerdCache } from '../cache/herd-cache.js';
export { ValkeyClusterCache } from '../cache/valkey-cluster-cache.js';
export type {
  ListSide,
  ScanOptions,
  ScoreBound,
  ScoredMembers,
  SscanOptions,
  StoreOptions,
  ZaddOptions,
  ZrangeByScoreOptions,
  ZrangeOptions,
} from '../cache/cache-options.js';

export { ConnectionPool } from '../connection/connection-pool.js';
export { ConnectionReports, type ConnectionReport } from '../connection/connection-events.js';
export type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
export type {
  ConnectionPoolClass,
  ConnectionPoolParams,
  ValkeyPool,
} from '../connection/connection-pool-types.js';
export { ReadonlyRetryPolicy } from '../connection/readonly-retry-policy.js';
export type { NodeAddress } from '../connection/node-address.js';

export type { ResolvedCacheConfig } from '../config/resolved-config.js';
export type {
  ConnectionPoolKwargs,
  CredentialProvider,
  Credentials,
  Named,
  ReverseKeyFunction,
} from '../config/cache-config.js';
export type {
  ClientClassRef,
  ConnectionFactoryClassRef,
  ConnectionFactoryRef,
  ConnectionPoolClassRef,
} from '../config/class-refs.js';
export { defaultKeyFunction, defaultReverseKeyFunction } from '../config/key-functions.js';

export { ValueCodec } from '../codec/value-codec.js';
export type { Serializer, SerializerClass } from '../codec/serializers/serializer.js';
export { SerializerChain } from '../codec/serializers/serializer-chain.js';
export { CompressorChain } from '../codec/compressors/compressor-chain.js';
export {
  CompressorError,
  type Compressor,
  type CompressorClass,
} from '../codec/compressors/compressor.js';

export type {
  ConnectionErrorEvent,
  ConnectionEvent,
  ReconnectingEvent,
} from '../cache/cache-events.js';
export {
  CACHE_OPERATIONS,
  type CacheMetricsSnapshot,
  type CacheOperation,
  type LatencySnapshot,
} from '../cache/cache-metrics.js';
export type {
  FailoverEvent,
  PrimaryChangedEvent,
  ReplicasChangedEvent,
  SentinelPoolEventBase,
} from '../connection/sentinel/sentinel-pool-events.js';
