import type { ValkeyPool } from './connection-pool-types.js';

interface PoolEntry<P extends ValkeyPool> {
  pool: P;
  users: number;
}

/**
 * The pools of one connection factory, shared by key and counted by user: every cache that asks
 * for the same key gets the same pool, which is closed when its last user releases it (or when
 * the factory closes). Used by the library's factories and by the testing kit's.
 */
export class RefCountedPools<P extends ValkeyPool = ValkeyPool> {
  private readonly entries = new Map<string, PoolEntry<P>>();
  private readonly keys = new Map<ValkeyPool, string>();

  /** The pool of `key`, made with `create` on first use; counts one more user of it. */
  acquire(key: string, create: () => P): P {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { pool: create(), users: 0 };
      this.entries.set(key, entry);
      this.keys.set(entry.pool, key);
    }
    entry.users++;
    return entry.pool;
  }

  /**
   * Counts one user less of `pool`; the last release forgets the pool (so the next
   * {@link acquire} of its key makes a new one) and then closes it. A pool not held here is
   * ignored.
   */
  async release(pool: ValkeyPool): Promise<void> {
    const key = this.keys.get(pool);
    if (key === undefined) return;
    const entry = this.entries.get(key);
    if (!entry || --entry.users > 0) return;
    this.entries.delete(key);
    this.keys.delete(pool);
    await pool.close();
  }

  /**
   * Forgets and closes every pool, whatever its users; resolves once every close has settled (a
   * pool that fails to close does not stop the others from closing, and is not reported).
   */
  async close(): Promise<void> {
    const pools = [...this.entries.values()].map((e) => e.pool);
    this.entries.clear();
    this.keys.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}
