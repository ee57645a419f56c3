/** A value that can be stored: anything the cache's serializer accepts (JSON by default). */
export type CacheValue = unknown;

/** `version` of a call; the cache's default `version` when omitted. */
export interface VersionOption {
  version?: number;
}

/** Options of {@link ValkeyCache.set}. */
export interface SetOptions extends VersionOption {
  /** Only set when the key does not exist (`SET NX`). */
  nx?: boolean;
  /** Only set when the key exists (`SET XX`). */
  xx?: boolean;
}

/** Options of the `SCAN`-based calls (`iterKeys`, `keys`, `deletePattern`). */
export interface ScanOptions extends VersionOption {
  /** `COUNT` hint: keys examined per `SCAN` round trip (default 100). */
  itersize?: number;
}

/** Options of {@link ValkeyCache.incr} and {@link ValkeyCache.decr}. */
export interface IncrOptions extends VersionOption {
  /** Count a missing key as 0 instead of throwing {@link CacheKeyNotFoundError}. */
  ignoreKeyCheck?: boolean;
}

/** Options of the `*store` set commands: versions of the destination and of the source keys. */
export interface StoreOptions extends VersionOption {
  /** Version of the destination key (default: `version`, then the cache's version). */
  versionDest?: number;
  /** Version of the source keys (default: `version`, then the cache's version). */
  versionKeys?: number;
}

/** Options of `sscan` and `sscanIter`. */
export interface SscanOptions extends VersionOption {
  /**
   * Glob matched against the **encoded** members, as django-valkey does: a string pattern is
   * serialized like a member (JSON `"bar*"` matches the string members starting with `bar`).
   * Not allowed when the cache compresses values.
   */
  match?: string;
  /** `COUNT` hint per `SSCAN` round trip (default 10, as Django). */
  count?: number;
}

/**
 * Expiry argument of a call, in **seconds** (fractions kept to the millisecond):
 * omitted/`undefined` means the cache's default `timeout`, `null` never expires, `<= 0` deletes.
 */
export type Timeout = number | null | undefined;

/** The result of {@link ValkeyCache.incr}: a `number`, or a `bigint` beyond 2^53. */
export type Counter = number | bigint;

/**
 * A score bound of the sorted-set range calls: a number (`Infinity` and `-Infinity` are sent as
 * `+inf` and `-inf`), or Valkey's own syntax as a string (`'-inf'`, `'+inf'`, `'(1.5'` for an
 * exclusive bound).
 */
export type ScoreBound = number | string;

/** The members and scores of `zadd`: a `Map`, `[member, score]` pairs, or an object of string members. */
export type ScoredMembers =
  | ReadonlyMap<CacheValue, number>
  | ReadonlyArray<readonly [CacheValue, number]>
  | Readonly<Record<string, number>>;

/** Options of `zadd`: `ZADD`'s flags. */
export interface ZaddOptions extends VersionOption {
  /** Only add new members, never update a score (`NX`). */
  nx?: boolean;
  /** Only update members that exist, never add one (`XX`). */
  xx?: boolean;
  /** Count the members whose score changed, not only the new ones (`CH`). */
  ch?: boolean;
  /** Add the score to the member's (one member only); the call returns the new score (`INCR`). */
  incr?: boolean;
  /** Only update a score when the new one is greater (`GT`). */
  gt?: boolean;
  /** Only update a score when the new one is less (`LT`). */
  lt?: boolean;
}

/** Options of `zrange` and `zrevrange`. */
export interface ZrangeOptions extends VersionOption {
  /** Highest score first (`zrange` only; `zrevrange` always is). */
  desc?: boolean;
  /** Return `[member, score]` pairs. */
  withscores?: boolean;
}

/** Options of `zrangebyscore` and `zrevrangebyscore`. */
export interface ZrangeByScoreOptions extends VersionOption {
  /** Members to skip (`LIMIT offset count`; default 0 when `count` is given). */
  offset?: number;
  /** Members to return at most (default: all when `offset` is given). */
  count?: number;
  /** Return `[member, score]` pairs. */
  withscores?: boolean;
}

/** An end of a list: where `lmove`/`blmove` take from and put to. */
export type ListSide = 'LEFT' | 'RIGHT';
