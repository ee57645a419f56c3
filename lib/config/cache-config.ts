import type { ModuleMetadata, Type } from '@nestjs/common';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisOptions } from 'iovalkey';
import type { Serializer, SerializerClass } from '../codec/serializers/serializer.js';
import type { Compressor, CompressorClass } from '../codec/compressors/compressor.js';
import type {
  ClientClassRef,
  ConnectionFactoryClassRef,
  ConnectionFactoryRef,
  ConnectionPoolClassRef,
} from './class-refs.js';

/**
 * Builds the stored key from the user's key, the cache's `keyPrefix` and a `version`
 * (django-valkey's `KEY_FUNCTION`). The default gives `${keyPrefix}:${version}:${key}`. `version` is a
 * string (glob-escaped) when the key function builds a `SCAN` pattern.
 */
export type KeyFunction = (key: string, keyPrefix: string, version: number | string) => string;

/** Recovers the user's key from a stored key (django-valkey's `REVERSE_KEY_FUNCTION`). */
export type ReverseKeyFunction = (fullKey: string) => string;

/** A Sentinel address: `[host, port]` as in django-valkey, or `{ host, port }`. */
export type SentinelAddressConfig =
  readonly [host: string, port: number] | { host: string; port: number };

/** What a {@link CredentialProvider} gives for one new connection. */
export interface Credentials {
  /** ACL user name; omitted for the `default` user (`requirepass`). */
  username?: string;
  /** The password or token sent with `AUTH`. */
  password: string;
}

/**
 * Asked for credentials before every new connection (and every reconnect), so rotated secrets
 * and short-lived tokens work without a restart (valkey-py's `CredentialProvider`). A provider
 * that throws or rejects fails that connection attempt: the queued calls fail with a
 * `CacheConnectionError` naming the alias, and the next attempt asks again.
 */
export interface CredentialProvider {
  /** The credentials for the connection being opened now. */
  getCredentials(): Credentials | Promise<Credentials>;
}

/**
 * Options for the connections to the sentinels themselves (django-valkey's `SENTINEL_KWARGS`),
 * not for the data nodes. Times are in seconds.
 */
export interface SentinelKwargs {
  /** ACL user name for the sentinels. */
  username?: string;
  /** Password for the sentinels (`requirepass` in sentinel.conf). */
  password?: string;
  /** Asked for the sentinels' credentials on every new sentinel connection (not with `username`/`password`). */
  credentialProvider?: CredentialProvider;
  /** TLS for the sentinel connections (`true` for defaults, or Node TLS options). */
  tls?: boolean | TlsOptions;
  /** Timeout of one command to a sentinel, in seconds. */
  socketTimeout?: number;
  /** Timeout to open a connection to a sentinel, in seconds. */
  socketConnectTimeout?: number;
}

/**
 * Options accepted by the data-node connections (iovalkey `RedisOptions`, minus what the module
 * owns). Checked at boot: `keyPrefix`, `host`, `port`, `path`, `db`, `commandTimeout`,
 * `connectTimeout`, `name`, `role`, `lazyConnect`, `Connector`, `monitor` and every `sentinel*`
 * option are rejected with the option to use instead (the cache's `keyPrefix`, the location URL,
 * `socketTimeout`/`socketConnectTimeout`, `sentinels`/`sentinelKwargs`), as are valkey-py names
 * (`max_connections`, `retry_on_timeout`, `health_check_interval`, …) and unknown keys.
 */
export type ConnectionPoolKwargs = Omit<
  RedisOptions,
  | 'sentinels'
  | 'name'
  | 'role'
  | 'lazyConnect'
  | 'Connector'
  | 'keyPrefix'
  | 'monitor'
  | 'sentinelUsername'
  | 'sentinelPassword'
  | 'sentinelTLS'
  | 'sentinelCommandTimeout'
  | 'sentinelRetryStrategy'
  | 'sentinelReconnectStrategy'
  | 'sentinelMaxConnections'
  | 'enableTLSForSentinelMode'
  | 'failoverDetector'
  | 'updateSentinels'
  | 'preferredSlaves'
>;

