/**
 * `nestjs-valkey-cache/throttler`: a `@nestjs/throttler` (v6) storage over a named cache, so
 * every instance of an application shares its rate limits.
 *
 * Only types are imported from `@nestjs/throttler`.
 */
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { toCacheError } from '../cache/to-cache-error.js';
import { ceilSeconds } from './adapter-time.js';
import { THROTTLER_INCREMENT } from './throttler-script.js';

/** Options of {@link ValkeyThrottlerStorage}. */
export interface ValkeyThrottlerStorageOptions {
  /**
   * First part of the counter keys (before the cache's own prefix and version); default
   * `'throttler'`. Two applications that must not share limits need different prefixes (or
   * different cache prefixes).
   */
  prefix?: string;
}

/**
 * What {@link ValkeyThrottlerStorage.increment} returns: `@nestjs/throttler`'s
 * `ThrottlerStorageRecord`, with its units.
 */
export interface ValkeyThrottlerRecord {
  /** Hits counted in the current window (while blocked: the count that caused the block). */
  totalHits: number;
  /** **Seconds** (rounded up) until the current window ends and the count restarts. */
  timeToExpire: number;
  /** Whether this request is refused. */
  isBlocked: boolean;
  /** **Seconds** (rounded up) until the block ends; `0` when not blocked. */
  timeToBlockExpire: number;
}

/**
 * A `@nestjs/throttler` v6 `ThrottlerStorage` on one {@link ValkeyCache} alias (standalone,
 * Sentinel, shard or cluster): a fixed window counted on the server by one Lua script per
 * request (atomic, one round trip), so any number of application instances share the limits.
 *
 * ```ts
 * ThrottlerModule.forRootAsync({
 *   inject: [getCacheToken('default')],
 *   useFactory: (cache: ValkeyCache) => ({
 *     throttlers: [{ ttl: 60_000, limit: 100 }], // ttl in milliseconds
 *     storage: new ValkeyThrottlerStorage(cache),
 *   }),
 * });
 * ```
 *
 * Semantics (those of throttler's own in-memory storage, on a fixed window):
 * - The first hit opens a window of `ttl` **milliseconds**; hits are counted until it ends.
 * - With `blockDuration > 0` (the throttler default is `ttl`): the hit that goes over `limit` is
 *   refused and starts a block of `blockDuration` **milliseconds** during which every hit is
 *   refused and not counted; when the block ends, counting starts again from zero.
 * - With `blockDuration <= 0`: hits over the limit are refused (not counted) until the window ends.
 * - Keys: `cache.makeKey("<prefix>:{<key>:<throttlerName>}:hits")` and `…:block`: the cache's
 *   prefix and version apply, and the `{…}` hash tag keeps both on one node of a cluster or shard.
 * - Errors are thrown as the cache's typed errors naming the alias (the guard then answers 500);
 *   `ignoreExceptions` does not make the throttler fail open.
 */
export class ValkeyThrottlerStorage implements ThrottlerStorage {
  private readonly prefix: string;

  constructor(
    /** The cache holding the counters (writes go to its primary). */
    readonly cache: ValkeyCache,
    options: ValkeyThrottlerStorageOptions = {},
  ) {
    this.prefix = options.prefix ?? 'throttler';
  }

  /**
   * Counts one hit of `key` for the throttler `throttlerName` and says whether it is refused.
   * `ttl` and `blockDuration` are in **milliseconds** (as the guard passes them); the times
   * returned are in **seconds**, rounded up (see {@link ValkeyThrottlerRecord}).
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ValkeyThrottlerRecord> {
    const base = `${this.prefix}:{${key}:${throttlerName}}`;
    const hitsKey = this.cache.makeKey(`${base}:hits`);
    const blockKey = this.cache.makeKey(`${base}:block`);
    const windowMs = Math.max(1, Math.ceil(ttl));
    const blockMs = blockDuration > 0 ? Math.max(1, Math.ceil(blockDuration)) : 0;
    let reply: unknown;
    try {
      const client = this.cache.client.clientFor(hitsKey, true);
      reply = await THROTTLER_INCREMENT.run(
        client,
        [hitsKey, blockKey],
        [windowMs, limit, blockMs],
      );
    } catch (err) {
      throw toCacheError(err, this.cache.alias);
    }
    const [hits, windowLeft, blocked, blockLeft] = (reply as unknown[]).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return {
      totalHits: hits,
      timeToExpire: ceilSeconds(windowLeft),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? ceilSeconds(blockLeft) : 0,
    };
  }
}
