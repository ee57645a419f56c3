import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ValkeyCache } from '../cache/valkey-cache.js';
import { CacheConfigError, CacheError, type ConfigProblem } from '../errors.js';
import { VALKEY_CACHE_CONFIGS, VALKEY_CONNECTION_FACTORY } from './tokens.js';
import type { DefaultClient } from '../client/default-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
import { isImplicit } from '../connection/implicit-factory.js';

/**
 * Every cache of one `CacheModule` by alias (Django's `caches`): builds them at bootstrap,
 * choosing each cache's connection factory by precedence (the cache's `options.connectionFactory`
 * > the global `VALKEY_CONNECTION_FACTORY` when the app set one > the client class's default),
 * runs the client and factory boot checks, and closes every connection on shutdown.
 * Building a cache opens no socket: connections are made on first use.
 */
@Injectable()
export class CacheHandler implements OnApplicationShutdown {
  private readonly caches = new Map<string, ValkeyCache>();
  private readonly factories = new Map<ConnectionFactoryClass, ValkeyConnectionFactory>();
  private readonly logger = new Logger('CacheHandler');

  constructor(
    @Inject(VALKEY_CACHE_CONFIGS) configs: ResolvedCacheConfig[],
    @Inject(VALKEY_CONNECTION_FACTORY) private readonly globalFactory: ValkeyConnectionFactory,
  ) {
    const problems: ConfigProblem[] = [];
    const chosen = configs.map((config) => {
      const factory = this.factoryFor(config);
      const found = [
        ...config.clientClass.validateCacheConfig(config, factory),
        ...(hasValidate(factory) ? factory.validateCacheConfig(config) : []),
      ];
      problems.push(...found.map((p) => ({ alias: config.alias, ...p })));
      return { config, factory };
    });
    if (problems.length > 0) throw new CacheConfigError(problems);
    for (const { config, factory } of chosen) {
      const client = new config.clientClass(config, factory);
      const CacheClass = config.clientClass.cacheClass ?? ValkeyCache;
      this.caches.set(config.alias, new CacheClass(config, client));
    }
  }

  private factoryFor(config: ResolvedCacheConfig): ValkeyConnectionFactory {
    const own = config.connectionFactory;
    if (own !== undefined) return typeof own === 'function' ? this.instanceOf(own) : own;
    if (!isImplicit(this.globalFactory)) return this.globalFactory;
    return this.instanceOf(config.clientClass.defaultConnectionFactory);
  }

  private instanceOf(cls: ConnectionFactoryClass): ValkeyConnectionFactory {
    if (this.globalFactory.constructor === cls) return this.globalFactory;
    let factory = this.factories.get(cls);
    if (!factory) {
      factory = new cls();
      this.factories.set(cls, factory);
    }
    return factory;
  }

  /** The cache of `alias`; throws a {@link CacheError} naming the known aliases when absent. */
  get(alias = 'default'): ValkeyCache {
    const cache = this.caches.get(alias);
    if (!cache) {
      throw new CacheError(
        `no such cache; configured aliases: ${[...this.caches.keys()].join(', ')}`,
        alias,
      );
    }
    return cache;
  }

  /** The aliases of this module's caches. */
  aliases(): string[] {
    return [...this.caches.keys()];
  }

  /** The client of `alias` (a `SentinelClient` for Sentinel caches). */
  client(alias: string): DefaultClient {
    return this.get(alias).client;
  }

  /**
   * Closes every connection of every cache (`QUIT` with a bounded wait, then disconnect), then
   * disposes each cache's `events` emitter (its listeners are removed).
   */
  async onApplicationShutdown(): Promise<void> {
    const factories = new Set<ValkeyConnectionFactory>([
      this.globalFactory,
      ...this.factories.values(),
    ]);
    for (const cache of this.caches.values()) {
      const own = cache.config.connectionFactory;
      if (own !== undefined && typeof own !== 'function') factories.add(own);
    }
    const results = await Promise.allSettled([
      ...[...factories].map((f) => f.close?.()),
      ...[...this.caches.values()].map((c) => c.client.dispose()),
    ]);
    for (const r of results) {
      if (r.status === 'rejected')
        this.logger.warn(`closing connections failed: ${(r.reason as Error).message}`);
    }
    // After closing, so listeners still see the connections `end`; then drop the process-wide
    // hub's reference to this app.
    for (const cache of this.caches.values()) cache.events.dispose();
  }
}

function hasValidate(f: ValkeyConnectionFactory): f is ValkeyConnectionFactory & {
  validateCacheConfig(c: ResolvedCacheConfig): Array<Omit<ConfigProblem, 'alias'>>;
} {
  return typeof (f as { validateCacheConfig?: unknown }).validateCacheConfig === 'function';
}
