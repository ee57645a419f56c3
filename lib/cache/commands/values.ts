import type { Valkey } from 'iovalkey';
import { CacheConnectionError, CacheError, CacheReadOnlyError } from '../../errors.js';
import { MISSING, type Missing } from '../cache-core.js';
import { toCacheError } from '../to-cache-error.js';
import type { CacheValue, SetOptions, Timeout, VersionOption } from '../cache-options.js';
import { EarlyRecomputeCommands, type GetOrSetOptions } from './early-recompute.js';

/** One attempt of a `set` on `client`; `ms <= 0` deletes (with `nx`: checks absence). */
async function setOn(
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

/** Single-key and many-key reads and writes: django-valkey's get/set/add/delete family. */
export class ValueCommands extends EarlyRecomputeCommands {
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
    let conn: Valkey | undefined;
    const call = this.metrics.observer?.start('get', k);
    const t0 = performance.now();
    try {
      conn = this.client.clientFor(k, false);
      raw = await conn.getBuffer(k);
    } catch (err) {
      this.metrics.observe('get', t0);
      return this.fail(err, defaultValue, call, conn);
    }
    this.metrics.observe('get', t0);
    // An undecodable value with undecodableAsMiss counts as a miss.
    const value = raw === null ? MISSING : this.decode(raw, k, MISSING, call, conn);
    if (value === MISSING) {
      this.metrics.misses++;
      call?.end(conn, 0);
      return defaultValue;
    }
    this.metrics.hits++;
    call?.end(conn, 1);
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
    const call = this.metrics.observer?.start(opts?.nx === true ? 'add' : 'set', k);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      conn = this.client.clientFor(k, true);
      let stored: boolean;
      // Hot path (a plain set with an expiry): the command's promise only, no options object.
      if (ms !== null && ms > 0 && opts?.nx !== true && opts?.xx !== true)
        stored = (await conn.set(k, payload, 'PX', ms)) === 'OK';
      else stored = await setOn(conn, k, payload, ms, opts ?? {});
      this.metrics.observe('set', t0);
      this.countSet(ms, opts, stored);
      call?.end(conn);
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
            conn = other;
            const stored = await setOn(other, k, payload, ms, opts ?? {});
            this.countSet(ms, opts, stored);
            call?.end(other);
            return stored;
          } catch (next) {
            error = toCacheError(next, this.alias);
            if (!retriable(error)) break;
          }
        }
      }
      return this.fail(error, false, call, conn);
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
    const call = this.metrics.observer?.start('delete', k);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      conn = this.client.clientFor(k, true);
      const existed = (await conn.del(k)) > 0;
      this.metrics.observe('delete', t0);
      this.metrics.deletes++;
      call?.end(conn);
      return existed;
    } catch (err) {
      this.metrics.observe('delete', t0);
      return this.fail(err, false, call, conn);
    }
  }

  /** Whether `key` exists. */
  async hasKey(key: string, opts?: VersionOption): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const call = this.metrics.observer?.start('has_key', k);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      conn = this.client.clientFor(k, false);
      const exists = (await conn.exists(k)) === 1;
      this.metrics.observe('hasKey', t0);
      call?.end(conn);
      return exists;
    } catch (err) {
      this.metrics.observe('hasKey', t0);
      return this.fail(err, false, call, conn);
    }
  }

  /**
   * Returns the value of `key`; on a miss computes `valueOrFactory` (a function, sync or async,
   * is called once), stores it with {@link add} for `timeout` seconds and returns what the cache
   * holds then, so concurrent callers agree on one value. A stored `null` counts as a hit.
   *
   * With early recomputation (`opts.earlyRecompute`, else the cache's `options.earlyRecompute`)
   * and a timeout > 0, a hit may recompute the value before it expires (XFetch), and concurrent
   * callers in this process run the factory once (docs/cache-api.md, early recomputation).
   */
  async getOrSet<T>(
    key: string,
    valueOrFactory: T | (() => T | Promise<T>),
    timeout?: Timeout,
    opts: GetOrSetOptions = {},
  ): Promise<T> {
    const early = opts.earlyRecompute ?? this.config.earlyRecompute;
    if (early !== undefined && early !== false) {
      const beta = this.earlyRecomputeOf(opts)?.beta;
      const ms = this.toMs(timeout);
      if (beta !== undefined && ms !== null && ms > 0)
        return this.getOrSetEarly(key, valueOrFactory, ms, opts, beta);
    }
    const k = this.makeKey(key, opts.version);
    // Hot path (a hit): the command's promise only; a CacheDecodeError propagates.
    let raw: Buffer | null = null;
    let reachable = true;
    // One call for the read; the add and re-read of a miss report their own calls.
    const call = this.metrics.observer?.start('get_or_set', k);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      conn = this.client.clientFor(k, false);
      raw = await conn.getBuffer(k);
    } catch (err) {
      this.metrics.observe('get', t0);
      this.fail<Missing>(err, MISSING, call, conn);
      reachable = false;
    }
    if (reachable) this.metrics.observe('get', t0);
    // An undecodable value with undecodableAsMiss counts as a miss.
    const hit = raw === null ? MISSING : this.decode(raw, k, MISSING, call, conn);
    if (hit !== MISSING) {
      this.metrics.hits++;
      call?.end(conn, 1);
      return hit as T;
    }
    if (reachable) {
      this.metrics.misses++;
      call?.end(conn, 0);
    }
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
}
