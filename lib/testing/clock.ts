/**
 * The time source of an in-memory store, in **milliseconds since the epoch** (like `Date.now()`).
 * Expiry (`PX`, `EXPIRE`, `PEXPIREAT`, ...) and `TTL`/`PTTL` are computed against it.
 */
export interface InMemoryClock {
  /** The current time in milliseconds since the epoch. */
  now(): number;
}

/**
 * The default clock: `Date.now()`, read at every command. It follows a test runner's fake
 * timers when they fake `Date` (jest's `useFakeTimers()`, sinon's `useFakeTimers()`).
 */
export const systemClock: InMemoryClock = { now: () => Date.now() };

/**
 * A clock that only moves when told to, for expiry tests without waiting:
 * `clock.advance(301_000)` and a key stored for 300 s is gone. Starts at `startMs`
 * (default: the real time when it was created).
 *
 * Only the store's expiry follows it: code that reads `Date.now()` itself (lock waits, the
 * `HerdClient` logical expiry) still sees real time.
 */
export class FakeClock implements InMemoryClock {
  private current: number;

  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  /** The current fake time in milliseconds since the epoch. */
  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds (must be >= 0); returns the new time. */
  advance(ms: number): number {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`FakeClock.advance() needs a finite number of ms >= 0, got ${ms}`);
    }
    this.current += ms;
    return this.current;
  }

  /** Sets the clock to `ms` milliseconds since the epoch (may move backwards). */
  set(ms: number): void {
    if (!Number.isFinite(ms))
      throw new RangeError(`FakeClock.set() needs a finite time, got ${ms}`);
    this.current = ms;
  }
}
