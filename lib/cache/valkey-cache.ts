import { Logger } from '@nestjs/common';
import type { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheConnectionError,
  CacheReadOnlyError,
  CacheDecodeError,
  CacheError,
  CacheKeyNotFoundError,
} from '../errors.js';
import type { DefaultClient } from '../client/default-client.js';
import { IdentityCompressor } from '../codec/compressors/identity-compressor.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { setOwnProperty } from '../util/own-property.js';
import { CacheLock, type LockOptions } from './cache-lock.js';
import { isIntegerReplyError, toCacheError } from './to-cache-error.js';
import { LuaScript } from './lua-script.js';
import type { CacheEvents } from './cache-events.js';
import type { CacheMetrics } from './cache-metrics.js';
import { observeCache } from './observe.js';

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

/** Options of the `SCAN`-based calls ({@link ValkeyCache.iterKeys}, `keys`, `deletePattern`). */
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

/** Options of {@link ValkeyCache.sscan} and {@link ValkeyCache.sscanIter}. */
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

const MISSING: unique symbol = Symbol('missing');
/** Default of `decode`'s `miss`: no miss value, an undecodable payload always throws. */
const NO_MISS: unique symbol = Symbol('no-miss');
type Missing = typeof MISSING;
const DEFAULT_ITERSIZE = 100;
const DEFAULT_SSCAN_COUNT = 10;

