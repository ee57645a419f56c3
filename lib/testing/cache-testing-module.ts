import { Module, type DynamicModule } from '@nestjs/common';
import type { CacheConfig, CachesConfig } from '../config/cache-config.js';
import { CacheModule } from '../caching/cache-module.js';
import { VALKEY_CONNECTION_FACTORY } from '../module/tokens.js';
import { CLUSTER_BACKENDS } from '../config/backends.js';
import type { InMemoryClock } from './clock.js';
import { InMemoryConnectionFactory, type InMemoryServers } from './in-memory-connection-factory.js';
import { InMemoryClusterClient } from './in-memory-cluster-client.js';

/** Options of {@link CacheTestingModule.forRoot}. */
export interface CacheTestingModuleOptions {
  /** The factory to use (e.g. one the test keeps a reference to); default: a new one. */
  factory?: InMemoryConnectionFactory;
  /** Time source of a new factory's expiry (ignored with `factory`); e.g. a `FakeClock`. */
  clock?: InMemoryClock;
  /** Servers of a new factory (ignored with `factory`), to share data with another app. */
  servers?: InMemoryServers;
  /** Register the module globally, as `CacheModule.forRoot(…, { isGlobal })`. */
  isGlobal?: boolean;
}

/** One cache config made to run in memory: no own factory; cluster caches on one server. */
function inMemory(config: CacheConfig): CacheConfig {
  const options = { ...(config.options ?? {}) };
  delete options.connectionFactory;
  if (typeof config.backend === 'string' && CLUSTER_BACKENDS.includes(config.backend)) {
    options.clientClass = InMemoryClusterClient;
    delete options.scaleReads;
  }
  return { ...config, options };
}

/**
 * `CacheModule.forRoot(caches)` for tests: the same caches, tokens and `@InjectCache()`
 * injection, on an {@link InMemoryConnectionFactory} (no server, no socket). Unlike overriding
 * `VALKEY_CONNECTION_FACTORY` it also covers caches that name their own
 * `options.connectionFactory` (removed here) and `ValkeyClusterCache` caches (given an
 * {@link InMemoryClusterClient}). The factory is injectable as `InMemoryConnectionFactory` (and
 * as `VALKEY_CONNECTION_FACTORY`). To test an existing app module unchanged, use
 * `useInMemoryCaches(builder)` instead.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [CacheTestingModule.forRoot({ default: { location: 'valkey://cache:6379/0' } })],
 *   providers: [GreetingService],
 * }).compile();
 */
@Module({})
export class CacheTestingModule {
  /** Registers `caches` (alias -> config) on an in-memory factory. */
  static forRoot(caches: CachesConfig, options: CacheTestingModuleOptions = {}): DynamicModule {
    const factory =
      options.factory ??
      new InMemoryConnectionFactory({
        ...(options.clock !== undefined && { clock: options.clock }),
        ...(options.servers !== undefined && { servers: options.servers }),
      });
    const rewritten: CachesConfig = {};
    for (const [alias, config] of Object.entries(caches)) rewritten[alias] = inMemory(config);
    const cacheModule = CacheModule.forRoot(rewritten, {
      connectionFactory: factory,
      ...(options.isGlobal !== undefined && { isGlobal: options.isGlobal }),
    });
    return {
      module: CacheTestingModule,
      global: options.isGlobal ?? false,
      imports: [cacheModule],
      providers: [{ provide: InMemoryConnectionFactory, useExisting: VALKEY_CONNECTION_FACTORY }],
      exports: [cacheModule, InMemoryConnectionFactory],
    };
  }
}
