import type { Valkey } from 'iovalkey';
import { CacheArgumentError } from '../../errors.js';
import type { EarlyRecompute } from '../../config/cache-config.js';
import { SingleFlight } from '../../util/single-flight.js';
import { CacheCore, MISSING } from '../cache-core.js';
import type { VersionOption } from '../cache-options.js';

/** Suffix of the key holding a value's measured compute time (ms), next to the value's key. */
export const DELTA_KEY_SUFFIX = ':xfetch-delta';

/** Options of {@link ValkeyCache.getOrSet}. */
export interface GetOrSetOptions extends VersionOption {
  /**
   * Early recomputation (XFetch) for this call: `{ beta }` (a number > 0) turns it on or changes
   * `beta`, `false` turns it off; omitted: the cache's `options.earlyRecompute`.
   */
  earlyRecompute?: EarlyRecompute | false;
}

/** What one read of an early-recompute `getOrSet` found. */
interface Seen {
  /** The decoded value, or `MISSING`. */
  readonly value: unknown;
  /** The compute time measured when the value was stored, in ms; `0` when unknown. */
  readonly delta: number;
  /** When the value expires (the writer's clock, ms since the epoch); `0` when unknown. */
  readonly expiresAt: number;
}

/** The delta key's payload: `<delta ms>:<expiry, ms since the epoch>`. */
function deltaPayload(deltaMs: number, expiresAt: number): string {
  return `${Math.max(1, Math.ceil(deltaMs))}:${Math.round(expiresAt)}`;
}

/** The compute time and expiry a delta key holds; zeros for anything else. */
function parseDelta(raw: Buffer | null | undefined): { delta: number; expiresAt: number } {
  const text = raw?.toString('latin1') ?? '';
  const colon = text.indexOf(':');
  const delta = Number(text.slice(0, colon));
  const expiresAt = Number(text.slice(colon + 1));
  return colon > 0 && delta > 0 && expiresAt > 0
    ? { delta, expiresAt }
    : { delta: 0, expiresAt: 0 };
}

/**
 * Early recomputation for `getOrSet` (XFetch, Vattani, Chierichetti and Lowenstein, VLDB 2015):
 * on a hit, a caller recomputes the value when `-delta * beta * ln(random) >= remaining TTL`, so
 * the probability grows as the expiry nears and a hot key is refreshed before it expires.
 *
 * Storage: the value stays a plain value under its key (a Django process reads it as usual). Next
 * to it, under the key built from `key + ':xfetch-delta'` and with the same expiry, the writer
 * stores `<delta ms>:<expiry ms since the epoch>` in ASCII. A hit reads both with one `MGET`
 * (two `GET`s in parallel when the keys live on different shards or cluster slots), so it costs
 * one command, not the three of `GET` + `PTTL` + `GET`. The expiry is the writer's clock, so
 * clock skew between hosts shifts the refresh by that much. A value without a delta key (written
 * by `set`, by Django, by a `getOrSet` without early recomputation, or whose delta key was lost
 * to a `touch` or `expire` of the value alone) is never recomputed early: it expires as usual
 * and gets a delta key when it is next computed.
 *
 * In this process, per key, one caller at a time recomputes (single flight): callers that would
 * recompute while it runs return the current value, and callers that find no value wait for the
 * one run instead of each running the factory. The recomputing caller waits for its factory and
 * returns the fresh value; when that factory throws, it logs a warning and returns the current
 * (still valid) value.
 */
export class EarlyRecomputeCommands extends CacheCore {
  /** Runs of `getOrSet` factories in progress with early recomputation, by full key. */
  private readonly recomputing = new SingleFlight<unknown>();

  /**
   * The early-recompute settings a `getOrSet` call uses: its own, else the cache's; `undefined`
   * when off. Throws {@link CacheArgumentError} for an invalid per-call `beta`.
   */
  protected earlyRecomputeOf(opts: GetOrSetOptions): EarlyRecompute | undefined {
    const own = opts.earlyRecompute;
    if (own === undefined) return this.config.earlyRecompute;
    if (own === false) return undefined;
    const beta = (own as { beta?: unknown } | null)?.beta;
    if (typeof beta !== 'number' || !Number.isFinite(beta) || !(beta > 0)) {
      throw new CacheArgumentError(
        `earlyRecompute.beta must be a finite number > 0, got ${String(beta)}`,
        this.alias,
      );
    }
    return own;
  }

