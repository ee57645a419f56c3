import type { Valkey } from 'iovalkey';
import { CacheArgumentError, CacheError, CacheKeyNotFoundError } from '../../errors.js';
import { LuaScript } from '../lua-script.js';
import { isIntegerReplyError, toCacheError } from '../to-cache-error.js';
import type { Counter, IncrOptions, VersionOption } from '../cache-options.js';

import { ManyValueCommands } from './many-values.js';

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

/** Integer counters and key versions: incr/decr, incrVersion/decrVersion. */
export class CounterCommands extends ManyValueCommands {
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
    return this.traced('incr', k, (via) =>
      this.incrOn(via(this.client.clientFor(k, true)), k, key, delta, opts),
    );
  }

  private async incrOn(
    client: Valkey,
    k: string,
    key: string,
    delta: number | bigint,
    opts: IncrOptions,
  ): Promise<Counter> {
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
    return this.traced('incr_version', [from, to], (via) =>
      this.moveVersion(via, key, from, to, version + delta),
    );
  }

  private async moveVersion(
    via: (connection: Valkey) => Valkey,
    key: string,
    from: string,
    to: string,
    version: number,
  ): Promise<number> {
    try {
      // groups[0] holds `from`; a second group means `to` lives on another shard.
      const groups = this.client.groupByConnection(from === to ? [from] : [from, to], true);
      const source = via(groups[0]!.client);
      if (groups.length > 1) await this.moveKey(source, from, groups[1]!.client, to, key);
      else if (from !== to) await source.rename(from, to);
      else if (!(await source.exists(from))) throw new CacheKeyNotFoundError(key, this.alias);
      return version;
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
}