// INCRBY only when the key exists; reply with the new value as a bulk string so that values
// beyond 2^53 keep their precision (a Lua number would pass through a double).
export const INCR_EXISTING = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('INCRBY', KEYS[1], ARGV[1])
return redis.call('GET', KEYS[1])`);
export const INCR_ANY = new LuaScript(`
redis.call('INCRBY', KEYS[1], ARGV[1])
return redis.call('GET', KEYS[1])`);

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as a `number` when it fits in 2^53, else unchanged. */
function narrow(n: bigint): Counter {
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
}

function entriesOf(
  data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
): Array<[string, CacheValue]> {
  return data instanceof Map
    ? [...(data as ReadonlyMap<string, CacheValue>).entries()]
    : Object.entries(data);
}

/** `items` as an array; a string is refused (it would iterate as one key per character). */
function listOf<T>(items: Iterable<T>, alias: string): readonly T[] {
  if (Array.isArray(items)) return items as readonly T[];
  if (
    typeof items === 'string' ||
    typeof (items as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function'
  ) {
    throw new CacheArgumentError(
      `keys must be an array or another iterable of strings, got ${typeof items === 'string' ? 'a string' : describe(items)}`,
      alias,
    );
  }
  return [...items];
}

/** Largest expiry accepted, in milliseconds (2^53 - 1, ~285,000 years): beyond it use `null`. */
const MAX_EXPIRY_MS = Number.MAX_SAFE_INTEGER;

/** What an argument is, for an error message: its type, never its content (it may be secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

/**
 * A named cache (django-valkey's `ValkeyCache`), what `@InjectCache(alias)` hands a service.
 *
 * - Keys are strings; stored keys are `${keyPrefix}:${version}:${key}` unless a `keyFunction`
 *   says otherwise, so a Django service using django-valkey with the same prefix shares them.
 * - Timeouts are in **seconds** (fractions kept, stored with `PX`) unless the method name starts
 *   with `p` (milliseconds): omitted means the cache's default `timeout` (300 s unless
 *   configured), `null` never expires, `<= 0` deletes the key.
 * - Integers are stored as raw ASCII digits (`INCR` works from any client); integers beyond 2^53
 *   come back as `bigint`.
 *
 * With `options.ignoreExceptions`, connection and timeout errors of `get`, `getMany`/`mget`,
 * `set`, `add`, `setMany`, `mset`, `delete`, `deleteMany`, `hasKey`, `touch` and `getOrSet`
 * return a fallback (the default value, `{}`, `false`, `0`, every key, or the computed value)
 * instead of throwing, logged at warn level when `logIgnoredExceptions` is on; every other call,
 * and every non-connection error, throws a typed {@link CacheError} naming the alias.
 */
export class ValkeyCache {
  /** The cache alias (`CACHES` key). */
  readonly alias: string;
  /** Hits, misses, sets, deletes, errors and latency of this cache (see {@link CacheMetrics}). */
  readonly metrics: CacheMetrics;
  /** Connection and Sentinel events of this cache (see {@link CacheEvents}). */
  readonly events: CacheEvents;
  private readonly logger: Logger;

  constructor(
    /** The validated config of this cache. */
    readonly config: ResolvedCacheConfig,
    /** The client that routes commands and encodes values. */
    readonly client: DefaultClient,
  ) {
    this.alias = config.alias;
    this.logger = new Logger(`ValkeyCache:${config.alias}`);
    ({ metrics: this.metrics, events: this.events } = observeCache(config.alias, client));
  }

  /** The cache's default timeout in seconds (`null`: never expires). */
  get defaultTimeout(): number | null {
    return this.config.timeout;
  }

  // ---------------------------------------------------------------------------------------------
  // keys and raw access

  /**
   * Builds the stored key for `key` (`${keyPrefix}:${version}:${key}` by default). Throws a
   * {@link CacheArgumentError} (before anything is sent) when `key` is not a string, holds a lone
   * UTF-16 surrogate (it would be sent as U+FFFD and collide with other keys), or `version` is
   * not a safe integer. Any other string is a key: empty, longer than 250 characters, with
   * spaces or control characters (Valkey keys are binary-safe, and django-valkey, unlike
   * Django's memcached backends, does not call `validate_key`).
   */
  makeKey(key: string, version?: number): string {
    if (typeof key !== 'string') {
      throw new CacheArgumentError(`key must be a string, got ${describe(key)}`, this.alias);
    }
    if (!(key as string & { isWellFormed(): boolean }).isWellFormed()) {
      throw new CacheArgumentError(
        'key holds a lone UTF-16 surrogate: it cannot be sent as UTF-8 without changing it',
        this.alias,
      );
    }
    if (version !== undefined && !Number.isSafeInteger(version)) {
      throw new CacheArgumentError(
        `version must be an integer, got ${typeof version === 'number' ? String(version) : describe(version)}`,
        this.alias,
      );
    }
    return this.client.makeKey(key, version);
  }

  /**
   * Builds the `SCAN MATCH` pattern for the glob `pattern`: prefix and version are escaped so
   * their `*`, `?` and `[` match literally; the pattern itself stays a glob.
   */
  makePattern(pattern: string, version?: number): string {
    return this.client.makePattern(pattern, version);
  }

  /**
   * The underlying iovalkey client (django-valkey's `get_client`): the primary with
   * `{ write: true }` (the default), else the next read replica (the primary when none is listed).
   * Keys sent through it are not prefixed: use {@link makeKey}. With `key` (and `version`), the
   * connection that holds that key (required on a `ShardClient`, which has one per shard).
   */
  getClient(opts: { write?: boolean; key?: string; version?: number } = {}): Valkey {
    const write = opts.write ?? true;
    if (opts.key === undefined) return this.client.getClient(write);
    return this.client.clientFor(this.makeKey(opts.key, opts.version), write);
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  /**
   * Timeout in seconds (undefined: the default) to milliseconds; `null`: never expires.
   * `Infinity` never expires; `<= 0` (and `-Infinity`, and anything under 1 ms, truncated to 0)
   * deletes, as Django does. A {@link CacheArgumentError} for anything else that is not a number,
   * `NaN`, or more than {@link MAX_EXPIRY_MS} milliseconds.
   */
  protected toMs(timeout: Timeout): number | null {
    const t = timeout === undefined ? this.config.timeout : timeout;
    if (t === null) return null;
    if (typeof t !== 'number' || Number.isNaN(t)) {
      throw new CacheArgumentError(
        `timeout must be a number of seconds or null, got ${typeof t === 'number' ? 'NaN' : describe(t)}`,
        this.alias,
      );
    }
    if (t === Infinity) return null;
    const ms = Math.trunc(t * 1000);
    if (ms > MAX_EXPIRY_MS) {
      throw new CacheArgumentError(
        `timeout ${t} s is beyond the largest expiry (${MAX_EXPIRY_MS / 1000} s); use null for no expiry`,
        this.alias,
      );
    }
    return ms;
  }

  /**
   * Decodes a stored payload. When it cannot be decoded: with `options.undecodableAsMiss` and a
   * `miss` given, returns `miss` (logged when `logIgnoredExceptions` is on); otherwise throws a
   * {@link CacheDecodeError} naming the alias and `fullKey` (counted in `metrics.errors` here;
   * `fail`/`run` do not count it again). Callers that must not treat an undecodable value as
   * missing (`incr`) pass no `miss`. A plain parameter with a sentinel default: no rest array on
   * the hot path.
   */
  private decode(raw: Buffer, fullKey: string, miss: unknown = NO_MISS): unknown {
    try {
      return this.client.codec.decode(raw);
    } catch (err) {
      const error = new CacheDecodeError(
        `cannot decode the value of key '${fullKey}' (${raw.length} bytes): ${(err as Error).message}`,
        this.alias,
        fullKey,
        { cause: err },
      );
      if (miss === NO_MISS || !this.config.undecodableAsMiss) {
        this.metrics.errors++;
        throw error;
      }
      if (this.config.logIgnoredExceptions) this.logger.warn(`read as a miss: ${error.message}`);
      return miss;
    }
  }

  /**
   * Encodes a value for the wire; a {@link CacheArgumentError} (before anything is sent) for a
   * value the serializer refuses: `undefined`, functions, symbols, circular structures, `Map`,
   * `Set` and the other kinds each serializer lists.
   */
  private encode(value: CacheValue): Buffer | string {
    try {
      return this.client.codec.encodeForWire(value);
    } catch (err) {
      throw new CacheArgumentError(`cannot encode value: ${(err as Error).message}`, this.alias, {
        cause: err,
      });
    }
  }

  /** Rethrows `err` as a typed error, or returns `fallback` when `ignoreExceptions` allows it. */
  private fail<T>(err: unknown, fallback: T): T {
    const error = toCacheError(err, this.alias);
    // A CacheDecodeError was counted where decode() threw it.
    if (!(error instanceof CacheDecodeError)) this.metrics.errors++;
    if (this.config.ignoreExceptions && error instanceof CacheConnectionError) {
      this.metrics.ignoredErrors++;
      if (this.config.logIgnoredExceptions) this.logger.warn(`ignored: ${error.message}`);
      return fallback;
    }
    throw error;
  }

  /** Runs a command that `ignoreExceptions` does not cover, typing its errors. */
  private async run<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof CacheDecodeError)) this.metrics.errors++;
      throw toCacheError(err, this.alias);
    }
  }

  /**
   * The one connection that holds every key of `fullKeys`, for commands that must run on one
   * server; a {@link CacheArgumentError} when the client spreads them (a `ShardClient`).
   */
  private clientForAll(fullKeys: readonly string[], write: boolean): Valkey {
    const groups = this.client.groupByConnection(fullKeys, write);
    if (groups.length !== 1) {
      throw new CacheArgumentError(
        `these keys live on ${groups.length} different shards, and this call needs them on one: ` +
          `give them a common {tag} (${fullKeys.slice(0, 5).join(', ')}${fullKeys.length > 5 ? ', …' : ''})`,
        this.alias,
      );
    }
    return groups[0]!.client;
  }

  /** `MGET` of `fullKeys`, one per connection that holds some of them; replies in key order. */
  private async mgetAll(fullKeys: readonly string[]): Promise<Array<Buffer | null>> {
    const groups = this.client.groupByConnection(fullKeys, false);
    if (groups.length === 1) return groups[0]!.client.mgetBuffer(groups[0]!.keys as string[]);
    const out = new Array<Buffer | null>(fullKeys.length).fill(null);
    await Promise.all(
      groups.map(async (g) => {
        const raws = await g.client.mgetBuffer(g.keys as string[]);
        raws.forEach((raw, j) => (out[g.indexes ? g.indexes[j]! : j] = raw));
      }),
    );
    return out;
  }

  private async getRaw(fullKey: string): Promise<unknown> {
    const raw = await this.client.clientFor(fullKey, false).getBuffer(fullKey);
    return raw === null ? MISSING : this.decode(raw, fullKey, MISSING);
  }

  /** One attempt of {@link set} on `client`; `ms <= 0` deletes (with `nx`: checks absence). */
  private static async setOn(
    client: Valkey,
    key: string,
    payload: Buffer | string,
    ms: number | null,
    opts: SetOptions,
  ): Promise<boolean> {
    let reply: 'OK' | null;
    if (ms === null) {
      if (opts.nx) reply = await client.set(key, payload, 'NX');
      else if (opts.xx) reply = await client.set(key, payload, 'XX');
      else reply = await client.set(key, payload);
    } else if (ms <= 0) {
      if (opts.nx) return (await client.exists(key)) === 0;
      return (await client.del(key)) > 0;
    } else if (opts.nx) reply = await client.set(key, payload, 'PX', ms, 'NX');
    else if (opts.xx) reply = await client.set(key, payload, 'PX', ms, 'XX');
    else reply = await client.set(key, payload, 'PX', ms);
    return reply === 'OK';
  }

  // ---------------------------------------------------------------------------------------------
  // single keys

  /**
   * Returns the value of `key`, or `defaultValue` (default `null`) when it is missing.
   * Reads from a replica when the location lists any.
   */
  get<T = unknown>(key: string, defaultValue?: null, opts?: VersionOption): Promise<T | null>;
  get<T = unknown, D = T>(key: string, defaultValue: D, opts?: VersionOption): Promise<T | D>;
  async get<T, D>(
    key: string,
    defaultValue: D | null = null,
    opts?: VersionOption,
  ): Promise<T | D | null> {
    const k = this.makeKey(key, opts?.version);
    // Hot path: one promise layer (the command's), no closure; a CacheDecodeError propagates.
    let raw: Buffer | null;
    const t0 = performance.now();
    try {
      raw = await this.client.clientFor(k, false).getBuffer(k);
    } catch (err) {
      this.metrics.observe('get', t0);
      return this.fail(err, defaultValue);
    }
    this.metrics.observe('get', t0);
    if (raw === null) {
      this.metrics.misses++;
      return defaultValue;
    }
    // An undecodable value with undecodableAsMiss counts as a miss.
    const value = this.decode(raw, k, MISSING);
    if (value === MISSING) {
      this.metrics.misses++;
      return defaultValue;
    }
    this.metrics.hits++;
    return value as T;
  }

  /**
   * Stores `value` under `key` for `timeout` seconds (see {@link Timeout}). Returns whether it
   * was stored: `false` when `nx`/`xx` prevented it. A timeout `<= 0` deletes the key instead and
   * returns whether it existed; with `nx` it stores nothing and returns whether the key was absent
   * (an existing key keeps its value and expiry), as Django does.
   */
  async set(
    key: string,
    value: CacheValue,
    timeout?: Timeout,
    opts?: SetOptions,
  ): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const ms = this.toMs(timeout);
    const payload = ms !== null && ms <= 0 ? '' : this.encode(value);
    const t0 = performance.now();
    try {
      const client = this.client.clientFor(k, true);
      let stored: boolean;
      // Hot path (a plain set with an expiry): the command's promise only, no options object.
      if (ms !== null && ms > 0 && opts?.nx !== true && opts?.xx !== true)
        stored = (await client.set(k, payload, 'PX', ms)) === 'OK';
      else stored = await ValkeyCache.setOn(client, k, payload, ms, opts ?? {});
      this.metrics.observe('set', t0);
      this.countSet(ms, opts, stored);
      return stored;
    } catch (err) {
      this.metrics.observe('set', t0);
      let error = toCacheError(err, this.alias);
      const retriable = (e: CacheError): boolean =>
        e instanceof CacheConnectionError || e instanceof CacheReadOnlyError;
      if (retriable(error) && !this.config.replicaReadOnly) {
        // django-valkey's REPLICA_READ_ONLY=False: try the other listed servers in order.
        for (const other of this.client.writeClients().slice(1)) {
          try {
            const stored = await ValkeyCache.setOn(other, k, payload, ms, opts ?? {});
            this.countSet(ms, opts, stored);
            return stored;
          } catch (next) {
            error = toCacheError(next, this.alias);
            if (!retriable(error)) break;
          }
        }
      }
      return this.fail(error, false);
    }
  }

  /**
   * Counts an answered {@link set}: a stored value is one `sets`; a timeout `<= 0` without `nx`
   * is the `DEL` of one key, so one `deletes`; a write that `nx`/`xx` prevented (and a `<= 0`
   * timeout with `nx`, which writes nothing) counts nothing.
   */
  private countSet(ms: number | null, opts: SetOptions | undefined, stored: boolean): void {
    if (ms !== null && ms <= 0) {
      if (opts?.nx !== true) this.metrics.deletes++;
    } else if (stored) this.metrics.sets++;
  }

  /** Stores `value` only when `key` is absent (`SET NX`); returns whether it was stored. */
  add(
    key: string,
    value: CacheValue,
    timeout?: Timeout,
    opts: VersionOption = {},
  ): Promise<boolean> {
    return this.set(key, value, timeout, { ...opts, nx: true });
  }

  /** Deletes `key`; returns whether it existed. */
  async delete(key: string, opts?: VersionOption): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const t0 = performance.now();
    try {
      const existed = (await this.client.clientFor(k, true).del(k)) > 0;
      this.metrics.observe('delete', t0);
      this.metrics.deletes++;
      return existed;
    } catch (err) {
      this.metrics.observe('delete', t0);
      return this.fail(err, false);
    }
  }

  /** Whether `key` exists. */
  async hasKey(key: string, opts?: VersionOption): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const t0 = performance.now();
    try {
      const exists = (await this.client.clientFor(k, false).exists(k)) === 1;
      this.metrics.observe('hasKey', t0);
      return exists;
    } catch (err) {
      this.metrics.observe('hasKey', t0);
      return this.fail(err, false);
    }
  }

  /**
   * Returns the value of `key`; on a miss computes `valueOrFactory` (a function, sync or async,
   * is called once), stores it with {@link add} for `timeout` seconds and returns what the cache
   * holds then, so concurrent callers agree on one value. A stored `null` counts as a hit.
   */
  async getOrSet<T>(
    key: string,
    valueOrFactory: T | (() => T | Promise<T>),
    timeout?: Timeout,
    opts: VersionOption = {},
  ): Promise<T> {
    const k = this.makeKey(key, opts.version);
    // Hot path (a hit): the command's promise only; a CacheDecodeError propagates.
    let raw: Buffer | null = null;
    let reachable = true;
    const t0 = performance.now();
    try {
      raw = await this.client.clientFor(k, false).getBuffer(k);
    } catch (err) {
      this.metrics.observe('get', t0);
      this.fail<Missing>(err, MISSING);
      reachable = false;
    }
    if (reachable) this.metrics.observe('get', t0);
    // An undecodable value with undecodableAsMiss counts as a miss.
    const hit = raw === null ? MISSING : this.decode(raw, k, MISSING);
    if (hit !== MISSING) {
      this.metrics.hits++;
      return hit as T;
    }
    if (reachable) this.metrics.misses++;
    const value =
      typeof valueOrFactory === 'function'
        ? await (valueOrFactory as () => T | Promise<T>)()
        : valueOrFactory;
    // The server was unreachable and ignoreExceptions is on: do not wait for it twice more.
    if (!reachable || (await this.add(key, value, timeout, opts))) return value;
    try {
      const again = await this.getRaw(k);
      return again === MISSING ? value : (again as T);
    } catch (err) {
      return this.fail(err, value);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // many keys (one round trip each)

  /**
   * Values of the keys that exist, by key; missing keys are omitted. One `MGET`, however many
   * keys.
   */
  async getMany<T = unknown>(
    keys: Iterable<string>,
    opts?: VersionOption,
  ): Promise<Record<string, T>> {
    const list = listOf(keys, this.alias);
    const result: Record<string, T> = {};
    if (list.length === 0) return result;
    const full = list.map((k) => this.makeKey(k, opts?.version));
    let raws: Array<Buffer | null>;
    const t0 = performance.now();
    try {
      raws = await this.mgetAll(full);
    } catch (err) {
      this.metrics.observe('getMany', t0);
      return this.fail(err, result);
    }
    this.metrics.observe('getMany', t0);
    let hits = 0;
    for (let i = 0; i < list.length; i++) {
      const raw = raws[i];
      if (raw === null || raw === undefined) continue;
      const value = this.decode(raw, full[i]!, MISSING);
      if (value !== MISSING) {
        hits++;
        setOwnProperty(result, list[i]!, value as T);
      }
    }
    this.metrics.hits += hits;
    this.metrics.misses += list.length - hits;
    return result;
  }

  /** Same as {@link getMany} (django-valkey's atomic `mget`). */
  mget<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Record<string, T>> {
    return this.getMany<T>(keys, opts);
  }

  /**
   * Stores every entry with the same `timeout` (seconds) in one pipelined round trip (not
   * atomic). Returns the keys the server refused (normally `[]`), as Django's `set_many` does.
   * A timeout `<= 0` deletes the keys.
   */
  async setMany(
    data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
    timeout?: Timeout,
    opts?: VersionOption,
  ): Promise<string[]> {
    const entries = entriesOf(data);
    if (entries.length === 0) return [];
    const ms = this.toMs(timeout);
    const keys = entries.map(([k]) => this.makeKey(k, opts?.version));
    const remove = ms !== null && ms <= 0;
    const payloads = remove ? [] : entries.map(([, v]) => this.encode(v));
    const t0 = performance.now();
    try {
      // One pipeline per connection holding some of the keys (one in all unless sharded).
      const groups = this.client.groupByConnection(keys, true);
      const results = await Promise.all(
        groups.map(async (g) => {
          const pipeline = g.client.pipeline();
          if (remove) {
            pipeline.del(...g.keys);
          } else {
            for (let j = 0; j < g.keys.length; j++) {
              const i = g.indexes ? g.indexes[j]! : j;
              if (ms === null) pipeline.set(keys[i]!, payloads[i]!);
              else pipeline.set(keys[i]!, payloads[i]!, 'PX', ms);
            }
          }
          return { g, replies: (await pipeline.exec()) ?? [] };
        }),
      );
      const failed: string[] = [];
      for (const { g, replies } of results) {
        for (let j = 0; j < replies.length; j++) {
          const err = replies[j]![0];
          if (!err) continue;
          const error = toCacheError(err, this.alias);
          if (error instanceof CacheConnectionError) throw error;
          if (remove) return entries.map(([k]) => k);
          failed.push(entries[g.indexes ? g.indexes[j]! : j]![0]);
        }
      }
      this.metrics.observe('setMany', t0);
      if (remove) this.metrics.deletes += entries.length;
      else this.metrics.sets += entries.length - failed.length;
      return failed;
    } catch (err) {
      this.metrics.observe('setMany', t0);
      return this.fail(
        err,
        entries.map(([k]) => k),
      );
    }
  }

  /**
   * Stores every entry atomically in one round trip (`MULTI`, `MSET`, a `PEXPIRE` per key when a
   * timeout applies, `EXEC`). Unlike django-valkey's `mset`, which drops the timeout, this one
   * applies `timeout` (seconds; omitted: the default) like {@link set}. Returns `true` when stored.
   */
  async mset(
    data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
    timeout?: Timeout,
    opts?: VersionOption,
  ): Promise<boolean> {
    const entries = entriesOf(data);
    if (entries.length === 0) return true;
    const ms = this.toMs(timeout);
    const remove = ms !== null && ms <= 0;
    const flat: Array<string | Buffer> = [];
    const keys: string[] = [];
    for (const [key, value] of entries) {
      const k = this.makeKey(key, opts?.version);
      keys.push(k);
      if (!remove) flat.push(k, this.encode(value));
    }
    const t0 = performance.now();
    try {
      const multi = this.clientForAll(keys, true).multi();
      if (remove) multi.del(...keys);
      else {
        multi.mset(...flat);
        if (ms !== null) for (const k of keys) multi.pexpire(k, ms);
      }
      const replies = await multi.exec();
      const firstError = replies?.find(([err]) => err)?.[0];
      if (firstError) throw firstError;
      this.metrics.observe('mset', t0);
      if (remove) this.metrics.deletes += entries.length;
      else this.metrics.sets += entries.length;
      return true;
    } catch (err) {
      this.metrics.observe('mset', t0);
      return this.fail(err, false);
    }
  }

  /** Deletes the keys; returns how many existed. One `DEL`, however many keys. */
  async deleteMany(keys: Iterable<string>, opts?: VersionOption): Promise<number> {
    const full = listOf(keys, this.alias).map((k) => this.makeKey(k, opts?.version));
    if (full.length === 0) return 0;
    const t0 = performance.now();
    try {
      const groups = this.client.groupByConnection(full, true);
      const deleted =
        groups.length === 1
          ? await groups[0]!.client.del(groups[0]!.keys as string[])
          : (await Promise.all(groups.map((g) => g.client.del(g.keys as string[])))).reduce(
              (a, b) => a + b,
              0,
            );
      this.metrics.observe('deleteMany', t0);
      this.metrics.deletes += full.length;
      return deleted;
    } catch (err) {
      this.metrics.observe('deleteMany', t0);
      return this.fail(err, 0);
    }
  }

  /**
   * Deletes **every key in the database** (`FLUSHDB` on the primary), as Django's `clear()`
   * does, whatever the key prefix. Use {@link deletePattern}`('*')` to delete only this cache's
   * prefix and version.
   */
  async clear(): Promise<void> {
    await this.run(async () =>
      Promise.all((await this.client.allConnections(true)).map((c) => c.flushdb())),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // counters and versions

  /**
   * Adds `delta` (an integer; a `bigint` beyond 2^53) to the integer at `key` and returns the new
   * value (a `bigint` when it does not fit in 2^53). Atomic `INCRBY` while the value fits in
   * int64; past int64, or on a non-integer value, it reads, adds and writes back keeping the
   * TTL, as Django does. Throws {@link CacheKeyNotFoundError} when the key is missing, unless
   * `ignoreKeyCheck` (then a missing key counts from 0 and never expires).
   */
  async incr(key: string, delta: number | bigint = 1, opts: IncrOptions = {}): Promise<Counter> {
    if (typeof delta !== 'bigint' && !Number.isSafeInteger(delta)) {
      throw new CacheArgumentError(
        `incr delta must be an integer (a bigint beyond 2^53), got ${String(delta)}`,
        this.alias,
      );
    }
    const k = this.makeKey(key, opts.version);
    const client = this.client.clientFor(k, true);
    let reply: unknown;
    try {
      reply = await (opts.ignoreKeyCheck ? INCR_ANY : INCR_EXISTING).run(
        client,
        [k],
        [delta.toString()],
      );
    } catch (err) {
      if (isIntegerReplyError(err))
        return this.incrSlow(client, k, key, delta, opts.ignoreKeyCheck ?? false);
      throw toCacheError(err, this.alias);
    }
    if (reply === null) throw new CacheKeyNotFoundError(key, this.alias);
    return narrow(BigInt(String(reply)));
  }

  /** Read-add-write fallback of `incr` for values past int64 or not stored as integers. */
  private async incrSlow(
    client: Valkey,
    k: string,
    key: string,
    delta: number | bigint,
    ignoreKeyCheck: boolean,
  ): Promise<Counter> {
    let raw: Buffer | null;
    let pttl: number;
    try {
      [raw, pttl] = await Promise.all([client.getBuffer(k), client.pttl(k)]);
    } catch (err) {
      throw toCacheError(err, this.alias);
    }
    let current: unknown = 0;
    if (raw === null) {
      if (!ignoreKeyCheck) throw new CacheKeyNotFoundError(key, this.alias);
    } else {
      current = this.decode(raw, k);
    }
    let next: number | bigint;
    if (typeof current === 'bigint' || (typeof current === 'number' && Number.isInteger(current))) {
      next = narrow(BigInt(current) + BigInt(delta));
    } else if (typeof current === 'number') {
      next = current + Number(delta);
    } else {
      throw new CacheError(`cannot increment '${key}': its value is not a number`, this.alias);
    }
    const payload = typeof next === 'bigint' ? next.toString() : this.encode(next);
    await this.run(() => (pttl > 0 ? client.set(k, payload, 'PX', pttl) : client.set(k, payload)));
    return next;
  }

  /** Subtracts `delta` from the integer at `key`; see {@link incr}. */
  decr(key: string, delta: number | bigint = 1, opts: IncrOptions = {}): Promise<Counter> {
    return this.incr(key, -delta, opts);
  }

  /**
   * Moves `key` from `version` (default: the cache's) to `version + delta`, keeping its value
   * and TTL (an atomic `RENAME`, which replaces whatever the new version held); returns the new
   * version. Throws {@link CacheKeyNotFoundError} when the key is missing.
   */
  async incrVersion(key: string, delta = 1, opts: VersionOption = {}): Promise<number> {
    if (!Number.isSafeInteger(delta)) {
      throw new CacheArgumentError(
        `version delta must be an integer, got ${String(delta)}`,
        this.alias,
      );
    }
    const version = opts.version ?? this.config.version;
    const from = this.makeKey(key, version);
    const to = this.makeKey(key, version + delta);
    try {
      // groups[0] holds `from`; a second group means `to` lives on another shard.
      const groups = this.client.groupByConnection(from === to ? [from] : [from, to], true);
      const source = groups[0]!.client;
      if (groups.length > 1) await this.moveKey(source, from, groups[1]!.client, to, key);
      else if (from !== to) await source.rename(from, to);
      else if (!(await source.exists(from))) throw new CacheKeyNotFoundError(key, this.alias);
      return version + delta;
    } catch (err) {
      if (err instanceof Error && err.name === 'ReplyError' && /no such key/i.test(err.message)) {
        throw new CacheKeyNotFoundError(key, this.alias);
      }
      throw toCacheError(err, this.alias);
    }
  }

  /**
   * Moves a key between two connections (shards): `DUMP` and `PTTL` on the source, `RESTORE
   * REPLACE` with the same TTL on the target, then `DEL` on the source.
   */
  private async moveKey(
    source: Valkey,
    from: string,
    target: Valkey,
    to: string,
    key: string,
  ): Promise<void> {
    const [dump, pttl] = await Promise.all([source.dumpBuffer(from), source.pttl(from)]);
    if (dump === null || pttl === -2) throw new CacheKeyNotFoundError(key, this.alias);
    await target.restore(to, pttl > 0 ? pttl : 0, dump, 'REPLACE');
    await source.del(from);
  }

  /** Moves `key` to `version - delta`; see {@link incrVersion}. */
  decrVersion(key: string, delta = 1, opts: VersionOption = {}): Promise<number> {
    return this.incrVersion(key, -delta, opts);
  }

  // ---------------------------------------------------------------------------------------------
  // expiry

  /** Seconds until `key` expires (rounded by the server): `null` when it never expires, `0` when it is missing. */
  async ttl(key: string, opts?: VersionOption): Promise<number | null> {
    return this.remaining('ttl', key, opts);
  }

  /** Milliseconds until `key` expires: `null` when it never expires, `0` when it is missing. */
  async pttl(key: string, opts?: VersionOption): Promise<number | null> {
    return this.remaining('pttl', key, opts);
  }

  private async remaining(
    cmd: 'ttl' | 'pttl',
    key: string,
    opts?: VersionOption,
  ): Promise<number | null> {
    const k = this.makeKey(key, opts?.version);
    const t = await this.run(() => this.client.clientFor(k, false)[cmd](k));
    return t === -1 ? null : t === -2 ? 0 : t;
  }

  /**
   * Sets `key` to expire in `timeout` **seconds** (fractions kept to the millisecond; `<= 0`
   * deletes it). Returns whether the key exists.
   */
  async expire(key: string, timeout: number, opts?: VersionOption): Promise<boolean> {
    return this.pexpire(key, timeout * 1000, opts);
  }

  /** Sets `key` to expire in `timeout` **milliseconds** (`<= 0` deletes it); returns whether the key exists. */
  async pexpire(key: string, timeout: number, opts?: VersionOption): Promise<boolean> {
    this.checkTime(timeout);
    return this.keyCommand((c, k) => c.pexpire(k, Math.trunc(timeout)), key, opts);
  }

  /**
   * Sets `key` to expire at `when`: a `Date`, or **seconds** since the epoch. A time in the past
   * deletes the key. Returns whether the key existed.
   */
  async expireAt(key: string, when: Date | number, opts?: VersionOption): Promise<boolean> {
    return this.pexpireAt(key, when instanceof Date ? when : when * 1000, opts);
  }

  /**
   * Sets `key` to expire at `when`: a `Date`, or **milliseconds** since the epoch. A time in the
   * past deletes the key. Returns whether the key existed.
   */
  async pexpireAt(key: string, when: Date | number, opts?: VersionOption): Promise<boolean> {
    const ms = when instanceof Date ? when.getTime() : when;
    this.checkTime(ms);
    return this.keyCommand((c, k) => c.pexpireat(k, Math.trunc(ms)), key, opts);
  }

  /** Removes the expiry of `key`; returns whether it had one. */
  async persist(key: string, opts?: VersionOption): Promise<boolean> {
    return this.keyCommand((c, k) => c.persist(k), key, opts);
  }

  /** A relative or absolute expiry in ms: finite and at most {@link MAX_EXPIRY_MS} in magnitude. */
  private checkTime(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > MAX_EXPIRY_MS) {
      throw new CacheArgumentError(
        typeof ms === 'number' && Number.isFinite(ms)
          ? `expiry must be at most ${MAX_EXPIRY_MS} ms (in magnitude), got ${ms} ms`
          : `expiry must be a finite number, got ${String(ms)}`,
        this.alias,
      );
    }
  }

  private async keyCommand(
    command: (client: Valkey, key: string) => Promise<number>,
    key: string,
    opts?: VersionOption,
  ): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    return (await this.run(() => command(this.client.clientFor(k, true), k))) === 1;
  }

  /**
   * Resets the expiry of `key` to `timeout` seconds from now (omitted: the cache's default;
   * `null`: never expires; `<= 0`: deletes it). Returns whether the key exists.
   */
  async touch(key: string, timeout?: Timeout, opts?: VersionOption): Promise<boolean> {
    const ms = this.toMs(timeout);
    const k = this.makeKey(key, opts?.version);
    const t0 = performance.now();
    try {
      const c = this.client.clientFor(k, true);
      let touched: boolean;
      if (ms === null) {
        // PERSIST answers 0 for a key without expiry; EXISTS says whether it was touched.
        const replies = await c.multi().persist(k).exists(k).exec();
        const failed = replies?.find(([err]) => err)?.[0];
        if (failed) throw failed;
        touched = replies?.[1]?.[1] === 1;
      } else touched = (await c.pexpire(k, ms)) === 1;
      this.metrics.observe('touch', t0);
      return touched;
    } catch (err) {
      this.metrics.observe('touch', t0);
      return this.fail(err, false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // patterns (SCAN; prefix and version are escaped, the pattern stays a glob)

  /**
   * Iterates the user keys matching the glob `pattern` with `SCAN` (`itersize` keys examined per
   * round trip). Prefix and version are applied and escaped here. `SCAN` may return a key twice.
   */
  async *iterKeys(
    pattern: string,
    opts: ScanOptions = {},
  ): AsyncGenerator<string, void, undefined> {
    const match = this.client.makePattern(pattern, opts.version);
    const count = opts.itersize ?? DEFAULT_ITERSIZE;
    // Every server holding a share of the keys, one after the other (one unless sharded).
    for (const client of await this.client.allConnections(false)) {
      let cursor = '0';
      do {
        const [next, keys] = await this.run(() =>
          client.scan(cursor, 'MATCH', match, 'COUNT', count),
        );
        cursor = next;
        for (const k of keys) yield this.client.reverseKey(k);
      } while (cursor !== '0');
    }
  }

  /**
   * The user keys matching the glob `pattern`, without duplicates. Collected with `SCAN`
   * (never `KEYS`, which blocks the server), `itersize` keys per round trip.
   */
  async keys(pattern: string, opts: ScanOptions = {}): Promise<string[]> {
    const found = new Set<string>();
    for await (const k of this.iterKeys(pattern, opts)) found.add(k);
    return [...found];
  }

  /**
   * Deletes every key of this cache's prefix and version matching the glob `pattern`
   * (`SCAN` with `itersize` keys per round trip, `UNLINK` per batch); returns how many were
   * deleted. Glob characters in the prefix match literally, so other prefixes are never touched.
   */
  async deletePattern(pattern: string, opts: ScanOptions = {}): Promise<number> {
    const match = this.client.makePattern(pattern, opts.version);
    const count = opts.itersize ?? DEFAULT_ITERSIZE;
    const counts = (await this.client.allConnections(true)).map((client) =>
      this.run(async () => {
        const unlinks: Array<Promise<number>> = [];
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', count);
          cursor = next;
          // Sent before the next SCAN on the same connection, awaited at the end: no extra round
          // trip. The no-op catch keeps an early failure from being an unhandled rejection; the
          // failure still reaches Promise.all below.
          // One UNLINK per group of the batch (one group unless the keys span cluster slots).
          if (keys.length > 0) {
            for (const group of this.client.groupByConnection(keys, true)) {
              const unlink = client.unlink(group.keys as string[]);
              unlink.catch(() => undefined);
              unlinks.push(unlink);
            }
          }
        } while (cursor !== '0');
        let deleted = 0;
        for (const n of await Promise.all(unlinks)) deleted += n;
        return deleted;
      }),
    );
    let deleted = 0;
    for (const n of await Promise.all(counts)) deleted += n;
    return deleted;
  }

  // ---------------------------------------------------------------------------------------------
  // locks

  /**
   * A lock on `key` (prefixed and versioned like any key) that only its owner can release or
   * extend (django-valkey's `cache.lock()`). Times in seconds. Nothing is sent until
   * `acquire()` or `run()`.
   */
  lock(key: string, opts: LockOptions & VersionOption = {}): CacheLock {
    const k = this.makeKey(key, opts.version);
    return new CacheLock(() => this.client.clientFor(k, true), k, opts, this.alias);
  }

  // ---------------------------------------------------------------------------------------------
  // sets (key prefixed and versioned, members encoded like values)

  private decodeMembers<T>(raws: readonly Buffer[], fullKey: string): Set<T> {
    const out = new Set<T>();
    for (const r of raws) {
      const member = this.decode(r, fullKey, MISSING);
      if (member !== MISSING) out.add(member as T);
    }
    return out;
  }

  private keysOf(keys: Iterable<string>, version?: number): string[] {
    const full = listOf(keys, this.alias).map((k) => this.makeKey(k, version));
    if (full.length === 0) throw new CacheArgumentError('at least one key is needed', this.alias);
    return full;
  }

  /** Runs `SDIFF`, `SINTER` or `SUNION` over `keys` and decodes the members. */
  private async setOperation<T>(
    command: 'sdiffBuffer' | 'sinterBuffer' | 'sunionBuffer',
    keys: Iterable<string>,
    opts: VersionOption | undefined,
  ): Promise<Set<T>> {
    const full = this.keysOf(keys, opts?.version);
    return this.run(async () =>
      this.decodeMembers<T>(await this.clientForAll(full, false)[command](full), full[0]!),
    );
  }

  /** Runs `SDIFFSTORE`, `SINTERSTORE` or `SUNIONSTORE` of `keys` into `dest`; returns its size. */
  private async storeSetOperation(
    command: 'sdiffstore' | 'sinterstore' | 'sunionstore',
    dest: string,
    keys: Iterable<string>,
    opts: StoreOptions,
  ): Promise<number> {
    const d = this.makeKey(dest, opts.versionDest ?? opts.version);
    const full = this.keysOf(keys, opts.versionKeys ?? opts.version);
    return this.run(() => this.clientForAll([d, ...full], true)[command](d, full));
  }

  /** Adds `members` to the set at `key`; returns how many were new. */
  async sadd(key: string, members: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return 0;
    return this.run(() => this.client.clientFor(k, true).sadd(k, encoded));
  }

  /** Number of members of the set at `key` (0 when missing). */
  async scard(key: string, opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    return this.run(() => this.client.clientFor(k, false).scard(k));
  }

  /** Members of the first set that are in none of the others. */
  sdiff<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Set<T>> {
    return this.setOperation<T>('sdiffBuffer', keys, opts);
  }

  /** Stores {@link sdiff}`(keys)` at `dest`; returns its size. */
  sdiffstore(dest: string, keys: Iterable<string>, opts: StoreOptions = {}): Promise<number> {
    return this.storeSetOperation('sdiffstore', dest, keys, opts);
  }

  /** Members common to all the sets. */
  sinter<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Set<T>> {
    return this.setOperation<T>('sinterBuffer', keys, opts);
  }

  /** Stores {@link sinter}`(keys)` at `dest`; returns its size. */
  sinterstore(dest: string, keys: Iterable<string>, opts: StoreOptions = {}): Promise<number> {
    return this.storeSetOperation('sinterstore', dest, keys, opts);
  }

  /** Members of any of the sets. */
  sunion<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Set<T>> {
    return this.setOperation<T>('sunionBuffer', keys, opts);
  }

  /** Stores {@link sunion}`(keys)` at `dest`; returns its size. */
  sunionstore(dest: string, keys: Iterable<string>, opts: StoreOptions = {}): Promise<number> {
    return this.storeSetOperation('sunionstore', dest, keys, opts);
  }

  /** Whether `member` is in the set at `key`. */
  async sismember(key: string, member: CacheValue, opts?: VersionOption): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const m = this.encode(member);
    return this.run(async () => (await this.client.clientFor(k, false).sismember(k, m)) === 1);
  }

  /** For each of `members`, whether it is in the set at `key`. */
  async smismember(
    key: string,
    members: readonly CacheValue[],
    opts?: VersionOption,
  ): Promise<boolean[]> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return [];
    return this.run(async () =>
      (await this.client.clientFor(k, false).smismember(k, encoded)).map((r) => r === 1),
    );
  }

  /** All members of the set at `key` (empty when missing). */
  async smembers<T = unknown>(key: string, opts?: VersionOption): Promise<Set<T>> {
    const k = this.makeKey(key, opts?.version);
    return this.run(async () =>
      this.decodeMembers<T>(await this.client.clientFor(k, false).smembersBuffer(k), k),
    );
  }

  /** Moves `member` from the set at `source` to the set at `destination`; returns whether it moved. */
  async smove(
    source: string,
    destination: string,
    member: CacheValue,
    opts?: VersionOption,
  ): Promise<boolean> {
    const s = this.makeKey(source, opts?.version);
    const d = this.makeKey(destination, opts?.version);
    const m = this.encode(member);
    return this.run(async () => (await this.clientForAll([s, d], true).smove(s, d, m)) === 1);
  }

  /** Removes and returns a random member (`null` when the set is empty). */
  spop<T = unknown>(key: string, count?: undefined, opts?: VersionOption): Promise<T | null>;
  /** Removes and returns up to `count` random members. */
  spop<T = unknown>(key: string, count: number, opts?: VersionOption): Promise<Set<T>>;
  async spop<T>(key: string, count?: number, opts?: VersionOption): Promise<T | null | Set<T>> {
    const k = this.makeKey(key, opts?.version);
    return this.run(async () => {
      const c = this.client.clientFor(k, true);
      if (count === undefined) {
        const raw = await c.spopBuffer(k);
        return raw === null ? null : (this.decode(raw, k, null) as T | null);
      }
      return this.decodeMembers<T>(await c.spopBuffer(k, count), k);
    });
  }

  /** A random member (`null` when the set is empty). */
  srandmember<T = unknown>(key: string, count?: undefined, opts?: VersionOption): Promise<T | null>;
  /** `count` random members: distinct when positive, possibly repeated when negative. */
  srandmember<T = unknown>(key: string, count: number, opts?: VersionOption): Promise<T[]>;
  async srandmember<T>(key: string, count?: number, opts?: VersionOption): Promise<T | null | T[]> {
    const k = this.makeKey(key, opts?.version);
    return this.run(async () => {
      const c = this.client.clientFor(k, false);
      if (count === undefined) {
        const raw = await c.srandmemberBuffer(k);
        return raw === null ? null : (this.decode(raw, k, null) as T | null);
      }
      const members: T[] = [];
      for (const r of await c.srandmemberBuffer(k, count)) {
        const member = this.decode(r, k, MISSING);
        if (member !== MISSING) members.push(member as T);
      }
      return members;
    });
  }

  /** Removes `members` from the set at `key`; returns how many were there. */
  async srem(key: string, members: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return 0;
    return this.run(() => this.client.clientFor(k, true).srem(k, encoded));
  }

  /**
   * Iterates the members of the set at `key` with `SSCAN` (`count` per round trip). `SSCAN` may
   * return a member twice. See {@link SscanOptions.match}.
   */
  async *sscanIter<T = unknown>(
    key: string,
    opts: SscanOptions = {},
  ): AsyncGenerator<T, void, undefined> {
    const k = this.makeKey(key, opts.version);
    const args: Array<string | Buffer | number> = [];
    if (opts.match !== undefined) args.push('MATCH', this.encodeMatch(opts.match));
    args.push('COUNT', opts.count ?? DEFAULT_SSCAN_COUNT);
    const client = this.client.clientFor(k, false);
    let cursor = '0';
    do {
      const reply = await this.run(() => client.callBuffer('SSCAN', k, cursor, ...args));
      const [next, raws] = reply as [Buffer, Buffer[]];
      cursor = next.toString();
      for (const r of raws) {
        const member = this.decode(r, k, MISSING);
        if (member !== MISSING) yield member as T;
      }
    } while (cursor !== '0');
  }

  /** All members of the set at `key`, collected with `SSCAN`; see {@link sscanIter}. */
  async sscan<T = unknown>(key: string, opts: SscanOptions = {}): Promise<Set<T>> {
    const out = new Set<T>();
    for await (const m of this.sscanIter<T>(key, opts)) out.add(m);
    return out;
  }

  private encodeMatch(match: string): Buffer | string {
    if (!(this.client.codec.compressor instanceof IdentityCompressor)) {
      throw new CacheArgumentError(
        'sscan with match is not supported when values are compressed',
        this.alias,
      );
    }
    return this.encode(match);
  }

  // ---------------------------------------------------------------------------------------------
  // hashes (django-valkey's HashClient: the hash name and the fields are made keys, values encoded)

  /** Sets `field` of the hash `name` to `value`; returns 1 when the field is new, else 0. */
  async hset(
    name: string,
    field: string,
    value: CacheValue,
    opts?: VersionOption,
  ): Promise<number> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    const v = this.encode(value);
    return this.run(() => this.client.clientFor(n, true).hset(n, f, v));
  }

  /** The value of `field` in the hash `name`, or `null`. */
  async hget<T = unknown>(name: string, field: string, opts?: VersionOption): Promise<T | null> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    const raw = await this.run(() => this.client.clientFor(n, false).hgetBuffer(n, f));
    return raw === null ? null : (this.decode(raw, `${n} ${f}`, null) as T | null);
  }

  /** Every field of the hash `name` (as user keys) with its value. */
  async hgetall<T = unknown>(name: string, opts?: VersionOption): Promise<Record<string, T>> {
    const n = this.makeKey(name, opts?.version);
    const raw = await this.run(() => this.client.clientFor(n, false).hgetallBuffer(n));
    const out: Record<string, T> = {};
    for (const [f, v] of Object.entries(raw)) {
      const value = this.decode(v, `${n} ${f}`, MISSING);
      if (value !== MISSING) setOwnProperty(out, this.client.reverseKey(f), value as T);
    }
    return out;
  }

  /** Deletes `field` from the hash `name`; returns 1 when it existed, else 0. */
  async hdel(name: string, field: string, opts?: VersionOption): Promise<number> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    return this.run(() => this.client.clientFor(n, true).hdel(n, f));
  }

  /** Number of fields of the hash `name` (0 when missing). */
  async hlen(name: string, opts?: VersionOption): Promise<number> {
    const n = this.makeKey(name, opts?.version);
    return this.run(() => this.client.clientFor(n, false).hlen(n));
  }

  /** The fields of the hash `name`, as user keys. */
  async hkeys(name: string, opts?: VersionOption): Promise<string[]> {
    const n = this.makeKey(name, opts?.version);
    const fields = await this.run(() => this.client.clientFor(n, false).hkeys(n));
    return fields.map((f) => this.client.reverseKey(f));
  }

  /** Whether the hash `name` has `field`. */
  async hexists(name: string, field: string, opts?: VersionOption): Promise<boolean> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    return (await this.run(() => this.client.clientFor(n, false).hexists(n, f))) === 1;
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Django's `close()`: releases this cache's connections when `options.closeConnection` is set;
   * otherwise a no-op (connections are closed on application shutdown).
   */
  async close(): Promise<void> {
    if (this.config.closeConnection) await this.client.close();
  }
}
