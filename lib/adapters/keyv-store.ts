/**
 * `nestjs-valkey-cache/keyv`: a Keyv storage adapter over a named cache, so an alias (standalone,
 * Sentinel, shard or cluster) can back `@nestjs/cache-manager`'s `CacheModule`, `cache-manager`
 * 7 and anything else built on Keyv.
 *
 * Nothing from `keyv` is imported, at runtime or as a type: the adapter is structural, so this
 * entry point works whichever Keyv major (5 or 6) the application installs.
 */
import { EventEmitter } from 'node:events';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { globEscape } from '../util/glob.js';
import { msToSeconds } from './adapter-time.js';

/** Options of {@link ValkeyKeyvStore}. */
export interface ValkeyKeyvStoreOptions {
  /**
   * Namespace of this store: keys are stored as `<cache key of "<namespace>:<key>">` and
   * {@link ValkeyKeyvStore.clear} deletes only this namespace. A Keyv instance created with its own
   * `namespace` option overrides it. Default: none (then `clear()` deletes every key of the
   * cache's prefix and version, still with `SCAN`, never `FLUSHDB`).
   */
  namespace?: string;
  /** `SCAN` `COUNT` hint and `MGET` batch size of `clear()` and `iterator()` (default 100). */
  itersize?: number;
}

/**
 * One entry of {@link ValkeyKeyvStore.setMany}: what Keyv 5 and Keyv 6's bridge pass, with the
 * time to live relative to now, in **milliseconds** (`undefined`: never expires).
 */
export interface ValkeyKeyvStoreEntry {
  /** The key Keyv hands the store (see {@link ValkeyKeyvStore} for namespacing). */
  key: string;
  /** The value Keyv hands the store (normally the string Keyv serialized). */
  value: unknown;
  /** Time to live in **milliseconds**; `undefined` (or `<= 0`) never expires. */
  ttl?: number;
}

/**
 * What the store hands back to Keyv: what Keyv handed it, i.e. the string Keyv serialized, or
 * (with Keyv's `serialization: false`) its `{ value, expires }` envelope; `undefined` when missing.
 * `expires` is an absolute time in milliseconds since the epoch, written and read by Keyv only.
 */
export type KeyvStoredValue<V = unknown> =
  { value?: V; expires?: number | undefined } | string | undefined;

/** Events of {@link ValkeyKeyvStore} (Keyv subscribes to `error`). */
export interface ValkeyKeyvStoreEvents {
  /** A failure the store could not hand back to a caller (none today; kept for Keyv). */
  error: [error: Error];
}

const DEFAULT_ITERSIZE = 100;
const MISSING: unique symbol = Symbol('missing');

/**
 * A Keyv storage adapter (the promise-based store contract of Keyv 5, which Keyv 6 accepts
 * through its `KeyvBridgeAdapter`) over one {@link ValkeyCache} alias.
 *
 * ```ts
 * import Keyv from 'keyv';
 * import { ValkeyKeyvStore } from 'nestjs-valkey-cache/keyv';
 * const keyv = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'users' }) });
 * await keyv.set('42', { name: 'Ada' }, 60_000); // ttl in milliseconds
 * ```
 *
 * - **Values**: Keyv serializes before it calls the store, so values normally arrive as strings
 *   (`{"value":…,"expires":…}`); with Keyv's `serialization: false` they arrive as
 *   `{ value, expires }` objects. Either way they are stored with the cache's own serializer and
 *   compressor (a string through the JSON serializer is stored as a JSON string) and come back
 *   exactly as handed over.
 * - **TTL**: Keyv passes milliseconds (Keyv 6 passes an absolute `expires`, which its bridge turns
 *   back into milliseconds); the store writes them with `PX`, to the millisecond (1,500 ms is
 *   stored as 1.5 s, not rounded to seconds). No ttl means **no expiry** (not the cache's default
 *   `timeout`): set Keyv's `ttl` option for a default.
 * - **Keys**: `cache.makeKey("<namespace>:<key>")` (prefix, version and `keyFunction` apply).
 *   Keyv 5 prefixes keys with its own namespace before calling the store (`keyv:` by default), so
 *   under Keyv 5 a key reads `<namespace>:<namespace>:<key>`; create Keyv 5 with
 *   `useKeyPrefix: false` to keep one.
 * - **Errors** are thrown as the cache's typed errors (naming the alias); Keyv catches them and
 *   emits them as its own `error` event. With the alias's `ignoreExceptions`, connection errors of
 *   `get`/`set`/`delete`/`has` return the fallback (a miss, `false`) instead.
 * - `disconnect()` does **not** close the alias's connections: they belong to the `CacheModule`
 *   and close on application shutdown.
 */
export class ValkeyKeyvStore extends EventEmitter<ValkeyKeyvStoreEvents> {
  /**
   * The namespace Keyv sets (or the one from the options). Kept as an own property: Keyv 6's
   * bridge then lets the store scope keys and `clear()` itself.
   */
  namespace: string | undefined;
  /** Read by Keyv 5 to decide that the store is iterable (`dialect` in its list of SCAN stores). */
  readonly opts: { readonly dialect: 'valkey'; readonly alias: string };
  private readonly itersize: number;

  constructor(
    /** The cache the values go to. */
    readonly cache: ValkeyCache,
    options: ValkeyKeyvStoreOptions = {},
  ) {
    super();
    this.namespace = options.namespace;
    this.itersize = options.itersize ?? DEFAULT_ITERSIZE;
    this.opts = { dialect: 'valkey', alias: cache.alias };
  }