/** The settings of early recomputation (XFetch) in `getOrSet`. */
export interface EarlyRecompute {
  /**
   * How early a value is recomputed, a number > 0: `1` is the XFetch paper's default; `2`
   * recomputes about twice as early, `0.5` later (with more risk of the value expiring first).
   */
  readonly beta: number;
}

/** A name or class accepted where django-valkey takes a dotted Python path. */
export type Named<T> = string | T;

/**
 * django-valkey's `CACHES[alias]["OPTIONS"]`: everything about how a cache connects and encodes.
 * Times are in seconds unless the name says otherwise.
 */
export interface CacheOptions {
  /** `DefaultClient` (default), `SentinelClient`, or a class/name of your own. */
  clientClass?: Named<ClientClassRef>;
  /** This cache's connection factory; wins over the global `VALKEY_CONNECTION_FACTORY`. */
  connectionFactory?: Named<ConnectionFactoryClassRef> | ConnectionFactoryRef;
  /** Pool class the factory builds (`ConnectionPool`, or `SentinelConnectionPool` for Sentinel). */
  connectionPoolClass?: Named<ConnectionPoolClassRef>;
  /** Extra options for every data-node connection (iovalkey options). */
  connectionPoolKwargs?: ConnectionPoolKwargs;
  /** Sentinels of django-valkey's `SENTINELS`: a non-empty list of `[host, port]` or `{ host, port }`. */
  sentinels?: readonly SentinelAddressConfig[];
  /** Options for the connections to the sentinels (`SENTINEL_KWARGS`). */
  sentinelKwargs?: SentinelKwargs;
  /**
   * `json` (default), `msgpack`, a class, or an instance; or a fallback chain of them,
   * `['msgpack', 'json']`: new values are written with the first, stored values written with
   * any of them are read (to migrate a shared cache without a flush). No class twice.
   */
  serializer?:
    Named<SerializerClass> | Serializer | ReadonlyArray<Named<SerializerClass> | Serializer>;
  /**
   * `identity` (default), `zlib`, `gzip`, `brotli`, `zstd`, `lz4`, a class, or an instance; or a
   * fallback chain of them, `['zstd', 'zlib']`: new values are compressed with the first, stored
   * values compressed with any of them are read (each recognised by its magic bytes; brotli, which
   * has none, is tried after those). `identity` may only come first. No class twice.
   */
  compressor?:
    Named<CompressorClass> | Compressor | ReadonlyArray<Named<CompressorClass> | Compressor>;
  /**
   * Minimum serialized length in bytes above which values are compressed (every member of a
   * compressor chain gets it; only the first compresses).
   */
  compressMinLength?: number;
  /**
   * Compression level passed to the compressor (the first of a chain), checked at boot against
   * its range: zlib -1..9
   * (default 6), gzip 0..9 (6), brotli 0..11 (4), zstd -131072..22 (1), lz4 0..16 (0, no effect).
   */
  compressLevel?: number;
  /** Turn connection and timeout errors into the call's fallback value. */
  ignoreExceptions?: boolean;
  /** Log the errors that `ignoreExceptions` swallowed (at warn level). */
  logIgnoredExceptions?: boolean;
  /**
   * What a read does with a stored value it cannot decode (corrupt bytes, another serializer's
   * or compressor's format, a truncated frame). `false` (default): it throws a
   * `CacheDecodeError` naming the alias and the key. `true`: the value counts as missing: `get`
   * returns its default, `getMany` and the set/hash reads leave it out, `getOrSet` computes the
   * value and returns it (its `add` leaves the undecodable value in place, since it may belong to
   * another service). Logged at warn level when `logIgnoredExceptions` is on. Never applies to
   * `incr`/`decr`, which still throw. django-valkey has no such option (it always raises).
   */
  undecodableAsMiss?: boolean;
  /** Upper bound on one command, in seconds (default 5). */
  socketTimeout?: number;
  /** Upper bound on opening a connection, in seconds (default 5). */
  socketConnectTimeout?: number;
  /** ACL user for the data nodes (a URL's own user name wins). */
  username?: string;
  /** Password for the data nodes (a URL's own password wins). */
  password?: string;
  /**
   * Asked for the data nodes' credentials before every new connection, instead of a fixed
   * `username`/`password` (which it cannot be combined with, nor with credentials in the URL).
   */
  credentialProvider?: CredentialProvider;
  /** Close this cache's connections when `close()` is called (default false: keep them). */
  closeConnection?: boolean;
  /**
   * `true` (default): replicas only read. `false`: a write that fails on the primary is retried
   * on the next listed server.
   */
  replicaReadOnly?: boolean;
  /**
   * `HerdClient` only (Django's `CACHE_HERD_TIMEOUT`): seconds a value outlives its logical
   * expiry so that one caller refreshes it while the others keep the stale value. Default 60.
   */
  herdTimeout?: number;
  /**
   * Early recomputation (XFetch) for `getOrSet` on this cache: a hit may recompute the value
   * before it expires, with a probability that grows as the expiry nears, so a hot key never
   * expires under load. `beta` (a number > 0, typically 1; larger recomputes earlier) scales the
   * rule `-delta * beta * ln(random) >= remaining TTL`, `delta` being the factory's measured run
   * time. A call's own `earlyRecompute` option wins. Not for `HerdClient` (boot error).
   */
  earlyRecompute?: EarlyRecompute;
  /**
   * `ValkeyClusterCache` only: where reads go, iovalkey's `scaleReads`: `'master'` (default),
   * `'slave'` (replicas) or `'all'`.
   */
  scaleReads?: 'master' | 'slave' | 'all';
}

