import type {
  ConnectionPoolKwargs,
  CredentialProvider,
  EarlyRecompute,
  KeyFunction,
  ReverseKeyFunction,
  SentinelKwargs,
} from './cache-config.js';
import type { Compressor } from '../codec/compressors/compressor.js';
import type { Serializer } from '../codec/serializers/serializer.js';
import type {
  ClientClassRef,
  ConnectionFactoryClassRef,
  ConnectionFactoryRef,
  ConnectionPoolClassRef,
} from './class-refs.js';

/**
 * A cache config after validation: names resolved to classes, defaults applied, locations split.
 * Times are in seconds, as in the config.
 */
export interface ResolvedCacheConfig {
  readonly alias: string;
  /** The location URLs, split and trimmed. */
  readonly locations: readonly string[];
  /**
   * `true` when `location` was written as a list: error paths are then `location[i]`, and
   * `SentinelClient` uses a one-URL list as given instead of expanding it.
   */
  readonly locationIsList: boolean;
  /** Default expiry in seconds; `null` never expires. */
  readonly timeout: number | null;
  readonly keyPrefix: string;
  readonly version: number;
  readonly keyFunction: KeyFunction;
  readonly reverseKeyFunction: ReverseKeyFunction;
  /**
   * `options.clientClass`, else `DefaultClient` (`ClusterClient` for a cluster backend); checked
   * at boot to be `DefaultClient` or a subclass.
   */
  readonly clientClass: ClientClassRef;
  /** The cache's own factory, when `options.connectionFactory` is set. */
  readonly connectionFactory?: ConnectionFactoryClassRef | ConnectionFactoryRef;
  /** The pool class, when `options.connectionPoolClass` is set (else the factory's default). */
  readonly connectionPoolClass?: ConnectionPoolClassRef;
  readonly connectionPoolKwargs: ConnectionPoolKwargs;
  readonly sentinels?: ReadonlyArray<{ host: string; port: number }>;
  readonly sentinelKwargs?: SentinelKwargs;
  readonly serializer: Serializer;
  readonly compressor: Compressor;
  readonly ignoreExceptions: boolean;
  readonly logIgnoredExceptions: boolean;
  /**
   * `options.undecodableAsMiss`: an undecodable stored value reads as a miss instead of throwing
   * a `CacheDecodeError` (default `false`).
   */
  readonly undecodableAsMiss: boolean;
  /** Upper bound of one command, seconds. */
  readonly socketTimeout: number;
  /** Upper bound of opening a connection, seconds. */
  readonly socketConnectTimeout: number;
  readonly username?: string;
  /** `options.credentialProvider`: asked before every new data-node connection. */
  readonly credentialProvider?: CredentialProvider;
  readonly password?: string;
  readonly closeConnection: boolean;
  readonly replicaReadOnly: boolean;
  /** `options.herdTimeout` in seconds when set (used by `HerdClient`, default 60). */
  readonly herdTimeout?: number;
  /** `options.earlyRecompute` when set (used by `getOrSet`; `beta` checked > 0). */
  readonly earlyRecompute?: EarlyRecompute;
  /** `options.scaleReads` when set (used by `ClusterClient`). */
  readonly scaleReads?: 'master' | 'slave' | 'all';
}

/** Default expiry of a cache, in seconds (Django's `TIMEOUT` default). */
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** Default bound of one command, in seconds. */
export const DEFAULT_SOCKET_TIMEOUT_SECONDS = 5;
/** Default bound of opening a connection, in seconds. */
export const DEFAULT_SOCKET_CONNECT_TIMEOUT_SECONDS = 5;

/** Where location `index` sits in the cache config, for error paths (`location` or `location[1]`). */
export function locationPath(
  cache: Pick<ResolvedCacheConfig, 'locationIsList'>,
  index: number,
): string {
  return cache.locationIsList ? `location[${index}]` : 'location';
}