  /** `getOrSet` with early recomputation, for a value stored `ms` (> 0) milliseconds. */
  protected async getOrSetEarly<T>(
    key: string,
    valueOrFactory: T | (() => T | Promise<T>),
    ms: number,
    opts: GetOrSetOptions,
    beta: number,
  ): Promise<T> {
    const k = this.makeKey(key, opts.version);
    const kd = this.makeKey(key + DELTA_KEY_SUFFIX, opts.version);
    let seen: Seen | undefined;
    const t0 = performance.now();
    try {
      seen = await this.readWithDelta(k, kd);
    } catch (err) {
      this.metrics.observe('get', t0);
      this.fail(err, undefined);
    }
    if (seen === undefined) return this.compute(valueOrFactory).then((r) => r.value);
    this.metrics.observe('get', t0);
    if (seen.value !== MISSING) {
      this.metrics.hits++;
      // No delta key: never early.
      if (seen.delta === 0) return seen.value as T;
      const remaining = seen.expiresAt - Date.now();
      if (-seen.delta * beta * Math.log(1 - Math.random()) < remaining) return seen.value as T;
      const { result, leader } = this.recomputing.run(k, () =>
        this.computeAndStore(k, kd, valueOrFactory, ms, false),
      );
      if (!leader) return seen.value as T;
      try {
        return (await result) as T;
      } catch (err) {
        this.logger.warn(
          `early recompute of '${k}' failed, returning the current value: ${(err as Error).message}`,
        );
        return seen.value as T;
      }
    }
    this.metrics.misses++;
    const { result } = this.recomputing.run(k, () =>
      this.computeAndStore(k, kd, valueOrFactory, ms, true),
    );
    return (await result) as T;
  }

  /** The value and its delta key, in one `MGET` when they live together. */
  private async readWithDelta(k: string, kd: string): Promise<Seen> {
    const [raw, rawDelta] = await this.mgetAll([k, kd]);
    const value = raw === null || raw === undefined ? MISSING : this.decode(raw, k, MISSING);
    return { value, ...parseDelta(rawDelta) };
  }

  /** Runs the factory (or takes the value) and measures how long it took, in ms. */
  private async compute<T>(
    valueOrFactory: T | (() => T | Promise<T>),
  ): Promise<{ value: T; delta: number }> {
    const t0 = performance.now();
    const value =
      typeof valueOrFactory === 'function'
        ? await (valueOrFactory as () => T | Promise<T>)()
        : valueOrFactory;
    return { value, delta: performance.now() - t0 };
  }

  /**
   * Computes the value and stores it with its compute time for `ms`. `missing`: the key was
   * absent, so the value is added (`SET NX`) and, when another writer was first, what the cache
   * holds is returned, as `getOrSet` without early recomputation does. Otherwise it overwrites.
   */
  private async computeAndStore<T>(
    k: string,
    kd: string,
    valueOrFactory: T | (() => T | Promise<T>),
    ms: number,
    missing: boolean,
  ): Promise<unknown> {
    const { value, delta } = await this.compute(valueOrFactory);
    const payload = this.encode(value);
    const deltaMs = deltaPayload(delta, Date.now() + ms);
    const t0 = performance.now();
    try {
      const client: Valkey = this.client.clientFor(k, true);
      const [reply] = await Promise.all([
        missing ? client.set(k, payload, 'PX', ms, 'NX') : client.set(k, payload, 'PX', ms),
        this.client.clientFor(kd, true).set(kd, deltaMs, 'PX', ms),
      ]);
      this.metrics.observe('set', t0);
      if (reply === 'OK') {
        this.metrics.sets++;
        return value;
      }
      const again = await this.getRaw(k);
      return again === MISSING ? value : again;
    } catch (err) {
      this.metrics.observe('set', t0);
      return this.fail(err, value);
    }
  }
}
