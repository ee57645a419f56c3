import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Valkey } from 'iovalkey';
import type { ConnectionOptions } from '../credential-connector.js';
import { closeClient, type ConnectionReports } from '../connection-events.js';
import type { ConnectionPoolParams } from '../connection-pool-types.js';
import { sleep } from '../../util/async-helpers.js';
import { formatAddress, sameAddress, type NodeAddress } from '../node-address.js';
import { ReadonlyRetryPolicy } from '../readonly-retry-policy.js';
import { retire } from '../retire-client.js';
import { FALLBACK_TIMEOUT_MS, sentinelConnectionOptions } from './sentinel-connection-options.js';
import { deferredClient } from './sentinel-connectors.js';
import { SentinelError } from './sentinel-error.js';
import type { MonitorFailover, MonitorPrimaryChange, SentinelMonitor } from './sentinel-monitor.js';
import { SentinelMonitors } from './sentinel-monitor-registry.js';
import {
  nextEventId,
  type SentinelPoolEventBase,
  type SentinelPoolEventMap,
} from './sentinel-pool-events.js';
import { applyNatMap, poolServers, socketAddress } from './sentinel-pool-servers.js';
import type { SentinelPool } from './sentinel-pool.js';
import { createSentinelPrimaryClient } from './sentinel-primary-client.js';
import { SentinelReplicaSet } from './sentinel-replica-set.js';
import type { ServiceState, SentinelTopologySnapshot } from './sentinel-service-state.js';

/**
 * django-valkey's `valkey.sentinel.SentinelConnectionPool`, on iovalkey.
 *
 * **Primary role** (`?is_master=1`, the default): one iovalkey client in Sentinel mode
 * (`role: 'master'`) that asks the sentinels for the primary, reconnects on `+switch-master`
 * (iovalkey's `failoverDetector`, plus this pool dropping a connection still open to the old
 * primary so that nothing more is acknowledged by it), treats a `READONLY` reply as "the primary
 * moved" ({@link ReadonlyRetryPolicy}) and bounds every command by the cache's `socketTimeout`.
 * When no sentinel answers, or none knows the service, the queued commands fail at once with a
 * {@link SentinelError} and the next `acquire()` starts a fresh client.
 *
 * **Replica role** (`?is_master=0`): one plain client per replica that the sentinels report
 * healthy (`SENTINEL REPLICAS`, skipping `s_down`/`o_down`/`disconnected` and a
 * `master-link-status` other than `ok`) and that itself answers `ROLE` as a synced replica
 * (`SentinelReplicaSet`); `acquire()` rotates over those whose connection is up,
 * round-robin from a random start. The set is refreshed on sentinel events (`+switch-master`,
 * `+sdown`/`-sdown`, `+odown`, `+slave`, `+convert-to-slave`, …) and every
 * {@link refreshIntervalMs}. With no usable replica it falls back to a primary client
 * (valkey-py's `rotate_slaves`), so reads never wait for a replica.
 *
 * `acquire()` never blocks and opens nothing before it is first called. Before the first
 * discovery of a replica pool has finished it returns a "bootstrap" client whose connection waits
 * for that discovery and then goes to a healthy replica (or the primary when there is none):
 * early reads queue for a few milliseconds instead of landing on the primary, and a `readonly`
 * cache's first write is refused like every later one.
 *
 * {@link servers} says which servers the pool uses, as the sentinels name them. Emits `failover`,
 * `primary-changed` and `replicas-changed` ({@link SentinelPoolEventMap}) and logs them under
 * the cache alias (`ValkeyCache:<alias>`); addresses only, never passwords.
 */
