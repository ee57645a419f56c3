import type { ValkeyPool } from '../connection-pool-types.js';
import type { NodeAddress } from '../node-address.js';

/**
 * A pool of a Sentinel cache as `SentinelClient.primary` and `SentinelClient.replica` show it:
 * a {@link ValkeyPool} that can say which servers it uses.
 */
export interface SentinelPool extends ValkeyPool {
  /**
   * The servers the pool sends commands to now, as the sentinels name them: the primary for the
   * primary pool; the replicas reads rotate over (or the primary while none is usable) for the
   * replica pool. Asks the sentinels when they have not answered yet; never a placeholder.
   */
  servers(): Promise<NodeAddress[]>;
}

/** Whether `pool` can say which servers it uses. */
export function isSentinelPool(pool: ValkeyPool): pool is SentinelPool {
  return typeof (pool as Partial<SentinelPool>).servers === 'function';
}
