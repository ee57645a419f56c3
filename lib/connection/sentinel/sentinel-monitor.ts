import { EventEmitter } from 'node:events';
import type { Logger } from '@nestjs/common';
import type { Valkey } from 'iovalkey';
import { createValkey } from '../credential-connector.js';
import { errorMessage, noop } from '../../util/async-helpers.js';
import { formatAddress, sameAddress, type NodeAddress } from '../node-address.js';
import { FAILOVER_END, FAILOVER_START, SENTINEL_CHANNELS } from './sentinel-channels.js';
import {
  FALLBACK_TIMEOUT_MS,
  type sentinelConnectionOptions,
} from './sentinel-connection-options.js';
import { explainResolution, SentinelError } from './sentinel-error.js';
import { nextEventId, type FailoverEvent } from './sentinel-pool-events.js';
import { parseState, type ServiceState } from './sentinel-service-state.js';

export interface MonitorFailover {
  id: number;
  phase: FailoverEvent['phase'];
  reason: string;
  promoted?: NodeAddress;
}
export interface MonitorPrimaryChange {
  id: number;
  previous: NodeAddress | null;
  current: NodeAddress;
  reason: string;
}
export interface MonitorEventMap {
  state: [ServiceState];
  failover: [MonitorFailover];
  'primary-changed': [MonitorPrimaryChange];
}

/** A primary named by a sentinel event, winning over refreshes that still name `from`. */
interface Pin {
  from: NodeAddress;
  to: NodeAddress;
  until: number;
  /** `promotion`: followed before `+switch-master` (undone if the failover aborts). */
  kind: 'promotion' | 'switch';
}

/** How long a primary named by a sentinel event wins over refreshes naming the old one, in ms. */
const PIN_MS = 30_000;

/**
 * Follows one Sentinel service for every pool that uses it (shared by the primary and the replica
 * pool of a cache, and by caches on the same service): one command connection that asks
 * `SENTINEL GET-MASTER-ADDR-BY-NAME` / `MASTER` / `REPLICAS` (moving to the next sentinel on
 * failure), one pub/sub connection per sentinel for the events, and a periodic refresh whose
 * timer is `unref()`ed. Nothing is opened before {@link start}.
 */
