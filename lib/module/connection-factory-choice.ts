import { Inject, Injectable, Logger } from '@nestjs/common';
import { CacheError } from '../errors.js';
import {
  VALKEY_CACHE_CONFIGS,
  VALKEY_CONFIGURED_FACTORY,
  VALKEY_CONNECTION_FACTORY,
} from './tokens.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { CheckedCaches } from '../config/validate-caches.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from '../connection/connection-factory-types.js';
import type { GlobalFactory } from '../connection/resolve-global-factory.js';
import { ownFactoryOf } from '../connection/class-checks.js';
import { clientClassOf } from '../client/class-checks.js';

/**
 * The default value of each alias's `getConnectionFactoryToken(alias)` in one `CacheModule`:
 * the cache's own `options.connectionFactory` > the global `VALKEY_CONNECTION_FACTORY` when the
 * app set one > the client class's `defaultConnectionFactory`. Factories made from a class are
 * made once per class within the module (a class equal to the global factory's reuses it).
 * When a test overrode the global token but a cache's own factory still wins, logs one warning
 * naming the alias: that cache keeps connecting through its own factory. An alias whose config
 * has a problem gets `null` (the problem is reported with every other one by `CacheHandler`).
 */
@Injectable()
export class ConnectionFactoryChoice {
  private readonly configs: ReadonlyMap<string, ResolvedCacheConfig>;
  private readonly failed: ReadonlySet<string>;
  private readonly made = new Map<ConnectionFactoryClass, ValkeyConnectionFactory>();
  private readonly logger = new Logger('CacheModule');

  constructor(
    @Inject(VALKEY_CACHE_CONFIGS) checked: CheckedCaches,
    @Inject(VALKEY_CONNECTION_FACTORY) private readonly globalFactory: ValkeyConnectionFactory,
    @Inject(VALKEY_CONFIGURED_FACTORY) private readonly configured: GlobalFactory,
  ) {
    this.configs = new Map(checked.configs.map((c) => [c.alias, c]));
    this.failed = new Set(checked.problems.map((p) => p.alias));
  }

  /** The factory of the cache `alias` by the precedence rules. */
  forAlias(alias: string): ValkeyConnectionFactory | null {
    const config = this.configs.get(alias);
    if (!config && (this.failed.has(alias) || this.failed.has('*'))) return null;
    if (!config) {
      throw new CacheError(
        `no cache config for this connection factory token; configured aliases: ${[...this.configs.keys()].join(', ')}`,
        alias,
      );
    }
    const own = ownFactoryOf(config);
    if (own === undefined) {
      if (this.overridden || !this.configured.implicit) return this.globalFactory;
      return this.instanceOf(clientClassOf(config).defaultConnectionFactory);
    }
    const chosen = typeof own === 'function' ? this.instanceOf(own) : own;
    if (chosen !== this.globalFactory && this.overridden) {
      const name = typeof own === 'function' ? own.name : own.constructor.name;
      this.logger.warn(
        `caches.${alias}: VALKEY_CONNECTION_FACTORY was overridden, but this cache's own ` +
          `options.connectionFactory ('${name}') wins, so it still connects through '${name}'; ` +
          `override getConnectionFactoryToken('${alias}') to replace this cache's factory ` +
          `(or use useInMemoryCaches() from 'nestjs-valkey-cache/testing' for every cache)`,
      );
    }
    return chosen;
  }

  /** A test (or the app) replaced `VALKEY_CONNECTION_FACTORY` with a value of its own. */
  private get overridden(): boolean {
    return this.globalFactory !== this.configured.factory;
  }

  private instanceOf(cls: ConnectionFactoryClass): ValkeyConnectionFactory {
    if (this.globalFactory.constructor === cls) return this.globalFactory;
    let factory = this.made.get(cls);
    if (!factory) {
      factory = new cls();
      this.made.set(cls, factory);
    }
    return factory;
  }
}
