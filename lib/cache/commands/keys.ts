import type { Valkey } from 'iovalkey';
import { CacheArgumentError } from '../../errors.js';
import { CacheLock, type LockOptions } from '../cache-lock.js';
import { MAX_EXPIRY_MS } from '../cache-core.js';
import type { ScanOptions, Timeout, VersionOption } from '../cache-options.js';

import { CounterCommands } from './counters.js';

const DEFAULT_ITERSIZE = 100;

/** Whole keys: clear, expiry (ttl, expire, persist, touch), SCAN patterns and locks. */
export class KeyCommands extends CounterCommands {
  /**
   * Deletes **every key in the database** (`FLUSHDB` on the primary), as Django's `clear()`
   * does, whatever the key prefix. Use {@link deletePattern}`('*')` to delete only this cache's
   * prefix and version.
   */
  async clear(): Promise<void> {
    await this.run(async (via) => {
      const all = await this.client.allConnections(true);
      if (all.length === 1) via(all[0]!);
      return Promise.all(all.map((c) => c.flushdb()));
    }, 'clear');
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
    const t = await this.run((via) => via(this.client.clientFor(k, false))[cmd](k), cmd, k);
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
    return this.keyCommand('pexpire', (c, k) => c.pexpire(k, Math.trunc(timeout)), key, opts);
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
    return this.keyCommand('pexpireat', (c, k) => c.pexpireat(k, Math.trunc(ms)), key, opts);
  }

  /** Removes the expiry of `key`; returns whether it had one. */
  async persist(key: string, opts?: VersionOption): Promise<boolean> {
    return this.keyCommand('persist', (c, k) => c.persist(k), key, opts);
  }

  /** A relative or absolute expiry in ms: finite and at most `MAX_EXPIRY_MS` in magnitude. */
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
    operation: string,
    command: (client: Valkey, key: string) => Promise<number>,
    key: string,
    opts?: VersionOption,
  ): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const answer = await this.run(
      (via) => command(via(this.client.clientFor(k, true)), k),
      operation,
      k,
    );
    return answer === 1;
  }

  /**
   * Resets the expiry of `key` to `timeout` seconds from now (omitted: the cache's default;
   * `null`: never expires; `<= 0`: deletes it). Returns whether the key exists.
   */
  async touch(key: string, timeout?: Timeout, opts?: VersionOption): Promise<boolean> {
    const ms = this.toMs(timeout);
    const k = this.makeKey(key, opts?.version);
    const call = this.metrics.observer?.start('touch', k);
    let c: Valkey | undefined;
    const t0 = performance.now();
    try {
      c = this.client.clientFor(k, true);
      let touched: boolean;
      if (ms === null) {
        // PERSIST answers 0 for a key without expiry; EXISTS says whether it was touched.
        const replies = await c.multi().persist(k).exists(k).exec();
        const failed = replies?.find(([err]) => err)?.[0];
        if (failed) throw failed;
        touched = replies?.[1]?.[1] === 1;
      } else touched = (await c.pexpire(k, ms)) === 1;
      this.metrics.observe('touch', t0);
      call?.end(c);
      return touched;
    } catch (err) {
      this.metrics.observe('touch', t0);
      return this.fail(err, false, call, c);
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
        // One observed call per SCAN round trip.
        const [next, keys] = await this.run(
          (via) => via(client).scan(cursor, 'MATCH', match, 'COUNT', count),
          'scan',
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
      this.run(async (via) => {
        via(client);
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
      }, 'delete_pattern'),
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
}