export class SentinelMonitor extends EventEmitter<MonitorEventMap> {
  users = 0;
  private readonly order: NodeAddress[];
  private query: { address: NodeAddress; client: Valkey; lastError?: Error } | undefined;
  private readonly subscribers: Valkey[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private inflight: Promise<ServiceState> | undefined;
  private dirty = false;
  private current: ServiceState | undefined;
  private inFailover = false;
  private started = false;
  private closed = false;
  private lastRefreshError: string | undefined;
  private pin: Pin | undefined;

  constructor(
    readonly key: string,
    readonly service: string,
    sentinels: readonly NodeAddress[],
    private readonly options: ReturnType<typeof sentinelConnectionOptions>,
    private readonly refreshIntervalMs: number,
    private readonly followPromotion: boolean,
    private readonly logger: Logger,
  ) {
    super();
    this.setMaxListeners(0);
    this.order = sentinels.map((s) => ({ host: s.host, port: s.port }));
  }

  /** The last state a refresh found (undefined before the first one succeeded). */
  get state(): ServiceState | undefined {
    return this.current;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Opens the pub/sub connections and starts the periodic refresh (idempotent). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (const address of this.order) this.subscribe(address);
    this.timer = setInterval(() => {
      this.refresh().catch(noop);
    }, this.refreshIntervalMs);
    this.timer.unref();
    this.refresh().catch(noop);
  }

  /** Asks the sentinels now; concurrent callers share one query. */
  refresh(): Promise<ServiceState> {
    if (this.closed) return Promise.reject(new SentinelError('the Sentinel monitor is closed'));
    if (this.inflight) return this.inflight;
    const run = this.discover().then(
      (state) => {
        if (this.lastRefreshError !== undefined) {
          this.logger.log(`sentinels of '${this.service}' answer again`);
          this.lastRefreshError = undefined;
        }
        this.apply(state, 'refresh');
        return this.current ?? state;
      },
      (err: unknown) => {
        const message = errorMessage(err);
        if (message !== this.lastRefreshError && !this.closed) {
          this.lastRefreshError = message;
          this.logger.warn(message);
        }
        throw err;
      },
    );
    this.inflight = run;
    const settle = (): void => {
      this.inflight = undefined;
      if (this.dirty && !this.closed) {
        this.dirty = false;
        this.refresh().catch(noop);
      }
    };
    run.then(settle, settle);
    return run;
  }

  /** Refreshes soon, coalescing bursts of sentinel events (and again after a query in flight). */
  requestRefresh(delayMs = 25): void {
    if (this.closed || this.debounce) return;
    if (this.inflight) {
      this.dirty = true;
      return;
    }
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.refresh().catch(noop);
    }, delayMs);
    this.debounce.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.removeAllListeners();
    const clients = [...this.subscribers, ...(this.query ? [this.query.client] : [])];
    this.subscribers.length = 0;
    this.query = undefined;
    for (const client of clients) client.disconnect();
  }

  // -- queries ------------------------------------------------------------------------------------

  private queryClient(address: NodeAddress): { client: Valkey; lastError?: Error } {
    if (
      this.query &&
      sameAddress(this.query.address, address) &&
      this.query.client.status !== 'end'
    ) {
      return this.query;
    }
    this.query?.client.disconnect();
    const client = createValkey({
      ...this.options,
      host: address.host,
      port: address.port,
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      commandTimeout: this.options.commandTimeout ?? FALLBACK_TIMEOUT_MS,
      connectTimeout: this.options.connectTimeout ?? FALLBACK_TIMEOUT_MS,
    });
    const entry: { address: NodeAddress; client: Valkey; lastError?: Error } = { address, client };
    client.on('error', (err: Error) => {
      entry.lastError = err;
    });
    this.query = entry;
    return entry;
  }

  /** Asks the sentinels in order; the first that knows the service answers. */
  private async discover(): Promise<ServiceState> {
    const unreachable: string[] = [];
    const unknown: string[] = [];
    for (const address of [...this.order]) {
      if (this.closed) throw new SentinelError('the Sentinel monitor is closed');
      const entry = this.queryClient(address);
      const { client } = entry;
      try {
        const [addr, master, replicas] = await Promise.all([
          client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.service),
          client.call('SENTINEL', 'MASTER', this.service).catch(() => null),
          client.call('SENTINEL', 'REPLICAS', this.service).catch(() => []),
        ]);
        if (!Array.isArray(addr) || addr.length < 2) {
          unknown.push(formatAddress(address));
          continue;
        }
        // The sentinel that answered is asked first next time (valkey-py does the same).
        const i = this.order.findIndex((s) => sameAddress(s, address));
        if (i > 0) this.order.unshift(...this.order.splice(i, 1));
        return parseState({ host: String(addr[0]), port: Number(addr[1]) }, master, replicas);
      } catch (err) {
        const cause = entry.lastError?.message ?? errorMessage(err);
        unreachable.push(`${formatAddress(address)} (${cause})`);
        client.disconnect();
        if (this.query?.client === client) this.query = undefined;
      }
    }
    throw new SentinelError(explainResolution(this.service, unknown, unreachable));
  }

  /**
   * The primary as the sentinels' events named it (`+promoted-slave`, `+switch-master`) wins over
   * a refresh that names the old one for a while: a sentinel that has not heard of the switch yet
   * must not send us back to the demoted node.
   */
  private apply(fresh: ServiceState, reason: string): void {
    let state = fresh;
    const pin = this.activePin();
    if (pin && reason === 'refresh') {
      if (sameAddress(state.primary, pin.to)) this.pin = undefined;
      else if (sameAddress(state.primary, pin.from)) {
        state = {
          ...state,
          primary: pin.to,
          replicas: state.replicas.filter((r) => !sameAddress(r, pin.to)),
        };
      } else this.pin = undefined;
    }
    const before = this.current;
    this.current = state;
    if (state.primary && !sameAddress(before?.primary, state.primary) && before !== undefined) {
      this.emit('primary-changed', {
        id: nextEventId(),
        previous: before.primary,
        current: state.primary,
        reason,
      });
    }
    this.emit('state', state);
  }

  // -- events -------------------------------------------------------------------------------------

  private subscribe(address: NodeAddress): void {
    const client = createValkey({
      ...this.options,
      host: address.host,
      port: address.port,
      enableReadyCheck: false,
      connectTimeout: this.options.connectTimeout ?? FALLBACK_TIMEOUT_MS,
      // a sentinel that is down is tried again every 2 s; closing the monitor stops it
      retryStrategy: (times: number) => Math.min(times * 250, 2000),
      maxRetriesPerRequest: null,
      // iovalkey's own resubscribe after a reconnect sends SUBSCRIBE with no rejection handler:
      // a connection closed before the reply (the monitor closing, the sentinel dying again)
      // would be an unhandled rejection. This monitor subscribes on every 'ready' instead.
      autoResubscribe: false,
    });
    let ready = 0;
    client.on('error', noop);
    client.on('ready', () => {
      if (this.closed) return;
      client.subscribe(...SENTINEL_CHANNELS).catch((err: unknown) => {
        if (!this.closed && client.status === 'ready') {
          this.logger.warn(
            `cannot subscribe to the events of sentinel ${formatAddress(address)}: ${errorMessage(err)}`,
          );
        }
      });
      // events may have been missed while this sentinel was away
      if (ready++ > 0) this.requestRefresh();
    });
    client.on('message', (channel: string, message: string) =>
      this.onEvent(channel, message, address),
    );
    this.subscribers.push(client);
  }

  private onEvent(channel: string, message: string, from: NodeAddress): void {
    if (this.closed) return;
    const parts = message.split(' ');
    if (channel === '+switch-master') {
      // <name> <old-ip> <old-port> <new-ip> <new-port>
      if (parts[0] !== this.service || parts.length < 5) return;
      const old = { host: parts[1]!, port: Number(parts[2]) };
      const current = { host: parts[3]!, port: Number(parts[4]) };
      this.switchPrimary(current, `+switch-master from sentinel ${formatAddress(from)}`, old);
      this.endFailover(channel);
      this.requestRefresh();
      return;
    }
    // <type> <name> <ip> <port> [@ <master-name> <master-ip> <master-port>]
    const at = parts.indexOf('@');
    const service = at >= 0 ? parts[at + 1] : parts[0] === 'master' ? parts[1] : undefined;
    if (service !== this.service) return;
    if (FAILOVER_START.has(channel)) {
      this.startFailover(channel);
    } else if (channel === '+failover-state-wait-promotion' || channel === '+promoted-slave') {
      this.startFailover(channel);
      // slave <ip:port> <ip> <port> @ <service> <old-primary-ip> <old-primary-port>
      const promoted = { host: parts[2]!, port: Number(parts[3]) };
      if (channel === '+promoted-slave') {
        this.emit('failover', { id: nextEventId(), phase: 'promoted', reason: channel, promoted });
      }
      if (this.followPromotion && at >= 0 && parts.length >= at + 4) {
        // The leader has just sent REPLICAOF NO ONE to this replica (wait-promotion), or seen it
        // answer as primary (promoted-slave): whatever the old primary acknowledges from now on
        // is lost when it resyncs. Move now rather than at +switch-master, which comes only
        // after the leader noticed the promotion (INFO, up to 1 s) and reconfigured the other
        // replicas. A write that reaches the replica before the promotion gets READONLY and is
        // resent once after a reconnect (ReadonlyRetryPolicy).
        const old = { host: parts[at + 2]!, port: Number(parts[at + 3]) };
        this.switchPrimary(
          promoted,
          `${channel} from sentinel ${formatAddress(from)}`,
          old,
          'promotion',
        );
      }
      this.requestRefresh();
    } else if (FAILOVER_END.has(channel)) {
      const pin = this.activePin();
      if (channel.startsWith('-failover-abort') && pin?.kind === 'promotion') {
        // the promotion we followed did not happen: back to the old primary
        this.pin = undefined;
        this.switchPrimary(pin.from, `${channel} from sentinel ${formatAddress(from)}`);
      }
      this.endFailover(channel);
      this.requestRefresh();
    } else {
      if (channel === '+sdown' && parts[0] === 'slave' && this.current) {
        // drop a replica that went down at once, the refresh confirms
        const down = { host: parts[2]!, port: Number(parts[3]) };
        if (this.current.replicas.some((r) => sameAddress(r, down))) {
          this.apply(
            {
              ...this.current,
              replicas: this.current.replicas.filter((r) => !sameAddress(r, down)),
            },
            channel,
          );
        }
      }
      this.requestRefresh();
    }
  }

  private activePin(): Pin | undefined {
    if (this.pin && Date.now() > this.pin.until) this.pin = undefined;
    return this.pin;
  }

  /**
   * Where to connect instead of `address` (iovalkey's `natMap` hook of the primary connection):
   * the new primary while some sentinels may still name the old one.
   */
  redirect(address: NodeAddress): NodeAddress | undefined {
    const pin = this.activePin();
    return pin && sameAddress(address, pin.from) ? pin.to : undefined;
  }

  private switchPrimary(
    current: NodeAddress,
    reason: string,
    from?: NodeAddress,
    kind: Pin['kind'] = 'switch',
  ): void {
    if (from && !sameAddress(from, current))
      this.pin = { from, to: current, until: Date.now() + PIN_MS, kind };
    const previous = this.current?.primary ?? null;
    if (sameAddress(previous, current)) return;
    const base = this.current ?? { primary: null, replicas: [], primaryDown: false };
    this.current = {
      primary: current,
      primaryDown: false,
      replicas: base.replicas.filter((r) => !sameAddress(r, current)),
    };
    this.emit('primary-changed', { id: nextEventId(), previous, current, reason });
    this.emit('state', this.current);
  }

  private startFailover(reason: string): void {
    if (this.inFailover) return;
    this.inFailover = true;
    this.emit('failover', { id: nextEventId(), phase: 'start', reason });
  }

  private endFailover(reason: string): void {
    if (!this.inFailover) return;
    this.inFailover = false;
    this.emit('failover', { id: nextEventId(), phase: 'end', reason });
  }
}
