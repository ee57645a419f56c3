/**
 * OpenTelemetry export of the caches' calls and counters (`nestjs-valkey-cache/opentelemetry`;
 * needs the optional peer `@opentelemetry/api`).
 */
export {
  CacheTelemetry,
  ValkeyCacheOpenTelemetryModule,
  type ValkeyCacheOpenTelemetryAsyncOptions,
  VALKEY_OPENTELEMETRY_OPTIONS,
} from './opentelemetry-module.js';
export {
  instrumentCaches,
  INSTRUMENTATION_SCOPE,
  type CacheInstrumentation,
  type InstrumentedCaches,
} from './instrument-caches.js';
export {
  OpenTelemetryConfigError,
  type CacheTelemetryOptions,
  type TelemetryOptionProblem,
  type ValkeyCacheOpenTelemetryOptions,
} from './telemetry-options.js';
export {
  ATTR_CACHE_ALIAS,
  ATTR_CACHE_HIT,
  ATTR_CACHE_HITS,
  ATTR_CACHE_KEY,
  ATTR_CACHE_KEYS,
  ATTR_CACHE_MISSES,
  ATTR_ERROR_IGNORED,
  MAX_RECORDED_KEYS,
} from './span-observer.js';
export { CACHE_COUNTERS, DURATION_METRIC } from './cache-instruments.js';
