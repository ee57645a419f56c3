// nestjs-valkey-cache/caching: cache a method's result (@Cached) or an HTTP response (the interceptor).
export { Cached, type CachedMethod, type CachedOptions } from './cached-decorator.js';
export { CacheInterceptor, type CacheStatus } from './cache-interceptor.js';
export {
  CacheRouteKey,
  CacheRouteTimeout,
  NoRouteCache,
  UseCache,
  type RouteKeyFactory,
  type RouteTimeoutFactory,
} from './cache-route-decorators.js';
export { X_CACHE_HEADER } from './caching-constants.js';
