/**
 * Prometheus export of the cache metrics (`nestjs-valkey-cache/prometheus`; needs the optional
 * peer `prom-client`).
 */
import { cachesOf, type CacheSource } from '../module/cache-source.js';
import { Counter, register as globalRegistry, type Metric, type Registry } from 'prom-client';
import {
  CACHE_OPERATIONS,
  LATENCY_BUCKETS_MS,
  type CacheMetricsSnapshot,
} from '../cache/cache-metrics.js';

/** Where the exported caches come from: a `CacheHandler` (every alias), or a list of caches. */
export type CacheMetricsSource = CacheSource;

/** Options of {@link registerCacheMetrics}. */
export interface PrometheusCacheMetricsOptions {
  /** The registry to register on (default: prom-client's global `register`). */
  registry?: Registry;
  /** Prefix of every metric name (default `valkey_cache_`). */
  prefix?: string;
}

/** What {@link registerCacheMetrics} registered. */
export interface RegisteredCacheMetrics {
  /** The metric names, prefix included. */
  readonly names: readonly string[];
  /** Removes them from the registry. */
  unregister(): void;
}

/** Default prefix of the metric names. */
export const DEFAULT_METRICS_PREFIX = 'valkey_cache_';

const COUNTERS: ReadonlyArray<
  readonly [keyof Omit<CacheMetricsSnapshot, 'alias' | 'latency'>, string, string]
> = [
  ['hits', 'hits_total', 'Keys found by get, getMany/mget and getOrSet.'],
  ['misses', 'misses_total', 'Keys not found by get, getMany/mget and getOrSet.'],
  ['sets', 'sets_total', 'Keys stored by set, add, setMany and mset.'],
  [
    'deletes',
    'deletes_total',
    'Keys asked to be deleted by delete, deleteMany and writes with a timeout <= 0.',
  ],
  ['errors', 'errors_total', 'Cache calls that failed, including ignored ones.'],
  [
    'ignoredErrors',
    'ignored_errors_total',
    'Failed cache calls that ignoreExceptions answered with a fallback.',
  ],
  ['failovers', 'failovers_total', 'Sentinel failovers the cache saw complete.'],
];

function snapshotsOf(source: CacheMetricsSource): CacheMetricsSnapshot[] {
  return cachesOf(source).map((c) => c.metrics.snapshot());
}

/**
 * Registers collectors of the caches' metrics on `registry` (default: prom-client's global one):
 * one counter per count (`valkey_cache_hits_total`, `…_misses_total`, `…_sets_total`,
 * `…_deletes_total`, `…_errors_total`, `…_ignored_errors_total`, `…_failovers_total`) labelled
 * `alias`, and the histogram `valkey_cache_operation_duration_seconds` labelled `alias` and
 * `operation`. Values are read from `cache.metrics` when the registry is scraped; labels never
 * carry a URL or a password.
 *
 * Throws (registering nothing) when the registry already has one of these names, e.g. when called
 * twice with the same registry and prefix.
 *
 * @example
 * const registry = new Registry();
 * registerCacheMetrics(app.get(CacheHandler), { registry });
 * // GET /metrics -> await registry.metrics()
 */
export function registerCacheMetrics(
  source: CacheMetricsSource,
  options: PrometheusCacheMetricsOptions = {},
): RegisteredCacheMetrics {
  const registry = options.registry ?? globalRegistry;
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  const histogramName = `${prefix}operation_duration_seconds`;
  const wanted = [...COUNTERS.map(([, suffix]) => `${prefix}${suffix}`), histogramName];
  const taken = wanted.filter((n) => registry.getSingleMetric(n) !== undefined);
  if (taken.length > 0) {
    // Checked before registering anything, so a refused call leaves the registry as it was.
    throw new Error(
      `registerCacheMetrics: the registry already has ${taken.join(', ')}; call unregister() ` +
        'on the earlier registration, or give this one another prefix',
    );
  }
  const names: string[] = [];
  for (const [field, suffix, help] of COUNTERS) {
    const name = `${prefix}${suffix}`;
    new Counter({
      name,
      help,
      labelNames: ['alias'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of snapshotsOf(source)) this.inc({ alias: s.alias }, s[field]);
      },
    });
    names.push(name);
  }
  const histogram = latencyHistogram(histogramName, source);
  registry.registerMetric(histogram as unknown as Metric);
  names.push(histogram.name);
  return {
    names,
    unregister: () => {
      for (const n of names) registry.removeSingleMetric(n);
    },
  };
}

/** A histogram built from the caches' own buckets (prom-client's cannot be filled from outside). */
function latencyHistogram(name: string, source: CacheMetricsSource) {
  const bounds = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);
  return {
    name,
    help: 'Duration of cache calls in seconds, by operation.',
    type: 'histogram',
    aggregator: 'sum',
    reset(): void {},
    get() {
      const values: Array<{
        labels: Record<string, string | number>;
        value: number;
        metricName: string;
      }> = [];
      for (const s of snapshotsOf(source)) {
        for (const operation of CACHE_OPERATIONS) {
          const l = s.latency[operation];
          const labels = { alias: s.alias, operation };
          let cumulative = 0;
          bounds.forEach((le, i) => {
            cumulative += l.buckets[i]!;
            values.push({
              labels: { ...labels, le },
              value: cumulative,
              metricName: `${name}_bucket`,
            });
          });
          values.push({
            labels: { ...labels, le: '+Inf' },
            value: l.count,
            metricName: `${name}_bucket`,
          });
          values.push({ labels, value: l.sumMs / 1000, metricName: `${name}_sum` });
          values.push({ labels, value: l.count, metricName: `${name}_count` });
        }
      }
      return { name, help: this.help, type: this.type, aggregator: this.aggregator, values };
    },
  };
}
