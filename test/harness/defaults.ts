/**
 * Replication/failover policy shared by the local test harness and the Docker topology under
 * `docker/`. `test/unit/docker-compose.spec.ts` checks that both stay in line.
 */

/** Loopback address every harness process binds to. */
export const HARNESS_HOST = '127.0.0.1';

/** Replicas started by {@link startSentinelTopology} unless told otherwise. */
export const DEFAULT_REPLICAS = 2;

/** Sentinels started by {@link startSentinelTopology} unless told otherwise. */
export const DEFAULT_SENTINELS = 3;

/** `sentinel down-after-milliseconds`, in ms. */
export const DEFAULT_DOWN_AFTER_MS = 1000;

/** `sentinel failover-timeout`, in ms. */
export const DEFAULT_FAILOVER_TIMEOUT_MS = 5000;

/** `sentinel parallel-syncs`: replicas resynchronised at once after a failover. */
export const DEFAULT_PARALLEL_SYNCS = 1;

/**
 * `repl-diskless-sync-delay`, in seconds. Valkey 8 waits 5 s by default before a diskless full
 * sync, which makes failovers overrun `failover-timeout`.
 */
export const REPL_DISKLESS_SYNC_DELAY_S = 0;

/** Quorum for `sentinel monitor`: a strict majority of the sentinels. */
export function defaultQuorum(sentinels: number): number {
  return Math.floor(sentinels / 2) + 1;
}

/** Arguments every harness `valkey-server` gets: loopback only, no persistence, no sync delay. */
export const BASE_SERVER_ARGS: readonly string[] = [
  '--bind',
  HARNESS_HOST,
  '--save',
  '',
  '--appendonly',
  'no',
  '--repl-diskless-sync-delay',
  String(REPL_DISKLESS_SYNC_DELAY_S),
];