  /** The cache key (before prefix and version) of the Keyv key `key`. */
  private keyOf(key: string): string {
    return this.namespace ? `${this.namespace}:${key}` : key;
  }

  /** The Keyv key of the cache key `cacheKey` (inverse of {@link keyOf}). */
  private keyvKeyOf(cacheKey: string): string {
    return this.namespace ? cacheKey.slice(this.namespace.length + 1) : cacheKey;
  }

  /** The glob of every key of this namespace (prefix and version are added by the cache). */
  private pattern(): string {
    return this.namespace ? `${globEscape(this.namespace)}:*` : '*';
  }

  /** A Keyv ttl in **milliseconds** as a cache timeout in seconds (`null`: never expires). */
  private static timeoutOf(ttl: number | undefined): number | null {
    return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? msToSeconds(ttl) : null;
  }

  /** The value stored under `key`, or `undefined`. */
  async get<Value = unknown>(key: string): Promise<KeyvStoredValue<Value>> {
    const value = await this.cache.get<KeyvStoredValue<Value>, typeof MISSING>(
      this.keyOf(key),
      MISSING,
    );
    return value === MISSING ? undefined : value;
  }

  /** The values of `keys`, in order, `undefined` where missing. One `MGET`. */
  async getMany<Value = unknown>(
    keys: readonly string[],
  ): Promise<Array<KeyvStoredValue<Value | undefined>>> {
    if (keys.length === 0) return [];
    const found = await this.cache.getMany<KeyvStoredValue<Value>>(keys.map((k) => this.keyOf(k)));
    return keys.map((k) => {
      const ck = this.keyOf(k);
      return Object.prototype.hasOwnProperty.call(found, ck) ? found[ck] : undefined;
    });
  }

  /**
   * Stores `value` under `key` for `ttl` **milliseconds** (`undefined`: never expires); returns
   * whether it was stored.
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.cache.set(this.keyOf(key), value, ValkeyKeyvStore.timeoutOf(ttl));
  }

  /**
   * Stores the entries, each with its own ttl in **milliseconds**: one pipelined round trip per
   * distinct ttl. Returns, per entry, whether it was stored.
   */
  async setMany(entries: readonly ValkeyKeyvStoreEntry[]): Promise<boolean[]> {
    const byTimeout = new Map<number | null, Map<string, unknown>>();
    for (const e of entries) {
      const timeout = ValkeyKeyvStore.timeoutOf(e.ttl);
      let group = byTimeout.get(timeout);
      if (!group) byTimeout.set(timeout, (group = new Map()));
      group.set(this.keyOf(e.key), e.value);
    }
    const failed = new Set<string>();
    await Promise.all(
      [...byTimeout].map(async ([timeout, data]) => {
        for (const k of await this.cache.setMany(data, timeout)) failed.add(k);
      }),
    );
    return entries.map((e) => !failed.has(this.keyOf(e.key)));
  }

  /** Deletes `key`; returns whether it existed. */
  async delete(key: string): Promise<boolean> {
    return this.cache.delete(this.keyOf(key));
  }

  /** Deletes the keys; returns, per key, whether it existed. */
  async deleteMany(keys: readonly string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.cache.delete(this.keyOf(k))));
  }

  /** Whether `key` exists (the server expires keys itself, so an existing key is live). */
  async has(key: string): Promise<boolean> {
    return this.cache.hasKey(this.keyOf(key));
  }

  /** Per key, whether it exists. */
  async hasMany(keys: readonly string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.cache.hasKey(this.keyOf(k))));
  }

  /**
   * Deletes every key of this namespace (`SCAN` + `UNLINK` through the cache's `deletePattern`),
   * never `FLUSHDB`: other namespaces, other prefixes and other versions are left alone. Without a
   * namespace, every key of the cache's prefix and version.
   */
  async clear(): Promise<void> {
    await this.cache.deletePattern(this.pattern(), { itersize: this.itersize });
  }

  /**
   * Iterates `[key, value]` over this namespace: `SCAN` for the keys, one `MGET` per batch of
   * `itersize`. Keys are the ones Keyv handed the store; a key deleted meanwhile is skipped.
   * `Value` is the stored form ({@link KeyvStoredValue}), which Keyv decodes.
   */
  async *iterator<Value = KeyvStoredValue>(
    _namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void, undefined> {
    const seen = new Set<string>();
    let batch: string[] = [];
    for await (const cacheKey of this.cache.iterKeys(this.pattern(), {
      itersize: this.itersize,
    })) {
      if (seen.has(cacheKey)) continue;
      seen.add(cacheKey);
      batch.push(cacheKey);
      if (batch.length >= this.itersize) {
        yield* this.load<Awaited<Value>>(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield* this.load<Awaited<Value>>(batch);
  }

  private async *load<V>(cacheKeys: readonly string[]): AsyncGenerator<[string, V]> {
    const found = await this.cache.getMany<V>(cacheKeys);
    for (const ck of cacheKeys) {
      if (Object.prototype.hasOwnProperty.call(found, ck)) yield [this.keyvKeyOf(ck), found[ck]];
    }
  }

  /** Does nothing: the alias's connections belong to the `CacheModule` (closed on shutdown). */
  async disconnect(): Promise<void> {}
}
