/**
 * Per-process request coalescing ("single flight"): while a call for a key is running, other
 * calls for the same key wait for its result (or its error) instead of running again. The one
 * mechanism behind `@Cached`, `CacheInterceptor` and `HerdCache.getOrSet` (internal).
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  /**
   * Runs `fn` for `key` unless a run for `key` is in progress; then returns that run's promise.
   * `leader` tells whether this call started the run. The key is free again once the run settles
   * (errors are shared with the waiting callers, never kept).
   */
  run(key: string, fn: () => Promise<T>): { result: Promise<T>; leader: boolean } {
    const current = this.inflight.get(key);
    if (current) return { result: current, leader: false };
    let result: Promise<T>;
    try {
      result = fn();
    } catch (err) {
      return { result: Promise.reject(err as Error), leader: true };
    }
    this.inflight.set(key, result);
    // Registered before any caller's reaction, so the key is free when they resume.
    const free = (): void => {
      if (this.inflight.get(key) === result) this.inflight.delete(key);
    };
    result.then(free, free);
    return { result, leader: true };
  }

  /** How many runs are in progress. */
  get size(): number {
    return this.inflight.size;
  }
}

/**
 * One {@link SingleFlight} per owner object (a cache), created on first use and dropped with the
 * owner, so that two applications in one process never share a run.
 */
export class FlightGroups<T> {
  private readonly groups = new WeakMap<object, SingleFlight<T>>();

  /** The {@link SingleFlight} of `owner`. */
  of(owner: object): SingleFlight<T> {
    let group = this.groups.get(owner);
    if (!group) {
      group = new SingleFlight<T>();
      this.groups.set(owner, group);
    }
    return group;
  }
}