/** One entry of django-valkey's `CACHES`: a named cache. */
export interface CacheConfig {
  /**
   * `ValkeyCache` (default) or its Django path `django_valkey.cache.ValkeyCache`;
   * `ValkeyClusterCache` for a Valkey Cluster.
   */
  backend?: string;
  /** One URL, a list (index 0 is the primary), or a comma-separated string of URLs. */
  location: string | readonly string[];
  /** Default expiry in seconds (fractions allowed); `null` never expires. Default 300 s. */
  timeout?: number | null;
  /** Prefix of every key (default `''`). */
  keyPrefix?: string;
  /** Default key version (default 1). */
  version?: number;
  /** Builds stored keys; default `${keyPrefix}:${version}:${key}`. */
  keyFunction?: KeyFunction;
  /** Inverse of `keyFunction`, used by `keys()` and `iterKeys()`. */
  reverseKeyFunction?: ReverseKeyFunction;
  /** django-valkey's `OPTIONS`. */
  options?: CacheOptions;
}

/** django-valkey's `CACHES`: alias -> cache config. */
export type CachesConfig = Record<string, CacheConfig>;

/** Module-wide options of {@link CacheModule.forRoot}. */
export interface CacheModuleOptions {
  /**
   * The global connection factory (`DJANGO_VALKEY_CONNECTION_FACTORY`), bound to the
   * `VALKEY_CONNECTION_FACTORY` token: a class, a name, or an instance.
   */
  connectionFactory?: Named<ConnectionFactoryClassRef> | ConnectionFactoryRef;
  /** Register the module globally (its caches injectable everywhere). */
  isGlobal?: boolean;
}

/** A class whose instance produces the caches config for {@link CacheModule.forRootAsync}. */
export interface CachesConfigFactory {
  /** The caches config, keyed by alias. */
  createCachesConfig(): CachesConfig | Promise<CachesConfig>;
}

/** Options of {@link CacheModule.forRootAsync}. */
export interface CacheModuleAsyncOptions
  extends CacheModuleOptions, Pick<ModuleMetadata, 'imports'> {
  /** The aliases the factory will return; each gets its own injection token. */
  aliases: readonly string[];
  /** Providers to inject into `useFactory`. */
  inject?: Array<string | symbol | Type<unknown> | (abstract new (...args: never[]) => unknown)>;
  /** Returns the caches config from the injected providers. */
  useFactory?: (...args: never[]) => CachesConfig | Promise<CachesConfig>;
  /** A class the module instantiates to produce the caches config. */
  useClass?: Type<CachesConfigFactory>;
  /** An existing provider that produces the caches config. */
  useExisting?: Type<CachesConfigFactory>;
}
