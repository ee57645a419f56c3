import { Logger } from '@nestjs/common';
import type { Valkey } from 'iovalkey';
import { CacheArgumentError, CacheConnectionError, CacheDecodeError } from '../errors.js';
import type { DefaultClient } from '../client/default-client.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { toCacheError } from './to-cache-error.js';
import type { ObservedCall } from './call-observer.js';
import type { CacheEvents } from './cache-events.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheValue, Timeout } from './cache-options.js';
import { observeCache } from './observe.js';

/** Marks a missing or undecodable value (a stored `null` is a value). */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;
/** Default of `decode`'s `miss`: no miss value, an undecodable payload always throws. */
const NO_MISS: unique symbol = Symbol('no-miss');
const NO_KEYS: readonly string[] = Object.freeze([]);

/** `items` as an array; a string is refused (it would iterate as one key per character). */
export function listOf<T>(items: Iterable<T>, alias: string): readonly T[] {
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
export const MAX_EXPIRY_MS = Number.MAX_SAFE_INTEGER;

/** What an argument is, for an error message: its type, never its content (it may be secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

/**
 * What every command family of a cache stands on: the alias, config and client, key building,
 * encoding and decoding, and the error policy (`ignoreExceptions`). The families
 * (`commands/*.ts`) extend it one after the other; {@link ValkeyCache} is the last.
 */
export class CacheCore {
  /** The cache alias (`CACHES` key). */
  readonly alias: string;
  /** Hits, misses, sets, deletes, errors and latency of this cache (see {@link CacheMetrics}). */
  readonly metrics: CacheMetrics;
  /** Connection and Sentinel events of this cache (see {@link CacheEvents}). */
  readonly events: CacheEvents;
  protected readonly logger: Logger;

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
   * `NaN`, or more than `MAX_EXPIRY_MS` milliseconds.
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
   * the hot path. A thrown error is reported to `call` (answered by `connection`) when given.
   */
  protected decode(
    raw: Buffer,
    fullKey: string,
    miss: unknown = NO_MISS,
    call?: ObservedCall,
    connection?: Valkey,
  ): unknown {
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
        call?.fail(error, connection, false);
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
  protected encode(value: CacheValue): Buffer | string {
    try {
      return this.client.codec.encodeForWire(value);
    } catch (err) {
      throw new CacheArgumentError(`cannot encode value: ${(err as Error).message}`, this.alias, {
        cause: err,
      });
    }
  }

  /**
   * Rethrows `err` as a typed error, or returns `fallback` when `ignoreExceptions` allows it;
   * either way reports it to `call` (sent to `connection`) when given.
   */
  protected fail<T>(err: unknown, fallback: T, call?: ObservedCall, connection?: Valkey): T {
    const error = toCacheError(err, this.alias);
    // A CacheDecodeError was counted (and reported to the call) where decode() threw it.
    if (!(error instanceof CacheDecodeError)) this.metrics.errors++;
    if (this.config.ignoreExceptions && error instanceof CacheConnectionError) {
      this.metrics.ignoredErrors++;
      call?.fail(error, connection, true);
      if (this.config.logIgnoredExceptions) this.logger.warn(`ignored: ${error.message}`);
      return fallback;
    }
    call?.fail(error, connection, false);
    throw error;
  }

  /**
   * Runs a command that `ignoreExceptions` does not cover, typing its errors (counted in
   * `metrics.errors`). With `operation` the call is reported to the cache's observer; see
   * {@link traced}.
   */
  protected run<R>(
    fn: (via: (connection: Valkey) => Valkey) => Promise<R>,
    operation?: string,
    keys?: string | readonly string[],
  ): Promise<R> {
    return this.traced(operation, keys ?? NO_KEYS, fn, true);
  }

  /**
   * Runs `fn`, typing its errors, and reports the call to the cache's observer (if any) as
   * `operation` (none: not reported) on `keys`; `fn` passes the connection it sends to through
   * `via`, so that the observer learns which server answered. `count`: failures count in
   * `metrics.errors` (a `CacheDecodeError` was counted where it was thrown).
   */
  protected async traced<R>(
    operation: string | undefined,
    keys: string | readonly string[],
    fn: (via: (connection: Valkey) => Valkey) => Promise<R>,
    count = false,
  ): Promise<R> {
    const call =
      operation === undefined ? undefined : this.metrics.observer?.start(operation, keys);
    let used: Valkey | undefined;
    try {
      const result = await fn((connection) => (used = connection));
      call?.end(used);
      return result;
    } catch (err) {
      if (count && !(err instanceof CacheDecodeError)) this.metrics.errors++;
      const error = toCacheError(err, this.alias);
      call?.fail(error, used, false);
      throw error;
    }
  }

  /**
   * The one connection that holds every key of `fullKeys`, for commands that must run on one
   * server; a {@link CacheArgumentError} when the client spreads them (a `ShardClient`).
   */
  protected clientForAll(fullKeys: readonly string[], write: boolean): Valkey {
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

  /**
   * `MGET` of `fullKeys`, one per connection that holds some of them; replies in key order.
   * `via` learns the connection when there is one.
   */
  protected async mgetAll(
    fullKeys: readonly string[],
    via?: (connection: Valkey) => Valkey,
  ): Promise<Array<Buffer | null>> {
    const groups = this.client.groupByConnection(fullKeys, false);
    if (groups.length === 1) {
      const connection = via ? via(groups[0]!.client) : groups[0]!.client;
      return connection.mgetBuffer(groups[0]!.keys as string[]);
    }
    const out = new Array<Buffer | null>(fullKeys.length).fill(null);
    await Promise.all(
      groups.map(async (g) => {
        const raws = await g.client.mgetBuffer(g.keys as string[]);
        raws.forEach((raw, j) => (out[g.indexes ? g.indexes[j]! : j] = raw));
      }),
    );
    return out;
  }

  /** The decoded value at the built key `fullKey`, or `MISSING`; the read of `get` and `getOrSet`. */
  protected async getRaw(fullKey: string): Promise<unknown> {
    const raw = await this.client.clientFor(fullKey, false).getBuffer(fullKey);
    return raw === null ? MISSING : this.decode(raw, fullKey, MISSING);
  }
}
