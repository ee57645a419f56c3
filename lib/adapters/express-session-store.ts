/**
 * `nestjs-valkey-cache/express-session`: an `express-session` store over a named cache.
 *
 * This entry point imports `express-session` at runtime (the store subclasses its `Store`); the
 * main entry never does.
 */
import session from 'express-session';
import type { SessionData } from 'express-session';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { CacheArgumentError } from '../errors.js';
import { globEscape } from '../util/glob.js';
import { setOwnProperty } from '../util/own-property.js';
import { msToSeconds } from './adapter-time.js';

/** Options of {@link ValkeySessionStore}. */
export interface ValkeySessionStoreOptions {
  /**
   * Prepended to the session id to make the cache key (before the cache's own prefix and
   * version): a session is stored at `cache.makeKey(prefix + sid)`. Default `'sess:'`.
   */
  prefix?: string;
  /**
   * Expiry in **seconds** of a session whose cookie has neither `maxAge` nor `expires` (a browser
   * session cookie): a finite number `> 0` (anything else is refused with a `CacheArgumentError`
   * naming the alias, as it would delete every such session on save). Default 86,400 (one day).
   */
  ttl?: number;
  /** `touch()` does nothing (a session then expires `ttl` after its last save). Default `false`. */
  disableTouch?: boolean;
  /** `SCAN` `COUNT` hint and `MGET` batch size of `all`, `length` and `clear` (default 100). */
  itersize?: number;
}

/** `err` is `null` on success; the error otherwise (never thrown). */
type Callback<T> = (err: unknown, value?: T) => void;

const DEFAULT_PREFIX = 'sess:';
const DEFAULT_TTL_SECONDS = 86_400;
const DEFAULT_ITERSIZE = 100;

/**
 * An `express-session` store on one {@link ValkeyCache} alias (standalone, Sentinel, shard or
 * cluster):
 *
 * ```ts
 * import session from 'express-session';
 * import { ValkeySessionStore } from 'nestjs-valkey-cache/express-session';
 * app.use(session({ store: new ValkeySessionStore(cache), secret, resave: false,
 *   saveUninitialized: false, cookie: { maxAge: 3_600_000 } }));
 * ```
 *
 * - A session is stored as plain data (its `JSON` form, so `cookie.expires` is an ISO string, as
 *   `express-session` expects) with the cache's serializer and compressor.
 * - **Expiry**: the cookie's `expires` (what `maxAge`, in **milliseconds**, sets), kept to the
 *   millisecond with `PX`; a cookie without one uses the `ttl` option (**seconds**). A session
 *   whose cookie already expired is deleted instead of stored. `touch()` resets the expiry the
 *   same way without rewriting the session (`PEXPIRE`).
 * - `all`, `length` and `clear` see only this store's `prefix` under the cache's prefix and
 *   version (`SCAN`, never `KEYS` or `FLUSHDB`).
 * - Errors (typed cache errors naming the alias) go to the callbacks, never thrown; a call made
 *   without a callback emits them as `error` when someone listens.
 */
export class ValkeySessionStore extends session.Store {
  /** Key prefix of the sessions (before the cache's prefix and version). */
  readonly prefix: string;
  /** Expiry in seconds of a session whose cookie has no expiry. */
  readonly ttl: number;
  private readonly disableTouch: boolean;
  private readonly itersize: number;

