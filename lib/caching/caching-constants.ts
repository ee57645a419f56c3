/** Response header telling whether a response came from the cache (`HIT`) or the handler (`MISS`). */
export const X_CACHE_HEADER = 'X-Cache';

/** Metadata key of {@link UseCache}: the cache alias of a route or controller (internal). */
export const ROUTE_CACHE_ALIAS = 'nestjs-valkey-cache:route-cache-alias';
/** Metadata key of {@link CacheRouteKey}: the key (or key factory) of a route (internal). */
export const ROUTE_CACHE_KEY = 'nestjs-valkey-cache:route-cache-key';
/** Metadata key of {@link CacheRouteTimeout}: the timeout in seconds (or factory) (internal). */
export const ROUTE_CACHE_TIMEOUT = 'nestjs-valkey-cache:route-cache-timeout';
/** Metadata key of {@link NoRouteCache}: the route or controller is never cached (internal). */
export const ROUTE_CACHE_DISABLED = 'nestjs-valkey-cache:route-cache-disabled';

/** The cache alias `@Cached` and the interceptor use when none is named. */
export const DEFAULT_CACHE_ALIAS = 'default';
