import { CacheArgumentError, CacheConnectionError } from '../errors.js';
import type { DefaultClient } from '../client/default-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { setOwnProperty } from '../util/own-property.js';
import { SingleFlight } from '../util/single-flight.js';
import { toCacheError } from './to-cache-error.js';
import type {
  CacheValue,
  Counter,
  IncrOptions,
  SetOptions,
  Timeout,
  VersionOption,
} from './cache-options.js';
import { ValkeyCache } from './valkey-cache.js';

/** Django's `CACHE_HERD_TIMEOUT` default, in seconds. */
export const DEFAULT_HERD_TIMEOUT_SECONDS = 60;
/** Expiry of the short lock a {@link HerdCache.getOrSet} refresh holds, in seconds. */
export const HERD_LOCK_SECONDS = 10;
/** First element of a herd envelope `[HERD_MARKER, value, expiresAtSeconds]`. */
export const HERD_MARKER = '__nestjs_valkey_cache_herd__';
const POLL_MS = 20;

const MISSING: unique symbol = Symbol('missing');

/** A stored value seen through the herd envelope. */
interface Unpacked {
  readonly value: unknown;
  /** Past its logical expiry. */
  readonly stale: boolean;
  /** `get` should report a miss so that this caller refreshes it (Django's `_is_expired`). */
  readonly refresh: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cache of a `HerdClient` (django-valkey's thundering-herd protection). A value set with a
 * timeout `t` is stored as `[HERD_MARKER, value, now + t]` with a real TTL of `t + herdTimeout`.
 * After the logical expiry `get` returns the default to a growing share of callers (Django's
 * rule: with `x` seconds past the expiry, a caller refreshes when `x + randint(1, herdTimeout)
 * >= herdTimeout`) while the others keep the stale value. `incr`/`decr` are refused.
 *
 * `getOrSet` goes further than Django: per key, one caller in this process runs the factory
 * (concurrent calls share its promise), and across processes a short lock (`SET NX PX` on
 * `<key>:herd-lock`, `HERD_LOCK_SECONDS`) lets one of them refresh while the others
 * return the stale value, or wait for the fresh one when there is none.
 */
export class HerdCache extends ValkeyCache {
  /** Seconds a value outlives its logical expiry. */
  readonly herdTimeout: number;
  /** `getOrSet` runs in progress, by full key (one per key in this process). */
  private readonly flights = new SingleFlight<unknown>();

  constructor(config: ResolvedCacheConfig, client: DefaultClient) {
    super(config, client);
    this.herdTimeout = config.herdTimeout ?? DEFAULT_HERD_TIMEOUT_SECONDS;
  }

  /** The stored payload and real timeout of `value` set for `timeout` seconds. */
  private pack(value: CacheValue, timeout: Timeout): [CacheValue, Timeout] {
    const t = timeout === undefined ? this.config.timeout : timeout;
    // No expiry, deletion, or a bad timeout (which set() reports): stored as given, as Django.
    if (typeof t !== 'number' || !(t > 0) || t === Infinity) return [value, t];
    return [[HERD_MARKER, value, Date.now() / 1000 + t], t + this.herdTimeout];
  }

  private unpack(stored: unknown): Unpacked {
    if (!Array.isArray(stored) || stored.length !== 3 || stored[0] !== HERD_MARKER) {
      return { value: stored, stale: false, refresh: false };
    }
    const [, value, expiresAt] = stored as [string, unknown, number];
    const late = Date.now() / 1000 - expiresAt;
    if (!(late > 0)) return { value, stale: false, refresh: false };
    const herd = this.herdTimeout;
    const roll = 1 + Math.floor(Math.random() * Math.max(1, Math.floor(herd)));
    return { value, stale: true, refresh: late >= herd || late + roll >= herd };
  }

  private async read(key: string, opts?: VersionOption): Promise<Unpacked | undefined> {
    const stored = await super.get<unknown, typeof MISSING>(key, MISSING, opts);
    return stored === MISSING ? undefined : this.unpack(stored);
  }

  override async set(
    key: string,
    value: CacheValue,
    timeout?: Timeout,
    opts: SetOptions = {},
  ): Promise<boolean> {
    const [payload, real] = this.pack(value, timeout);
    return super.set(key, payload, real, opts);
  }

  override get<T = unknown>(
    key: string,
    defaultValue?: null,
    opts?: VersionOption,
  ): Promise<T | null>;
  override get<T = unknown, D = T>(
    key: string,
    defaultValue: D,
    opts?: VersionOption,
  ): Promise<T | D>;
  override async get<T, D>(
    key: string,
    defaultValue: D | null = null,
    opts?: VersionOption,
  ): Promise<T | D | null> {
    const found = await this.read(key, opts);
    if (found === undefined) return defaultValue;
    if (found.refresh) {
      // read() counted a hit, but this caller is told to refresh: report the miss it sees.
      this.recountAsMisses(1);
      return defaultValue;
    }
    return found.value as T;
  }

  /** Moves `n` hits that the caller saw as misses (values it must refresh) to the misses. */
  private recountAsMisses(n: number): void {
    this.metrics.hits -= n;
    this.metrics.misses += n;
  }

  /** Values of the keys that exist; a key this caller should refresh counts as missing. */
  override async getMany<T = unknown>(
    keys: Iterable<string>,
    opts?: VersionOption,
  ): Promise<Record<string, T>> {
    const stored = await super.getMany<unknown>(keys, opts);
    const out: Record<string, T> = {};
    let refreshed = 0;
    for (const [k, v] of Object.entries(stored)) {
      const u = this.unpack(v);
      if (!u.refresh) setOwnProperty(out, k, u.value as T);
      else refreshed++;
    }
    if (refreshed > 0) this.recountAsMisses(refreshed);
    return out;
  }

  override setMany(
    data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
    timeout?: Timeout,
    opts?: VersionOption,
  ): Promise<string[]> {
    const [packed, real] = this.packAll(data, timeout);
    return super.setMany(packed, real, opts);
  }

  override mset(
    data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
    timeout?: Timeout,
    opts?: VersionOption,
  ): Promise<boolean> {
    const [packed, real] = this.packAll(data, timeout);
    return super.mset(packed, real, opts);
  }

  private packAll(
    data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
    timeout: Timeout,
  ): [Map<string, CacheValue>, Timeout] {
    const packed = new Map<string, CacheValue>();
    let real: Timeout = timeout;
    const entries = data instanceof Map ? [...data.entries()] : Object.entries(data);
    for (const [k, v] of entries as Array<[string, CacheValue]>) {
      const [payload, t] = this.pack(v, timeout);
      packed.set(k, payload);
      real = t;
    }
    return [packed, real];
  }

  /** Refused, as Django's `HerdClient` does: values are stored with their logical expiry. */
  override incr(key: string, _delta?: number | bigint, _opts?: IncrOptions): Promise<Counter> {
    return Promise.reject(
      new CacheArgumentError(
        `incr/decr of '${key}' are not supported by HerdClient (values are stored with their expiry); use DefaultClient for counters`,
        this.alias,
      ),
    );
  }

  override decr(key: string, delta: number | bigint = 1, opts: IncrOptions = {}): Promise<Counter> {
    return this.incr(key, delta, opts);
  }

  /** Stores the current value (stale or not) again for `timeout` seconds; whether it existed. */
  override async touch(key: string, timeout?: Timeout, opts?: VersionOption): Promise<boolean> {
    this.toMs(timeout); // a bad timeout fails before anything is sent
    const found = await this.read(key, opts);
    if (found === undefined) return false;
    return this.set(key, found.value, timeout, { ...opts, xx: true });
  }

  /**
   * Returns the value of `key`; when it is missing or past its logical expiry, one caller
   * computes `valueOrFactory` and stores it for `timeout` seconds. Concurrent calls for one key
   * in this process share one computation (and so its value); across processes, the caller that
   * takes the key's short lock refreshes while the others return the stale value, or, when there
   * is none, wait for the fresh one (at most until the lock expires, then one of them computes).
   */
  override getOrSet<T>(
    key: string,
    valueOrFactory: T | (() => T | Promise<T>),
    timeout?: Timeout,
    opts: VersionOption = {},
  ): Promise<T> {
    const k = this.makeKey(key, opts.version);
    return this.flights.run(k, () => this.refresh(key, valueOrFactory, timeout, opts))
      .result as Promise<T>;
  }

  private async refresh<T>(
    key: string,
    valueOrFactory: T | (() => T | Promise<T>),
    timeout: Timeout,
    opts: VersionOption,
  ): Promise<T> {
    const compute = async (): Promise<T> =>
      typeof valueOrFactory === 'function'
        ? await (valueOrFactory as () => T | Promise<T>)()
        : valueOrFactory;
    const lock = this.lock(`${key}:herd-lock`, {
      timeout: HERD_LOCK_SECONDS,
      blocking: false,
      ...(opts.version !== undefined && { version: opts.version }),
    });
    for (;;) {
      const found = await this.read(key, opts);
      if (found !== undefined && !found.stale) return found.value as T;
      let acquired: boolean;
      try {
        acquired = await lock.acquire({ blocking: false });
      } catch (err) {
        const error = toCacheError(err, this.alias);
        // Unreachable server with ignoreExceptions: compute, as ValkeyCache.getOrSet does.
        if (this.config.ignoreExceptions && error instanceof CacheConnectionError) {
          return compute();
        }
        throw error;
      }
      if (acquired) {
        try {
          // Someone may have refreshed between our read and the lock.
          const again = await this.read(key, opts);
          if (again !== undefined && !again.stale) return again.value as T;
          const value = await compute();
          await this.set(key, value, timeout, opts);
          return value;
        } finally {
          await lock.release().catch(() => undefined);
        }
      }
      if (found !== undefined) return found.value as T; // another caller refreshes it
      await sleep(POLL_MS);
    }
  }
}