  constructor(
    /** The cache the sessions go to. */
    readonly cache: ValkeyCache,
    options: ValkeySessionStoreOptions = {},
  ) {
    super();
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    const ttl: unknown = options.ttl ?? DEFAULT_TTL_SECONDS;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new CacheArgumentError(
        `ValkeySessionStore: option ttl must be a finite number of seconds > 0, got ${typeof ttl === 'number' ? String(ttl) : typeof ttl}`,
        cache.alias,
      );
    }
    this.ttl = ttl;
    this.disableTouch = options.disableTouch ?? false;
    this.itersize = options.itersize ?? DEFAULT_ITERSIZE;
  }

  /**
   * Calls `work` and hands its outcome to `callback`; nothing `work` does is thrown. The callback
   * (or the `error` listeners) run on a later tick, outside the promise chain: what they throw is
   * an ordinary uncaught exception, never an unhandled rejection.
   */
  private settle<T>(work: () => Promise<T>, callback: Callback<T> | undefined): void {
    let promise: Promise<T>;
    try {
      promise = work();
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      (value) => {
        if (callback) process.nextTick(callback, null, value);
      },
      (err: unknown) => {
        if (callback) process.nextTick(callback, err);
        else if (this.listenerCount('error') > 0) process.nextTick(() => this.emit('error', err));
      },
    );
  }

  private keyOf(sid: string): string {
    return this.prefix + sid;
  }

  /**
   * Seconds the session should live: until its cookie's `expires` (`<= 0` when already past),
   * else the `ttl` option.
   */
  private secondsOf(sess: SessionData): number {
    const expires: unknown = sess.cookie?.expires;
    const at =
      expires instanceof Date
        ? expires.getTime()
        : typeof expires === 'string'
          ? Date.parse(expires)
          : NaN;
    if (Number.isNaN(at)) return this.ttl;
    const ms = at - Date.now();
    return ms > 0 ? msToSeconds(ms) : 0;
  }

  /** Passes the session `sid` to `callback` (`null` when there is none). */
  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.settle(() => this.cache.get<SessionData>(this.keyOf(sid)), callback);
  }

  /** Stores the session `sid` until its cookie expires (see the class notes). */
  override set(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    this.settle(async () => {
      const seconds = this.secondsOf(sess);
      if (seconds <= 0) {
        await this.cache.delete(this.keyOf(sid));
        return;
      }
      const plain = JSON.parse(JSON.stringify(sess)) as SessionData;
      await this.cache.set(this.keyOf(sid), plain, seconds);
    }, callback);
  }

  /** Resets the expiry of the session `sid` from its cookie, without rewriting it. */
  override touch(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    if (this.disableTouch) {
      callback?.(null);
      return;
    }
    this.settle(async () => {
      const seconds = this.secondsOf(sess);
      if (seconds <= 0) await this.cache.delete(this.keyOf(sid));
      else await this.cache.touch(this.keyOf(sid), seconds);
    }, callback);
  }

  /** Deletes the session `sid`. */
  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.settle(async () => {
      await this.cache.delete(this.keyOf(sid));
    }, callback);
  }

  /** Every session id of this store's prefix (`SCAN`, duplicates removed). */
  private async ids(): Promise<string[]> {
    const found = new Set<string>();
    const pattern = `${globEscape(this.prefix)}*`;
    for await (const key of this.cache.iterKeys(pattern, { itersize: this.itersize })) {
      found.add(key.slice(this.prefix.length));
    }
    return [...found];
  }

  /** Passes every session of this prefix to `callback`, by session id. */
  override all(callback: Callback<Record<string, SessionData>>): void {
    this.settle(async () => {
      const ids = await this.ids();
      const out: Record<string, SessionData> = {};
      for (let i = 0; i < ids.length; i += this.itersize) {
        const batch = ids.slice(i, i + this.itersize);
        const found = await this.cache.getMany<SessionData>(batch.map((id) => this.keyOf(id)));
        for (const id of batch) {
          const sess = found[this.keyOf(id)];
          if (sess !== undefined) setOwnProperty(out, id, sess);
        }
      }
      return out;
    }, callback);
  }

  /** Passes the number of sessions of this prefix to `callback`. */
  override length(callback: Callback<number>): void {
    this.settle(async () => (await this.ids()).length, callback);
  }

  /** Deletes every session of this prefix (`SCAN` + `UNLINK`); other keys are left alone. */
  override clear(callback?: (err?: unknown) => void): void {
    this.settle(async () => {
      await this.cache.deletePattern(`${globEscape(this.prefix)}*`, { itersize: this.itersize });
    }, callback);
  }
}
