import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import type { Timeout } from '../cache/cache-options.js';
import {
  ROUTE_CACHE_ALIAS,
  ROUTE_CACHE_DISABLED,
  ROUTE_CACHE_KEY,
  ROUTE_CACHE_TIMEOUT,
} from './caching-constants.js';

/** Builds the cache key of a request; `undefined` leaves that request uncached. */
export type RouteKeyFactory = (context: ExecutionContext) => string | undefined;

/** Gives the timeout of a request in seconds (`null` never expires, `undefined` the default). */
export type RouteTimeoutFactory = (context: ExecutionContext) => Timeout;

/**
 * Names the cache alias {@link CacheInterceptor} uses for a route, or for every route of a
 * controller (a route's own `@UseCache` wins). Default `'default'`. An alias that no
 * `CacheModule` of the application configures fails the application's boot.
 */
export const UseCache = (alias: string): CustomDecorator<string> =>
  SetMetadata(ROUTE_CACHE_ALIAS, alias);

/**
 * The cache key of a route for {@link CacheInterceptor} (before the cache's `keyPrefix` and
 * `version`), instead of the request URL: a fixed string (one entry for every request of the
 * route, whatever its query) or a function of the request's `ExecutionContext` (returning
 * `undefined` leaves that request uncached). Unlike `@nestjs/cache-manager`'s `@CacheKey`, it
 * never makes a non-GET request cacheable.
 */
export const CacheRouteKey = (key: string | RouteKeyFactory): CustomDecorator<string> =>
  SetMetadata(ROUTE_CACHE_KEY, key);

/**
 * How long {@link CacheInterceptor} keeps a route's responses, in **seconds** (fractions
 * allowed; `null` never expires), or a function of the request's `ExecutionContext` giving it.
 * On a controller it applies to every route without its own. Default: the cache's `timeout`.
 * (`@nestjs/cache-manager`'s `@CacheTTL` takes milliseconds.)
 */
export const CacheRouteTimeout = (
  seconds: number | null | RouteTimeoutFactory,
): CustomDecorator<string> => SetMetadata(ROUTE_CACHE_TIMEOUT, seconds);

/**
 * Leaves a route (or every route of a controller) uncached even when {@link CacheInterceptor}
 * applies to it, e.g. globally through `APP_INTERCEPTOR`.
 */
export const NoRouteCache = (): CustomDecorator<string> => SetMetadata(ROUTE_CACHE_DISABLED, true);
