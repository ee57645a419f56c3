import type { Valkey } from 'iovalkey';
import { CacheConnectionError, CacheError, CacheReadOnlyError } from '../../errors.js';
import { setOwnProperty } from '../../util/own-property.js';
import { MISSING, listOf, type Missing } from '../cache-core.js';
import { toCacheError } from '../to-cache-error.js';
import type { CacheValue, SetOptions, Timeout, VersionOption } from '../cache-options.js';
import { EarlyRecomputeCommands, type GetOrSetOptions } from './early-recompute.js';

function entriesOf(
  data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
): Array<[string, CacheValue]> {
  return data instanceof Map
    ? [...(data as ReadonlyMap<string, CacheValue>).entries()]
    : Object.entries(data);
}

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
      else stored = await setOn(client, k, payload, ms, opts ?? {});
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
            const stored = await setOn(other, k, payload, ms, opts ?? {});
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
}
