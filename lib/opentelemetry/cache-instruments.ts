import {
  ValueType,
  type BatchObservableCallback,
  type Histogram,
  type Meter,
  type ObservableCounter,
} from '@opentelemetry/api';
import { LATENCY_BUCKETS_MS, type CacheMetrics } from '../cache/cache-metrics.js';
import { ATTR_CACHE_ALIAS } from './span-observer.js';

type Counted = 'hits' | 'misses' | 'sets' | 'deletes' | 'errors' | 'ignoredErrors' | 'failovers';

/**
 * The counters of `cache.metrics`, as OpenTelemetry observable counters (name, field, unit,
 * description): the same counts the Prometheus export has.
 */
export const CACHE_COUNTERS: ReadonlyArray<
  readonly [name: string, field: Counted, unit: string, description: string]
> = [
  ['valkey.cache.hits', 'hits', '{key}', 'Keys found by get, getMany/mget and getOrSet.'],
  ['valkey.cache.misses', 'misses', '{key}', 'Keys not found by get, getMany/mget and getOrSet.'],
  ['valkey.cache.sets', 'sets', '{key}', 'Keys stored by set, add, setMany and mset.'],
  [
    'valkey.cache.deletes',
    'deletes',
    '{key}',
    'Keys asked to be deleted by delete, deleteMany and writes with a timeout <= 0.',
  ],
  ['valkey.cache.errors', 'errors', '{error}', 'Cache calls that failed, including ignored ones.'],
  [
    'valkey.cache.ignored_errors',
    'ignoredErrors',
    '{error}',
    'Failed cache calls that ignoreExceptions answered with a fallback.',
  ],
  [
    'valkey.cache.failovers',
    'failovers',
    '{failover}',
    'Sentinel failovers the cache saw complete.',
  ],
];

/** Name of the duration histogram (the database client convention's), in seconds. */
export const DURATION_METRIC = 'db.client.operation.duration';

/** The instruments of one export: the counters read at collection, the duration histogram. */
export class CacheInstruments {
  /** Recorded by each cache call's observer, in seconds. */
  readonly duration: Histogram;
  private readonly counters: ReadonlyArray<readonly [ObservableCounter, Counted]>;
  private readonly sources = new Map<string, CacheMetrics>();
  private readonly callback: BatchObservableCallback = (result) => {
    for (const [alias, metrics] of this.sources) {
      const attributes = { [ATTR_CACHE_ALIAS]: alias };
      for (const [counter, field] of this.counters) {
        result.observe(counter, metrics[field], attributes);
      }
    }
  };

  constructor(private readonly meter: Meter) {
    this.duration = meter.createHistogram(DURATION_METRIC, {
      description: 'Duration of cache calls, by operation.',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS.map((ms) => ms / 1000) },
    });
    this.counters = CACHE_COUNTERS.map(
      ([name, field, unit, description]) =>
        [
          meter.createObservableCounter(name, { description, unit, valueType: ValueType.INT }),
          field,
        ] as const,
    );
    meter.addBatchObservableCallback(
      this.callback,
      this.counters.map(([c]) => c),
    );
  }

  /** Reports the counters of `metrics` under `alias` from the next collection on. */
  add(alias: string, metrics: CacheMetrics): void {
    this.sources.set(alias, metrics);
  }

  /** Stops reporting every cache. */
  dispose(): void {
    this.sources.clear();
    this.meter.removeBatchObservableCallback(
      this.callback,
      this.counters.map(([c]) => c),
    );
  }
}
