import type { Valkey } from 'iovalkey';
import { CacheConnectionError } from '../../errors.js';
import { setOwnProperty } from '../../util/own-property.js';
import { MISSING, listOf } from '../cache-core.js';
import { toCacheError } from '../to-cache-error.js';
import type { CacheValue, Timeout, VersionOption } from '../cache-options.js';
import { ValueCommands } from './values.js';

function entriesOf(
  data: Record<string, CacheValue> | ReadonlyMap<string, CacheValue>,
): Array<[string, CacheValue]> {
  return data instanceof Map
    ? [...(data as ReadonlyMap<string, CacheValue>).entries()]
    : Object.entries(data);
}

/** Many-key reads and writes, one round trip each: django-valkey's `get_many` family. */
export class ManyValueCommands extends ValueCommands {
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
    const call = this.metrics.observer?.start('get_many', full);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      raws = await this.mgetAll(full, call && ((c) => (conn = c)));
    } catch (err) {
      this.metrics.observe('getMany', t0);
      return this.fail(err, result, call, conn);
    }
    this.metrics.observe('getMany', t0);
    let hits = 0;
    for (let i = 0; i < list.length; i++) {
      const raw = raws[i];
      if (raw === null || raw === undefined) continue;
      const value = this.decode(raw, full[i]!, MISSING, call, conn);
      if (value !== MISSING) {
        hits++;
        setOwnProperty(result, list[i]!, value as T);
      }
    }
    this.metrics.hits += hits;
    this.metrics.misses += list.length - hits;
    call?.end(conn, hits);
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
    const call = this.metrics.observer?.start('set_many', keys);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      // One pipeline per connection holding some of the keys (one in all unless sharded).
      const groups = this.client.groupByConnection(keys, true);
      if (groups.length === 1) conn = groups[0]!.client;
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
          if (remove) {
            call?.end(conn);
            return entries.map(([k]) => k);
          }
          failed.push(entries[g.indexes ? g.indexes[j]! : j]![0]);
        }
      }
      this.metrics.observe('setMany', t0);
      if (remove) this.metrics.deletes += entries.length;
      else this.metrics.sets += entries.length - failed.length;
      call?.end(conn);
      return failed;
    } catch (err) {
      this.metrics.observe('setMany', t0);
      return this.fail(
        err,
        entries.map(([k]) => k),
        call,
        conn,
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
    const call = this.metrics.observer?.start('mset', keys);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      conn = this.clientForAll(keys, true);
      const multi = conn.multi();
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
      call?.end(conn);
      return true;
    } catch (err) {
      this.metrics.observe('mset', t0);
      return this.fail(err, false, call, conn);
    }
  }

  /** Deletes the keys; returns how many existed. One `DEL`, however many keys. */
  async deleteMany(keys: Iterable<string>, opts?: VersionOption): Promise<number> {
    const full = listOf(keys, this.alias).map((k) => this.makeKey(k, opts?.version));
    if (full.length === 0) return 0;
    const call = this.metrics.observer?.start('delete_many', full);
    let conn: Valkey | undefined;
    const t0 = performance.now();
    try {
      const groups = this.client.groupByConnection(full, true);
      if (groups.length === 1) conn = groups[0]!.client;
      const deleted =
        groups.length === 1
          ? await groups[0]!.client.del(groups[0]!.keys as string[])
          : (await Promise.all(groups.map((g) => g.client.del(g.keys as string[])))).reduce(
              (a, b) => a + b,
              0,
            );
      this.metrics.observe('deleteMany', t0);
      this.metrics.deletes += full.length;
      call?.end(conn);
      return deleted;
    } catch (err) {
      this.metrics.observe('deleteMany', t0);
      return this.fail(err, 0, call, conn);
    }
  }
}
