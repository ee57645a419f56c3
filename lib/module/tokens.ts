/**
 * The global connection factory (django-valkey's `DJANGO_VALKEY_CONNECTION_FACTORY`). Override it
 * in tests (`overrideProvider(VALKEY_CONNECTION_FACTORY)`) to run an app without a server.
 */
export const VALKEY_CONNECTION_FACTORY = Symbol.for(
  'nestjs-valkey-cache:VALKEY_CONNECTION_FACTORY',
);

/** The validated configs of every cache of the module (internal). */
export const VALKEY_CACHE_CONFIGS = Symbol.for('nestjs-valkey-cache:VALKEY_CACHE_CONFIGS');

/** The raw caches map given to `forRoot`/`forRootAsync` (internal). */
export const VALKEY_CACHES_OPTIONS = Symbol.for('nestjs-valkey-cache:VALKEY_CACHES_OPTIONS');

/** Injection token of the `ValkeyCache` of `alias`. */
export function getCacheToken(alias = 'default'): string {
  return `nestjs-valkey-cache:cache:${alias}`;
}

/** Injection token of the `SentinelClient` of the Sentinel cache `alias`. */
export function getSentinelClientToken(alias = 'default'): string {
  return `nestjs-valkey-cache:sentinel-client:${alias}`;
}
