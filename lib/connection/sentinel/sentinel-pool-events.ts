import type { NodeAddress } from '../node-address.js';

/** Fields every pool event carries. */
export interface SentinelPoolEventBase {
  /** Event number; pools that report the same sentinel event give it the same id. */
  readonly id: number;
  /** Alias of the cache that first asked for the pool. */
  readonly alias: string;
  /** Sentinel service (primary group) name. */
  readonly service: string;
  /** `Date.now()` when the pool learned it. */
  readonly at: number;
}

/**
 * A failover of the service: `start` when a sentinel begins one (`+try-failover` and later
 * states), `promoted` when the leader promoted a replica (`+promoted-slave`), `end` when it is
 * over (`+failover-end`, `+switch-master`, or an abort).
 */
export interface FailoverEvent extends SentinelPoolEventBase {
  readonly phase: 'start' | 'promoted' | 'end';
  /** The sentinel event that told us (`+try-failover`, `+promoted-slave`, …). */
  readonly reason: string;
  /** For `promoted`: the replica being promoted. */
  readonly promoted?: NodeAddress;
}

/** The sentinels now name another primary (`+switch-master`, or found by a refresh). */
export interface PrimaryChangedEvent extends SentinelPoolEventBase {
  readonly previous: NodeAddress | null;
  readonly current: NodeAddress;
  /** `+switch-master` or `refresh`. */
  readonly reason: string;
}

/** The set of replicas a replica pool reads from changed. */
export interface ReplicasChangedEvent extends SentinelPoolEventBase {
  /** Replicas reads now rotate over (empty: reads fall back to the primary). */
  readonly replicas: readonly NodeAddress[];
  readonly added: readonly NodeAddress[];
  readonly removed: readonly NodeAddress[];
}

/** Events of a {@link SentinelConnectionPool} (and of a `SentinelClient`). */
export interface SentinelPoolEventMap {
  failover: [FailoverEvent];
  'primary-changed': [PrimaryChangedEvent];
  'replicas-changed': [ReplicasChangedEvent];
}

let lastEventId = 0;
/** A process-wide event number, so that the same event reported by two pools can be told apart. */
export function nextEventId(): number {
  lastEventId = (lastEventId + 1) % Number.MAX_SAFE_INTEGER;
  return lastEventId;
}
