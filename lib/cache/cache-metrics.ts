import { performance } from 'node:perf_hooks';
import type { CallObserver } from './call-observer.js';

/** The cache calls whose latency is measured (one series per operation). */
export const CACHE_OPERATIONS = [
  'get',
  'set',
  'delete',
  'hasKey',
  'getMany',
  'setMany',
  'mset',
  'deleteMany',
  'touch',
] as const;

/** A measured cache call: see {@link CACHE_OPERATIONS}. */
export type CacheOperation = (typeof CACHE_OPERATIONS)[number];

/**
 * Upper bounds (inclusive, in **milliseconds**) of the latency histogram buckets; a last,
 * implicit bucket takes everything slower (`+Inf`).
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
]);

/** Latency of one operation, in **milliseconds**, as a read-only copy. */
export interface LatencySnapshot {
  /** Calls measured (successful or failed). */
  readonly count: number;
  /** Sum of their durations, ms. */
  readonly sumMs: number;
  /** Longest duration, ms (0 before the first call). */
  readonly maxMs: number;
  /** Mean duration, ms (0 before the first call). */
  readonly meanMs: number;
  /**
   * Calls per bucket, not cumulative: `buckets[i]` counts durations `<= LATENCY_BUCKETS_MS[i]`
   * and above the previous bound; the last entry counts those above the last bound.
   */
  readonly buckets: readonly number[];
}

/** The counters of one cache alias, as a read-only copy ({@link CacheMetrics.snapshot}). */
export interface CacheMetricsSnapshot {
  /** The cache alias these counters belong to (the `alias` label of the Prometheus export). */
  readonly alias: string;
  /** Keys found by `get`, `getMany`/`mget` and `getOrSet`. */
  readonly hits: number;
  /** Keys not found by the same calls. */
  readonly misses: number;
  /**
   * Keys stored by `set`, `add`, `setMany`, `mset` (and `getOrSet`'s `add`), on the primary or on
   * a fallback server (`replicaReadOnly: false`). A write that `nx`/`xx` prevented stores nothing
   * and counts nothing; so does a write with a timeout `<= 0` (counted in {@link deletes}).
   */
  readonly sets: number;
  /**
   * Keys asked to be deleted by `delete` and `deleteMany`, and by `set`, `setMany` and `mset`
   * with a timeout `<= 0` (which delete the keys, as Django does; `add`/`set` with `nx` and such
   * a timeout deletes nothing and counts nothing). Calls the server answered.
   */
  readonly deletes: number;
  /**
   * Calls that failed with a `CacheError`, including the ones `ignoreExceptions` swallowed
   * and a `CacheDecodeError` of a value that cannot be decoded (unless `undecodableAsMiss` reads
   * it as a miss).
   */
  readonly errors: number;
  /** The subset of {@link errors} that `ignoreExceptions` turned into a fallback value. */
  readonly ignoredErrors: number;
  /** Sentinel failovers this cache saw complete (always 0 for non-Sentinel caches). */
  readonly failovers: number;
  /** Latency per operation, ms. */
  readonly latency: Readonly<Record<CacheOperation, LatencySnapshot>>;
}

/** Running latency of one operation (preallocated; recording allocates nothing). */
class LatencyRecorder {
  count = 0;
  sumMs = 0;
  maxMs = 0;
  readonly buckets = new Float64Array(LATENCY_BUCKETS_MS.length + 1);

  record(ms: number): void {
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.buckets[i]!++;
  }

  snapshot(): LatencySnapshot {
    return {
      count: this.count,
      sumMs: this.sumMs,
      maxMs: this.maxMs,
      meanMs: this.count === 0 ? 0 : this.sumMs / this.count,
      buckets: Array.from(this.buckets),
    };
  }

  reset(): void {
    this.count = 0;
    this.sumMs = 0;
    this.maxMs = 0;
    this.buckets.fill(0);
  }
}

/**
 * Counters and latency of one cache alias (`cache.metrics`). `ValkeyCache` updates them on every
 * call at the cost of a few increments and one `performance.now()` pair; read them with
 * {@link snapshot} (or export them with `registerCacheMetrics` from
 * `nestjs-valkey-cache/prometheus`). Counters only grow until {@link reset}.
 */
export class CacheMetrics {
  /** Keys found; see {@link CacheMetricsSnapshot.hits}. */
  hits = 0;
  /** Keys not found; see {@link CacheMetricsSnapshot.misses}. */
  misses = 0;
  /** Keys written; see {@link CacheMetricsSnapshot.sets}. */
  sets = 0;
  /** Keys asked to be deleted; see {@link CacheMetricsSnapshot.deletes}. */
  deletes = 0;
  /** Failed calls; see {@link CacheMetricsSnapshot.errors}. */
  errors = 0;
  /** Failed calls answered with a fallback; see {@link CacheMetricsSnapshot.ignoredErrors}. */
  ignoredErrors = 0;
  /** Completed Sentinel failovers; see {@link CacheMetricsSnapshot.failovers}. */
  failovers = 0;
  private readonly latency: Record<CacheOperation, LatencyRecorder>;
  /**
   * The observer every call of the cache reports to (see {@link attachObserver}); `undefined`
   * when none is attached, which is what the hot path checks (a plain field: no getter call).
   */
  readonly observer: CallObserver | undefined = undefined;

  constructor(
    /** The cache alias these counters belong to. */
    readonly alias: string,
  ) {
    const latency = {} as Record<CacheOperation, LatencyRecorder>;
    for (const op of CACHE_OPERATIONS) latency[op] = new LatencyRecorder();
    this.latency = latency;
  }

  /**
   * Attaches `observer` to every call of this cache (one at a time: the OpenTelemetry export
   * of `nestjs-valkey-cache/opentelemetry` is one). Returns the function that detaches it.
   * Throws when another observer is attached.
   */
  attachObserver(observer: CallObserver): () => void {
    if (this.observer !== undefined && this.observer !== observer) {
      throw new Error(
        `cache '${this.alias}': another call observer is attached; detach it first (e.g. a ` +
          'second OpenTelemetry module for the same cache)',
      );
    }
    const self = this as { observer: CallObserver | undefined };
    self.observer = observer;
    return () => {
      if (self.observer === observer) self.observer = undefined;
    };
  }

  /** The current time for {@link observe}, in ms (`performance.now()`). */
  static now(): number {
    return performance.now();
  }

  /** Records one call of `op` that started at `startMs` (a {@link CacheMetrics.now} reading). */
  observe(op: CacheOperation, startMs: number): void {
    this.latency[op].record(performance.now() - startMs);
  }

  /** Records one call of `op` that took `durationMs` milliseconds. */
  observeDuration(op: CacheOperation, durationMs: number): void {
    this.latency[op].record(durationMs);
  }

  /** A consistent read-only copy of every counter. */
  snapshot(): CacheMetricsSnapshot {
    const latency = {} as Record<CacheOperation, LatencySnapshot>;
    for (const op of CACHE_OPERATIONS) latency[op] = this.latency[op].snapshot();
    return {
      alias: this.alias,
      hits: this.hits,
      misses: this.misses,
      sets: this.sets,
      deletes: this.deletes,
      errors: this.errors,
      ignoredErrors: this.ignoredErrors,
      failovers: this.failovers,
      latency,
    };
  }

  /** Sets every counter back to 0. */
  reset(): void {
    this.hits = 0;
    this.misses = 0;
    this.sets = 0;
    this.deletes = 0;
    this.errors = 0;
    this.ignoredErrors = 0;
    this.failovers = 0;
    for (const op of CACHE_OPERATIONS) this.latency[op].reset();
  }
}
