import { checkLibraryCaches } from '../module/resolve-caches.js';
import {
  VALKEY_CACHE_CONFIGS,
  VALKEY_CACHES_OPTIONS,
  VALKEY_CONNECTION_FACTORY,
} from '../module/tokens.js';
import type { InMemoryClock } from './clock.js';
import { inMemoryCacheConfig } from './in-memory-cache-config.js';
import { InMemoryConnectionFactory, type InMemoryServers } from './in-memory-connection-factory.js';

/** Options of {@link useInMemoryCaches}. */
export interface InMemoryCachesOptions {
  /** The factory to use (e.g. one the test keeps a reference to); default: a new one. */
  factory?: InMemoryConnectionFactory;
  /** Time source of a new factory's expiry (ignored with `factory`); e.g. a `FakeClock`. */
  clock?: InMemoryClock;
  /** Servers of a new factory (ignored with `factory`), to share data with another app. */
  servers?: InMemoryServers;
}

/**
 * The part of a module builder {@link useInMemoryCaches} uses; `@nestjs/testing`'s
 * `TestingModuleBuilder` has it (typed structurally, so this package needs no dependency on it).
 */
export interface ProviderOverrides<B> {
  /** Starts the override of the provider under `token`. */
  overrideProvider(token: string | symbol): {
    /** Replaces the provider by `value`. */
    useValue(value: unknown): B;
    /** Replaces the provider by what `factory` returns from the injected providers. */
    useFactory(options: { factory: (caches: never) => unknown; inject: Array<string | symbol> }): B;
  };
}

/**
 * Runs every cache of every `CacheModule` of the module being built in memory, whatever each
 * config names: no server, no socket. Caches with their own `options.connectionFactory` (e.g.
 * `'SentinelConnectionFactory'`) get the in-memory factory too, and `ValkeyClusterCache` caches
 * an `InMemoryClusterClient`. The aliases are found at boot (from `forRoot`'s map or
 * `forRootAsync`'s result), so none has to be listed. The factory is injectable as
 * `VALKEY_CONNECTION_FACTORY` and under each `getConnectionFactoryToken(alias)`; the module
 * closes its connections on shutdown (the stored data stays). A later
 * `overrideProvider(getConnectionFactoryToken(alias))` still wins for that alias.
 *
 * @example
 * const moduleRef = await useInMemoryCaches(
 *   Test.createTestingModule({ imports: [AppModule] }),
 * ).compile();
 */
export function useInMemoryCaches<B extends ProviderOverrides<B>>(
  builder: B,
  options: InMemoryCachesOptions = {},
): B {
  const factory =
    options.factory ??
    new InMemoryConnectionFactory({
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.servers !== undefined && { servers: options.servers }),
    });
  builder.overrideProvider(VALKEY_CONNECTION_FACTORY).useValue(factory);
  // Validates the app's real config as CacheModule does, then rewrites each cache for memory.
  builder.overrideProvider(VALKEY_CACHE_CONFIGS).useFactory({
    factory: (caches: unknown) => {
      const { configs, problems } = checkLibraryCaches(caches);
      return { configs: configs.map(inMemoryCacheConfig), problems };
    },
    inject: [VALKEY_CACHES_OPTIONS],
  });
  return builder;
}
