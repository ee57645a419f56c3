import type { ConfigProblem } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
import type { DefaultClient } from './default-client.js';

/**
 * A client class (django-valkey's `CLIENT_CLASS`): `DefaultClient`, `SentinelClient`, or a subclass.
 * Constructed once per cache with the validated config and the connection factory that the
 * precedence rules chose (per-cache > global > the class's own default).
 */
export interface ClientClass {
  new (config: ResolvedCacheConfig, factory: ValkeyConnectionFactory): DefaultClient;
  /** The factory used when neither the cache nor the module sets one. */
  readonly defaultConnectionFactory: ConnectionFactoryClass;
  /**
   * Boot-time checks this client class makes of a cache config and the factory it will get.
   * Paths are relative to the cache config.
   */
  validateCacheConfig(
    config: ResolvedCacheConfig,
    factory: ValkeyConnectionFactory,
  ): Array<Omit<ConfigProblem, 'alias'>>;
}
