import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { CacheConfigError, CacheError, type ConfigProblem } from '../errors.js';
import {
  VALKEY_ALIAS_FACTORIES,
  VALKEY_CACHE_CONFIGS,
  VALKEY_CONNECTION_FACTORY,
} from './tokens.js';
import { clientClassOf } from '../client/class-checks.js';
import { cacheClassFor } from './cache-class.js';
import type { DefaultClient } from '../client/default-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { warnSuspiciousTimeouts, type CheckedCaches } from '../config/validate-caches.js';
import type { ValkeyConnectionFactory } from '../connection/connection-factory-types.js';

/**
 * Every cache of one `CacheModule` by alias (Django's `caches`): builds them at bootstrap, each
 * with the connection factory injected under its `getConnectionFactoryToken(alias)` (by default
 * the one the precedence rules choose, see `ConnectionFactoryChoice`), adds the client and
 * factory rules of each cache to the problems the config pipeline found and reports them all in
 * one `CacheConfigError`, and closes every connection on shutdown.
 * Building a cache opens no socket: connections are made on first use.
 */
@Injectable()
export class CacheHandler implements OnApplicationShutdown {
  private readonly caches = new Map<string, ValkeyCache>();
  private readonly factories = new Set<ValkeyConnectionFactory>();
  private readonly logger = new Logger('CacheHandler');

  constructor(
    @Inject(VALKEY_CACHE_CONFIGS) checked: CheckedCaches,
    @Inject(VALKEY_ALIAS_FACTORIES) byAlias: ReadonlyMap<string, ValkeyConnectionFactory>,
    @Inject(VALKEY_CONNECTION_FACTORY) globalFactory: ValkeyConnectionFactory,
  ) {
    const problems: ConfigProblem[] = [...checked.problems];
    const chosen = checked.configs.map((config) => {
      const factory = byAlias.get(config.alias);
      if (!factory) {
        throw new CacheError(
          `no connection factory under getConnectionFactoryToken('${config.alias}')`,
          config.alias,
        );
      }
      const clientClass = clientClassOf(config);
      const found = [
        ...clientClass.validateCacheConfig(config, factory),
        ...(hasValidate(factory) ? factory.validateCacheConfig(config) : []),
      ];
      problems.push(...found.map((p) => ({ alias: config.alias, ...p })));
      return { config, factory, clientClass };
    });
    if (problems.length > 0) throw new CacheConfigError(problems);
    warnSuspiciousTimeouts(checked.configs);
    // Closed on shutdown, whoever made them (an overriding value included).
    this.factories.add(globalFactory);
    for (const { config, factory, clientClass } of chosen) {
      this.factories.add(factory);
      const client = new clientClass(config, factory);
      const CacheClass = cacheClassFor(clientClass);
      this.caches.set(config.alias, new CacheClass(config, client));
    }
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
    const factories = [...this.factories];
    const results = await Promise.allSettled([
      ...factories.map((f) => f.close?.()),
      ...[...this.caches.values()].map((c) => c.client.dispose()),
    ]);
    for (const r of results) {
      if (r.status === 'rejected')
        this.logger.warn(`closing connections failed: ${(r.reason as Error).message}`);
    }
    // After closing, so listeners still see the connections `end`; then unsubscribe from the
    // factories' connection reports (a factory given as a value may outlive this app).
    for (const cache of this.caches.values()) cache.events.dispose();
  }
}

function hasValidate(f: ValkeyConnectionFactory): f is ValkeyConnectionFactory & {
  validateCacheConfig(c: ResolvedCacheConfig): Array<Omit<ConfigProblem, 'alias'>>;
} {
  return typeof (f as { validateCacheConfig?: unknown }).validateCacheConfig === 'function';
}
