/**
 * The global connection factory (django-valkey's `DJANGO_VALKEY_CONNECTION_FACTORY`): used by
 * every cache that names no `options.connectionFactory` of its own. Overriding it in tests
 * reaches only those caches; {@link getConnectionFactoryToken} reaches one cache whatever it names.
 */
export const VALKEY_CONNECTION_FACTORY = Symbol.for(
  'nestjs-valkey-cache:VALKEY_CONNECTION_FACTORY',
);

/** What the module made of its `connectionFactory` option, a `GlobalFactory` (internal). */
export const VALKEY_CONFIGURED_FACTORY = Symbol.for(
  'nestjs-valkey-cache:VALKEY_CONFIGURED_FACTORY',
);

/** The checked caches of the module, a `CheckedCaches`: configs and problems (internal). */
export const VALKEY_CACHE_CONFIGS = Symbol.for('nestjs-valkey-cache:VALKEY_CACHE_CONFIGS');

/** The raw caches map given to `forRoot`/`forRootAsync` (internal). */
export const VALKEY_CACHES_OPTIONS = Symbol.for('nestjs-valkey-cache:VALKEY_CACHES_OPTIONS');

/**
 * The connection factory of every alias whose config passed, as a `Map` (internal; built from
 * the per-alias tokens).
 */
export const VALKEY_ALIAS_FACTORIES = Symbol.for('nestjs-valkey-cache:VALKEY_ALIAS_FACTORIES');

/** Injection token of the `ValkeyCache` of `alias`. */
export function getCacheToken(alias = 'default'): string {
  return `nestjs-valkey-cache:cache:${alias}`;
}

/** Injection token of the `SentinelClient` of the Sentinel cache `alias`. */
export function getSentinelClientToken(alias = 'default'): string {
  return `nestjs-valkey-cache:sentinel-client:${alias}`;
}

/**
 * Injection token of the connection factory the cache `alias` is built with: by default the one
 * the precedence rules choose (its own `options.connectionFactory` > the global
 * `VALKEY_CONNECTION_FACTORY` when the app set one > its client class's default). Override it
 * (`overrideProvider(getConnectionFactoryToken('sessions'))`) to replace that cache's factory
 * whatever its config names. A plain string, so two copies of the package agree on it.
 */
export function getConnectionFactoryToken(alias = 'default'): string {
  return `nestjs-valkey-cache:connection-factory:${alias}`;
}
