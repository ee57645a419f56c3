import { cachesOf, type CacheSource } from '../module/cache-source.js';
import { metrics, trace } from '@opentelemetry/api';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { parseLocation } from '../config/location.js';
import { CacheInstruments } from './cache-instruments.js';
import { SpanObserver } from './span-observer.js';
import {
  checkTelemetryOptions,
  OpenTelemetryConfigError,
  settingsFor,
  unknownAliases,
  type ValkeyCacheOpenTelemetryOptions,
} from './telemetry-options.js';

/** Name of the tracer and meter (the instrumentation scope) of this export. */
export const INSTRUMENTATION_SCOPE = 'nestjs-valkey-cache';

/** Where the instrumented caches come from: a `CacheHandler` (every alias), or a list of caches. */
export type InstrumentedCaches = CacheSource;

/** What {@link instrumentCaches} set up; {@link detach} undoes it. */
export interface CacheInstrumentation {
  /** The aliases that export something. */
  readonly aliases: readonly string[];
  /** Detaches every observer and stops reporting the counters. Idempotent. */
  detach(): void;
}

/** Every password the cache's config holds, so that none reaches a span. */
function secretsOf(config: ResolvedCacheConfig): string[] {
  const found = [
    config.password,
    config.sentinelKwargs?.password,
    (config.connectionPoolKwargs as { password?: unknown }).password,
  ];
  for (const location of config.locations) {
    try {
      found.push(parseLocation(location).password);
    } catch {
      // an unparsable location never got this far
    }
  }
  return [...new Set(found.filter((s): s is string => typeof s === 'string' && s.length > 0))];
}

/**
 * Exports the calls and counters of `source`'s caches to OpenTelemetry (what
 * `ValkeyCacheOpenTelemetryModule` does at boot, for code that has no Nest module): attaches a
 * span observer to each cache and registers the counters on the meter. Throws an
 * {@link OpenTelemetryConfigError} for wrong options or a per-alias setting naming no cache.
 */
export function instrumentCaches(
  source: InstrumentedCaches,
  options: ValkeyCacheOpenTelemetryOptions = {},
): CacheInstrumentation {
  const checked = checkTelemetryOptions(options);
  const caches = cachesOf(source);
  const problems = unknownAliases(
    checked,
    caches.map((c) => c.alias),
  );
  if (problems.length > 0) throw new OpenTelemetryConfigError(problems);
  const wanted = caches.flatMap((cache) => {
    const settings = settingsFor(checked, cache.alias);
    return settings ? [{ cache, settings }] : [];
  });
  const tracer = wanted.some((w) => w.settings.traces)
    ? (checked.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE)
    : undefined;
  const instruments = wanted.some((w) => w.settings.metrics)
    ? new CacheInstruments(
        (checked.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE),
      )
    : undefined;
  const detachers: Array<() => void> = [];
  try {
    for (const { cache, settings } of wanted) {
      const observer = new SpanObserver({
        alias: cache.alias,
        tracer: settings.traces ? tracer : undefined,
        duration: settings.metrics ? instruments?.duration : undefined,
        recordKeys: settings.recordKeys,
        secrets: secretsOf(cache.config),
      });
      detachers.push(cache.metrics.attachObserver(observer));
      if (settings.metrics) instruments?.add(cache.alias, cache.metrics);
    }
  } catch (err) {
    for (const d of detachers) d();
    instruments?.dispose();
    throw err;
  }
  let attached = true;
  return {
    aliases: wanted.map((w) => w.cache.alias),
    detach: () => {
      if (!attached) return;
      attached = false;
      for (const d of detachers) d();
      instruments?.dispose();
    },
  };
}
