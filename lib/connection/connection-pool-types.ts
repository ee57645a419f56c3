import type { Valkey } from 'iovalkey';
import type { ParsedLocation } from '../config/location.js';
import type { ConnectionReports } from './connection-events.js';
import type { SentinelMonitors } from './sentinel/sentinel-monitor-registry.js';
import type { SentinelKwargs } from '../config/cache-config.js';
import type { ConnectionOptions } from './credential-connector.js';

/**
 * Where a pool's connections go. In Node one iovalkey client multiplexes many calls over one
 * socket, so a "pool" hands out clients rather than sockets: a plain pool always hands out its one
 * client; a Sentinel replica pool rotates over one client per healthy replica.
 */
export interface ValkeyPool {
  /** `'primary'` for the pool that takes writes, `'replica'` for a read pool. */
  readonly role: 'primary' | 'replica';
  /** The client to send the next command to. Never blocks; connects lazily. */
  acquire(): Valkey;
  /** Every client this pool currently holds (for `SCAN` fan-out, health checks, close). */
  clients(): readonly Valkey[];
  /** A one-line description for logs and errors, with any password redacted. */
  describe(): string;
  /** Closes every client: `QUIT` with a bounded wait, then disconnect. */
  close(): Promise<void>;
}

/** Everything a pool class is constructed from. */
export interface ConnectionPoolParams {
  /** The cache alias that first asked for this pool (for logs and errors). */
  alias: string;
  /** The parsed location URL. */
  location: ParsedLocation;
  /**
   * iovalkey options for the data-node connection(s), built by the connection factory, with the
   * cache's credential provider when it has one.
   */
  connection: ConnectionOptions;
  /** Sentinels of `options.sentinels`, normalized (Sentinel pools only). */
  sentinels?: ReadonlyArray<{ host: string; port: number }>;
  /** `options.sentinelKwargs` (Sentinel pools only). */
  sentinelKwargs?: SentinelKwargs;
  /**
   * The monitors a Sentinel pool shares with the other pools of its factory (Sentinel pools
   * only; a pool without it keeps its own).
   */
  sentinelMonitors?: SentinelMonitors;
  /** `true` when the pool serves the primary (`?is_master=1`, or index 0 of a plain location). */
  isPrimary: boolean;
  /**
   * Where the pool reports the lifecycle of its connections (its factory's; without it they are
   * only logged, and `cache.events` sees none).
   */
  connectionReports?: ConnectionReports;
}

/** A connection pool class (django-valkey's `CONNECTION_POOL_CLASS`). */
export interface ConnectionPoolClass {
  new (params: ConnectionPoolParams): ValkeyPool;
  /** `true` on pools that resolve their servers through Sentinel. */
  readonly sentinelAware?: boolean;
}
