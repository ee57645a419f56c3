import { randomUUID } from 'node:crypto';
import type { Valkey } from 'iovalkey';
import { CacheError } from '../errors.js';
import { toCacheError } from './to-cache-error.js';
import { LuaScript } from './lua-script.js';

/** Options of {@link CacheLock}; every time is in **seconds** (fractions allowed). */
export interface LockOptions {
  /** Expiry of the lock in seconds; `null`/omitted: held until released. */
  timeout?: number | null;
  /** Pause between acquire attempts in seconds (default 0.1 s). */
  sleep?: number;
  /** Wait for the lock when it is taken (default `true`). */
  blocking?: boolean;
  /** Longest wait for the lock in seconds; `null`/omitted waits until it is free. */
  blockingTimeout?: number | null;
}

/** Base class of lock errors (valkey-py's `LockError`). */
export class LockError extends CacheError {
  override name = 'LockError';
}

/** Raised when a lock is released or extended by someone who does not hold it. */
export class LockNotOwnedError extends LockError {
  override name = 'LockNotOwnedError';
}

// Delete the key only when it still holds our token.
export const RELEASE = new LuaScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
);
// Add ARGV[2] ms to the remaining TTL (or set it to ARGV[2] when ARGV[3] is '1'), only for the owner.
export const EXTEND = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local remaining = redis.call('PTTL', KEYS[1])
if remaining < 0 then return 0 end
local ttl = tonumber(ARGV[2])
if ARGV[3] ~= '1' then ttl = ttl + remaining end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A distributed lock on one key (the analogue of valkey-py's `Lock` returned by django-valkey's
 * `cache.lock()`): `SET NX PX` with a random token, so only the holder can release or extend it.
 * One instance holds at most one token; create one lock object per concurrent holder.
 *
 * @example
 * const lock = cache.lock('report', { timeout: 30, blockingTimeout: 5 });
 * await lock.run(async () => buildReport()); // acquire, run, release
 */
export class CacheLock {
  private token: string | undefined;

  constructor(
    private readonly client: () => Valkey,
    /** The stored (prefixed, versioned) key of the lock. */
    readonly key: string,
    private readonly options: LockOptions,
    private readonly alias: string,
  ) {
    const { timeout, sleep: pause, blockingTimeout } = options;
    if (timeout !== undefined && timeout !== null && !(timeout > 0)) {
      throw new LockError(`lock timeout must be > 0 seconds or null, got ${timeout}`, alias);
    }
    if (pause !== undefined && !(pause >= 0)) {
      throw new LockError(`lock sleep must be >= 0 seconds, got ${pause}`, alias);
    }
    if (blockingTimeout !== undefined && blockingTimeout !== null && !(blockingTimeout >= 0)) {
      throw new LockError(
        `lock blockingTimeout must be >= 0 seconds or null, got ${blockingTimeout}`,
        alias,
      );
    }
  }

  /**
   * Takes the lock, retrying every `sleep` seconds while it is held elsewhere. Returns `false`
   * when it is held elsewhere and `blocking` is off, or when `blockingTimeout` seconds pass first.
   */
  async acquire(
    opts: { blocking?: boolean; blockingTimeout?: number | null } = {},
  ): Promise<boolean> {
    const blocking = opts.blocking ?? this.options.blocking ?? true;
    const blockingTimeout =
      opts.blockingTimeout !== undefined ? opts.blockingTimeout : this.options.blockingTimeout;
    const sleepMs = (this.options.sleep ?? 0.1) * 1000;
    const token = randomUUID();
    const deadline =
      blockingTimeout === null || blockingTimeout === undefined
        ? Infinity
        : Date.now() + blockingTimeout * 1000;
    for (;;) {
      if (await this.tryTake(token)) {
        this.token = token;
        return true;
      }
      const left = deadline - Date.now();
      if (!blocking || left <= 0) return false;
      await sleep(Math.min(sleepMs, left));
    }
  }

  private async tryTake(token: string): Promise<boolean> {
    const { timeout } = this.options;
    try {
      const reply =
        timeout === undefined || timeout === null
          ? await this.client().set(this.key, token, 'NX')
          : await this.client().set(
              this.key,
              token,
              'PX',
              Math.max(1, Math.round(timeout * 1000)),
              'NX',
            );
      return reply === 'OK';
    } catch (err) {
      throw toCacheError(err, this.alias);
    }
  }

  /** Releases the lock; throws {@link LockNotOwnedError} when this instance does not hold it. */
  async release(): Promise<void> {
    const token = this.token;
    this.token = undefined;
    if (token === undefined) {
      throw new LockNotOwnedError(
        `cannot release lock '${this.key}': not acquired by this owner`,
        this.alias,
      );
    }
    await this.runAsOwner('release', RELEASE, [token]);
  }

  /**
   * Adds `additionalTime` seconds to the lock's remaining time (or sets the remaining time to
   * `additionalTime` with `replaceTtl`). Throws {@link LockError} for a lock without timeout and
   * {@link LockNotOwnedError} when this instance no longer holds it.
   */
  async extend(additionalTime: number, replaceTtl = false): Promise<true> {
    if (this.options.timeout === undefined || this.options.timeout === null) {
      throw new LockError(`cannot extend lock '${this.key}': it has no timeout`, this.alias);
    }
    if (this.token === undefined) {
      throw new LockNotOwnedError(`cannot extend lock '${this.key}': not acquired`, this.alias);
    }
    const ms = Math.round(additionalTime * 1000);
    await this.runAsOwner('extend', EXTEND, [this.token, ms, replaceTtl ? '1' : '0']);
    return true;
  }

  /**
   * Runs `script` on the lock's key (`args` start with the token); throws
   * {@link LockNotOwnedError} when it reports that the token no longer holds the lock.
   */
  private async runAsOwner(
    action: 'release' | 'extend',
    script: LuaScript,
    args: ReadonlyArray<string | number>,
  ): Promise<void> {
    let reply: unknown;
    try {
      reply = await script.run(this.client(), [this.key], args);
    } catch (err) {
      throw toCacheError(err, this.alias);
    }
    if (reply !== 1) {
      throw new LockNotOwnedError(
        `cannot ${action} lock '${this.key}': no longer held by this owner`,
        this.alias,
      );
    }
  }

  /**
   * Acquires the lock, runs `fn`, and releases the lock whatever `fn` does (Python's
   * `with cache.lock(key):`). Throws {@link LockError} when the lock cannot be acquired.
   */
  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (!(await this.acquire())) {
      throw new LockError(`cannot acquire lock '${this.key}' within the time allowed`, this.alias);
    }
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }

  /** Whether anyone holds the lock now. */
  async locked(): Promise<boolean> {
    try {
      return (await this.client().exists(this.key)) === 1;
    } catch (err) {
      throw toCacheError(err, this.alias);
    }
  }

  /** Whether this instance holds the lock now. */
  async owned(): Promise<boolean> {
    if (this.token === undefined) return false;
    try {
      return (await this.client().get(this.key)) === this.token;
    } catch (err) {
      throw toCacheError(err, this.alias);
    }
  }
}
