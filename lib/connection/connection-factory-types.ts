import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { ConnectionReports } from './connection-events.js';
import type { ValkeyPool } from './connection-pool-types.js';

/**
 * What the `VALKEY_CONNECTION_FACTORY` token holds (django-valkey's
 * `DJANGO_VALKEY_CONNECTION_FACTORY`): turns one location URL of a cache into a connection pool.
 * Implement it to run an app without a server (tests) or to change how connections are made.
 */
export interface ValkeyConnectionFactory {
  /**
   * Returns the pool for one location URL of a cache. Implementations may reuse a pool for
   * identical connections. Must not block or open sockets eagerly.
   * @param url one location URL (already split from a list)
   * @param cache the validated cache config asking for it
   */
  connect(url: string, cache: ResolvedCacheConfig): ValkeyPool;
  /** Releases a pool obtained from {@link connect} (closed when nobody else uses it). */
  release?(pool: ValkeyPool): Promise<void>;
  /** Closes every pool this factory made. Called on application shutdown. */
  close?(): Promise<void>;
  /**
   * Where this factory's pools report their connections' lifecycle (given to each pool as
   * `connectionReports`); `cache.events` subscribes to it. Without it caches get no connection
   * events.
   */
  readonly connectionReports?: ConnectionReports;
}

/** A connection factory class, constructed with no arguments, once per module. */
export interface ConnectionFactoryClass {
  new (): ValkeyConnectionFactory;
}
