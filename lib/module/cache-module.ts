import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CacheHandler } from './cache-handler.js';
import { CacheConfigError } from '../errors.js';
import type {
  CacheModuleAsyncOptions,
  CacheModuleOptions,
  CachesConfig,
  CachesConfigFactory,
} from '../config/cache-config.js';
import {
  getCacheToken,
  getConnectionFactoryToken,
  getSentinelClientToken,
  VALKEY_ALIAS_FACTORIES,
  VALKEY_CACHE_CONFIGS,
  VALKEY_CONFIGURED_FACTORY,
  VALKEY_CACHES_OPTIONS,
  VALKEY_CONNECTION_FACTORY,
} from './tokens.js';
import { checkLibraryCaches } from './resolve-caches.js';
import { resolveGlobalFactory, type GlobalFactory } from '../connection/resolve-global-factory.js';
import type { ValkeyConnectionFactory } from '../connection/connection-factory-types.js';
import { ConnectionFactoryChoice } from './connection-factory-choice.js';

/** Imports and providers a subclass adds to every module it builds. */
export type CacheModuleExtension = Pick<DynamicModule, 'imports' | 'providers'>;

/**
 * The Nest face of the module: one injectable `ValkeyCache` per alias of a Django-style `CACHES`
 * map, a global connection factory (`VALKEY_CONNECTION_FACTORY`) that each cache may override,
 * the connection factory each cache is built with (`getConnectionFactoryToken(alias)`), and the
 * `SentinelClient` of each Sentinel cache. Configs are validated at bootstrap; no
 * connection is opened before a cache is first used. The package exports the subclass of
 * lib/caching, which adds the `@Cached` / `@UseCache` binder through {@link extension}.
 */
@Module({})
export class BaseCacheModule {
  /**
   * Registers the caches of `caches` (alias -> config).
   * @example
   * CacheModule.forRoot({ default: { location: 'valkey://127.0.0.1:6379/1', timeout: 300 } })
   */
  static forRoot(caches: CachesConfig, moduleOptions: CacheModuleOptions = {}): DynamicModule {
    return this.build(
      Object.keys(caches),
      { provide: VALKEY_CACHES_OPTIONS, useValue: caches },
      moduleOptions,
      [],
    );
  }

  /**
   * Registers caches whose config comes from other providers (e.g. `ConfigService`). The
   * aliases are declared up front so each gets its token; boot fails when the factory's result
   * does not have exactly those aliases.
   */
  static forRootAsync(options: CacheModuleAsyncOptions): DynamicModule {
    const declared = [...options.aliases];
    const check = (caches: CachesConfig): CachesConfig => {
      const got = Object.keys(caches ?? {});
      const missing = declared.filter((a) => !got.includes(a));
      const extra = got.filter((a) => !declared.includes(a));
      if (missing.length || extra.length) {
        throw new CacheConfigError([
          ...missing.map((alias) => ({
            alias,
            path: '',
            message: 'declared in forRootAsync({ aliases }) but missing from the factory result',
          })),
          ...extra.map((alias) => ({
            alias,
            path: '',
            message: `returned by the factory but not declared in forRootAsync({ aliases }) (declared: ${declared.join(', ')})`,
          })),
        ]);
      }
      return caches;
    };
    const extraProviders: Provider[] = [];
    let cachesProvider: Provider;
    if (options.useFactory) {
      const useFactory = options.useFactory as (
        ...args: unknown[]
      ) => CachesConfig | Promise<CachesConfig>;
      cachesProvider = {
        provide: VALKEY_CACHES_OPTIONS,
        useFactory: async (...args: unknown[]) => check(await useFactory(...args)),
        inject: options.inject ?? [],
      };
    } else {
      const cls = options.useClass ?? options.useExisting;
      if (!cls)
        throw new Error('CacheModule.forRootAsync() needs useFactory, useClass or useExisting');
      if (options.useClass)
        extraProviders.push({ provide: options.useClass, useClass: options.useClass });
      cachesProvider = {
        provide: VALKEY_CACHES_OPTIONS,
        useFactory: async (f: CachesConfigFactory) => check(await f.createCachesConfig()),
        inject: [cls],
      };
    }
    return this.build(declared, cachesProvider, options, options.imports ?? [], extraProviders);
  }

  /** Imports and providers every module of this class adds: none here; subclasses add theirs. */
  protected static extension(): CacheModuleExtension {
    return {};
  }

  private static build(
    aliases: readonly string[],
    cachesProvider: Provider,
    moduleOptions: CacheModuleOptions,
    imports: NonNullable<DynamicModule['imports']>,
    extraProviders: Provider[] = [],
  ): DynamicModule {
    const extension = this.extension();
    const perAlias: Provider[] = aliases.flatMap((alias) => [
      {
        provide: getConnectionFactoryToken(alias),
        useFactory: (choice: ConnectionFactoryChoice) => choice.forAlias(alias),
        inject: [ConnectionFactoryChoice],
      },
      {
        provide: getCacheToken(alias),
        useFactory: (h: CacheHandler) => h.get(alias),
        inject: [CacheHandler],
      },
      {
        provide: getSentinelClientToken(alias),
        useFactory: (h: CacheHandler) => {
          const client = h.client(alias);
          return client.isSentinel ? client : null;
        },
        inject: [CacheHandler],
      },
    ]);
    const providers: Provider[] = [
      cachesProvider,
      ...extraProviders,
      {
        provide: VALKEY_CACHE_CONFIGS,
        useFactory: checkLibraryCaches,
        inject: [VALKEY_CACHES_OPTIONS],
      },
      {
        provide: VALKEY_CONFIGURED_FACTORY,
        useFactory: () => resolveGlobalFactory(moduleOptions.connectionFactory),
      },
      {
        provide: VALKEY_CONNECTION_FACTORY,
        useFactory: (configured: GlobalFactory) => configured.factory,
        inject: [VALKEY_CONFIGURED_FACTORY],
      },
      ConnectionFactoryChoice,
      {
        provide: VALKEY_ALIAS_FACTORIES,
        useFactory: (...factories: Array<ValkeyConnectionFactory | null>) =>
          new Map(
            aliases.flatMap((alias, i) => {
              const factory = factories[i];
              return factory ? [[alias, factory] as const] : [];
            }),
          ),
        inject: aliases.map((alias) => getConnectionFactoryToken(alias)),
      },
      CacheHandler,
      ...(extension.providers ?? []),
      ...perAlias,
    ];
    return {
      module: this,
      global: moduleOptions.isGlobal ?? false,
      imports: [...(extension.imports ?? []), ...imports],
      providers,
      exports: [
        VALKEY_CONNECTION_FACTORY,
        CacheHandler,
        ...perAlias.map((p) => (p as { provide: string }).provide),
      ],
    };
  }
}