export class SentinelConnectionPool
  extends EventEmitter<SentinelPoolEventMap>
  implements SentinelPool
{
  /** Marks pools that resolve their servers through Sentinel. */
  static readonly sentinelAware: boolean = true;
  /** Interval of the periodic refresh of the replica set, in ms. */
  static refreshIntervalMs = 2000;
  /**
   * Move writes to the chosen replica as soon as the failover leader announces its promotion
   * (`+failover-state-wait-promotion`, sent right after `REPLICAOF NO ONE`; or `+promoted-slave`)
   * instead of at `+switch-master`: whatever the old primary acknowledges in between is lost when
   * it resyncs. Undone if the failover aborts. Set to `false` to wait for `+switch-master`.
   */
  static followPromotion = true;

  readonly role: 'primary' | 'replica';
  /** The Sentinel service (primary group) name, from the location's host. */
  readonly service: string;
  /** The cache alias that first asked for this pool. */
  readonly alias: string;
  /** `READONLY` handling of the primary connections, with counters. */
  readonly readonlyPolicy: ReadonlyRetryPolicy;

  private readonly logger: Logger;
  private readonly description: string;
  private readonly sentinels: readonly NodeAddress[];
  private readonly connection: ConnectionOptions;
  private readonly sentinelOptions: ReturnType<typeof sentinelConnectionOptions>;
  private readonly commandTimeoutMs: number;
  private readonly sentinelKwargs: ConnectionPoolParams['sentinelKwargs'];
  private readonly monitors: SentinelMonitors;
  private readonly connectionReports: ConnectionReports | undefined;
  private acquiredMonitor: SentinelMonitor | undefined;
  private primaryClient: Valkey | undefined;
  private bootstrap: Valkey | undefined;
  private readonly replicaSet: SentinelReplicaSet;
  private readonly retiring = new Set<Valkey>();
  private discovery: 'idle' | 'running' | 'done' = 'idle';
  private fallingBack: boolean | undefined;
  private closed = false;
  private lastPrimaryAddress: NodeAddress | undefined;

  constructor(params: ConnectionPoolParams) {
    super();
    this.setMaxListeners(0);
    const { location } = params;
    this.alias = params.alias;
    this.role = params.isPrimary ? 'primary' : 'replica';
    this.service = location.host;
    if (!params.sentinels || params.sentinels.length === 0) {
      throw new SentinelError(
        `SentinelConnectionPool for cache '${params.alias}' got no sentinel addresses: use SentinelConnectionFactory ` +
          `(it passes options.sentinels) and set options.sentinels`,
      );
    }
    if (!this.service || location.path !== undefined) {
      throw new SentinelError(
        `SentinelConnectionPool for cache '${params.alias}' needs a location valkey://<service_name>/<db>`,
      );
    }
    this.sentinels = params.sentinels.map((s) => ({ host: s.host, port: s.port }));
    this.connection = params.connection;
    this.sentinelOptions = sentinelConnectionOptions(params.sentinelKwargs);
    this.commandTimeoutMs = params.connection.commandTimeout ?? FALLBACK_TIMEOUT_MS;
    this.logger = new Logger(`ValkeyCache:${params.alias}`);
    this.description =
      `${this.role} of Sentinel service '${this.service}' (db ${location.db}, sentinels ` +
      `${this.sentinels.map(formatAddress).join(', ')})`;
    this.readonlyPolicy = new ReadonlyRetryPolicy((retry) =>
      this.logger.warn(
        retry
          ? `the primary of '${this.service}' answered READONLY (it was demoted): reconnecting through the sentinels, resending once`
          : `the primary of '${this.service}' still answers READONLY after a reconnect: failing the command`,
      ),
    );
    this.sentinelKwargs = params.sentinelKwargs;
    this.monitors = params.sentinelMonitors ?? new SentinelMonitors();
    this.connectionReports = params.connectionReports;
    this.replicaSet = new SentinelReplicaSet({
      alias: this.alias,
      service: this.service,
      connection: this.connection,
      connectionReports: this.connectionReports,
      translate: (address) => this.translate(address),
      primaryDown: () => this.monitor.state?.primaryDown === true,
      retire: (client, graceMs) => this.retire(client, graceMs),
      changed: (added, removed, why) => this.announceReplicas(added, removed, why),
    });
  }

  /**
   * The Sentinel monitor of this pool's service, acquired on first use (not at construction):
   * a pool that is built and never used, e.g. in an app whose bootstrap fails later, holds
   * nothing that needs closing.
   */
  private get monitor(): SentinelMonitor {
    if (this.acquiredMonitor) return this.acquiredMonitor;
    const ctor = this.constructor as typeof SentinelConnectionPool;
    const monitor = this.monitors.acquire(
      this.service,
      this.sentinels,
      this.sentinelKwargs,
      ctor.refreshIntervalMs,
      ctor.followPromotion,
      this.logger,
    );
    this.acquiredMonitor = monitor;
    monitor.on('state', this.onState);
    monitor.on('failover', this.onFailover);
    monitor.on('primary-changed', this.onPrimaryChanged);
    monitor.start();
    return monitor;
  }

  acquire(): Valkey {
    if (this.closed) throw new SentinelError(`the ${this.description} is closed`);
    this.start();
    if (this.role === 'primary') return this.primary();
    if (this.discovery !== 'done') return this.bootstrapClient();
    const replica = this.replicaSet.pick();
    this.noteFallback(replica === undefined);
    return replica ?? this.primary();
  }

  clients(): readonly Valkey[] {
    const held: Valkey[] = [];
    if (this.primaryClient) held.push(this.primaryClient);
    if (this.bootstrap) held.push(this.bootstrap);
    held.push(...this.replicaSet.clients());
    return held;
  }

  describe(): string {
    return this.description;
  }

  /** Replicas reads currently rotate over (empty: they go to the primary). */
  activeReplicas(): NodeAddress[] {
    return this.replicaSet.usable();
  }

  /**
   * The servers this pool sends commands to now, as the sentinels name them (before `natMap`):
   * the primary for the primary pool; for the replica pool the replicas reads rotate over, or
   * the primary while none is usable. Asks the sentinels when they have not answered yet (this
   * opens no data-node connection); rejects with a {@link SentinelError} when none answers then.
   */
  async servers(): Promise<NodeAddress[]> {
    if (this.closed) throw new SentinelError(`the ${this.description} is closed`);
    const state = this.monitor.state ?? (await this.monitor.refresh());
    const rotation = this.discovery === 'done' ? this.activeReplicas() : undefined;
    return poolServers(this.role, state, rotation);
  }

  /** The address the primary connection is open to, or `null` while (re)connecting. */
  connectedPrimary(): NodeAddress | null {
    return this.primaryClient?.status === 'ready' ? socketAddress(this.primaryClient) : null;
  }

  /** Asks the sentinels for the current primary and healthy replicas. */
  async topology(): Promise<SentinelTopologySnapshot> {
    if (this.closed) throw new SentinelError(`the ${this.description} is closed`);
    const state = await this.monitor.refresh();
    return { primary: state.primary, replicas: [...state.replicas] };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const monitor = this.acquiredMonitor;
    monitor?.off('state', this.onState);
    monitor?.off('failover', this.onFailover);
    monitor?.off('primary-changed', this.onPrimaryChanged);
    const clients = this.clients();
    for (const client of this.retiring) client.disconnect();
    this.retiring.clear();
    this.primaryClient = undefined;
    this.bootstrap = undefined;
    this.replicaSet.clear();
    await Promise.allSettled([
      monitor && this.monitors.release(monitor),
      ...clients.map((c) => closeClient(c)),
    ]);
    this.removeAllListeners();
  }

  // -- lifecycle ----------------------------------------------------------------------------------

  private start(): void {
    void this.monitor; // acquired and started on first use
    if (this.role === 'replica' && this.discovery === 'idle') this.discover();
  }

  /** First discovery of a replica pool: the sentinels' view, then each replica's own ROLE. */
  private discover(): void {
    this.discovery = 'running';
    const deadline = this.connection.connectTimeout ?? FALLBACK_TIMEOUT_MS;
    this.monitor
      .refresh()
      .then(async () => {
        await Promise.race([this.replicaSet.firstChecks(), sleep(deadline)]);
      })
      .then(
        () => {
          if (this.closed) return;
          this.discovery = 'done';
          const bootstrap = this.bootstrap;
          this.bootstrap = undefined;
          if (bootstrap) this.retire(bootstrap, 0);
          this.announceReplicas([], [], 'discovery');
        },
        () => {
          // the bootstrap client fails its commands with the same error; try again on next use
          if (!this.closed) this.discovery = 'idle';
        },
      );
  }

  // -- primary ------------------------------------------------------------------------------------

  private primary(): Valkey {
    const current = this.primaryClient;
    if (current && current.status !== 'end') return current;
    if (current) {
      this.logger.warn(`opening a new connection to the primary of '${this.service}'`);
      // releases what the ended client's connector still holds (its failover detector's
      // sentinel connections, which would otherwise reconnect every 60 s forever)
      current.disconnect();
    }
    const client = this.createPrimaryClient();
    this.primaryClient = client;
    return client;
  }

  private createPrimaryClient(): Valkey {
    const client = createSentinelPrimaryClient({
      alias: this.alias,
      service: this.service,
      sentinels: this.sentinels,
      connection: this.connection,
      sentinelOptions: this.sentinelOptions,
      commandTimeoutMs: this.commandTimeoutMs,
      readonlyPolicy: this.readonlyPolicy,
      connectionReports: this.connectionReports,
      monitor: () => this.monitor,
      translate: (address) => this.translate(address),
    });
    client.on('ready', () => {
      const now = this.connectedPrimary();
      if (now && !sameAddress(now, this.lastPrimaryAddress)) {
        if (this.lastPrimaryAddress) {
          this.logger.log(
            `writes of '${this.service}' now go to ${formatAddress(now)} (was ${formatAddress(this.lastPrimaryAddress)})`,
          );
        }
        this.lastPrimaryAddress = now;
      }
    });
    return client;
  }

  /** Applies the user's `natMap` (from `connectionPoolKwargs`) to an address a sentinel named. */
  private translate(address: NodeAddress): NodeAddress {
    return applyNatMap(this.connection.natMap, address);
  }

  private readonly onFailover = (e: MonitorFailover): void => {
    if (this.role === 'primary') {
      const what =
        e.phase === 'start'
          ? 'started'
          : e.phase === 'promoted'
            ? `promoted ${e.promoted ? formatAddress(e.promoted) : 'a replica'}`
            : 'ended';
      this.logger.warn(`failover of Sentinel service '${this.service}' ${what} (${e.reason})`);
    }
    this.emit('failover', {
      ...this.base(e.id),
      phase: e.phase,
      reason: e.reason,
      ...(e.promoted && { promoted: e.promoted }),
    });
  };

  private readonly onPrimaryChanged = (e: MonitorPrimaryChange): void => {
    if (this.role === 'primary') {
      this.logger.warn(
        `primary of Sentinel service '${this.service}' is now ${formatAddress(e.current)}` +
          `${e.previous ? ` (was ${formatAddress(e.previous)})` : ''}: ${e.reason}`,
      );
    }
    // A connection still open to the demoted primary must not get more acknowledgements from
    // it: drop it now. Unanswered commands are resent to the new primary (what ran on the old
    // one after the promotion is discarded when it resyncs, so this does not apply them twice).
    const stream = this.primaryClient?.stream;
    const remote = stream
      ? { host: stream.remoteAddress ?? '', port: stream.remotePort ?? 0 }
      : undefined;
    if (
      e.previous &&
      stream &&
      !stream.destroyed &&
      (sameAddress(remote, e.previous) || sameAddress(remote, this.translate(e.previous)))
    ) {
      stream.destroy();
    }
    if (this.role === 'replica') this.replicaSet.drop(e.current, 'it was promoted');
    this.emit('primary-changed', {
      ...this.base(e.id),
      previous: e.previous,
      current: e.current,
      reason: e.reason,
    });
  };

  // -- replicas -----------------------------------------------------------------------------------

  private bootstrapClient(): Valkey {
    if (this.bootstrap && this.bootstrap.status !== 'end') return this.bootstrap;
    this.bootstrap = deferredClient(this.connection, async () => {
      const state = this.monitor.state ?? (await this.monitor.refresh());
      const replicas = state.replicas;
      const replica = replicas[Math.floor(Math.random() * replicas.length)];
      const target = replica ?? state.primary;
      if (!target) throw new SentinelError(`Sentinel: service '${this.service}' has no primary`);
      return { address: this.translate(target), role: replica ? 'slave' : 'master' };
    });
    return this.bootstrap;
  }

  private readonly onState = (state: ServiceState): void => {
    // before the first use only the sentinels are asked (servers(), topology()): no replica
    // connection is opened for them
    if (this.role !== 'replica' || this.closed || this.discovery === 'idle') return;
    this.replicaSet.follow(state.replicas);
  };

  private announceReplicas(added: NodeAddress[], removed: NodeAddress[], why: string): void {
    if (this.discovery !== 'done' || this.closed) return;
    const replicas = this.activeReplicas();
    if (added.length > 0 || removed.length > 0 || why === 'discovery') {
      this.logger.log(
        `reads of Sentinel service '${this.service}' go to ` +
          `${replicas.length > 0 ? replicas.map(formatAddress).join(', ') : 'the primary (no usable replica)'}` +
          ` (${why})`,
      );
      this.emit('replicas-changed', { ...this.base(nextEventId()), replicas, added, removed });
    }
    this.fallingBack = replicas.length === 0;
  }

  private noteFallback(falling: boolean): void {
    if (this.fallingBack === falling) return;
    this.fallingBack = falling;
    if (falling)
      this.logger.warn(
        `no usable replica of Sentinel service '${this.service}': reading from the primary`,
      );
  }

  /** Closes `client` in the background once its commands are answered; `close()` cuts it short. */
  private retire(client: Valkey, graceMs: number): void {
    this.retiring.add(client);
    void retire(client, this.commandTimeoutMs, graceMs).finally(() => this.retiring.delete(client));
  }

  private base(id: number): SentinelPoolEventBase {
    return { id, alias: this.alias, service: this.service, at: Date.now() };
  }
}
