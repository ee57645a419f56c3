import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import { Logger } from '@nestjs/common';
import { AbstractConnector, SentinelConnector, Valkey, type RedisOptions } from 'iovalkey';
import type { ConnectionPoolKwargs, SentinelKwargs } from '../cache.interfaces.js';
import { connectionKey } from './connection-key.js';
import { closeClient, logConnectionEvents, QUIT_TIMEOUT_MS } from './connection-events.js';
import type { ConnectionPoolParams, ValkeyPool } from './connection-pool.interface.js';

// ------------------------------------------------------------------------------------------------
// public types

/** A server or sentinel address. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** What the sentinels report for one service. */
export interface SentinelTopologySnapshot {
  /** The current primary (during a failover, the promoted replica as soon as the leader says so). */
  readonly primary: NodeAddress | null;
  /** Replicas the sentinels report healthy (not down, not disconnected, linked to the primary). */
  readonly replicas: readonly NodeAddress[];
}

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

/**
 * The sentinels could not name a server for the service: none reachable, or none knows the
 * service name. Raised by the first command of a connection, never at boot.
 */
export class SentinelError extends Error {
  override readonly name = 'SentinelError';
}

// ------------------------------------------------------------------------------------------------
// helpers

/** `host:port`. */
export function formatAddress(address: NodeAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** Same host and port (IPv4-mapped IPv6 addresses compare equal to their IPv4 form). */
export function sameAddress(
  a: NodeAddress | null | undefined,
  b: NodeAddress | null | undefined,
): boolean {
  if (!a || !b) return false;
  const norm = (h: string): string => h.replace(/^::ffff:/, '').toLowerCase();
  return a.port === b.port && norm(a.host) === norm(b.host);
}

/** Parses a RESP2 flat `[k1, v1, k2, v2, …]` reply (SENTINEL MASTER/REPLICAS) into a map. */
function flatMap(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function noop(): void {}

/** iovalkey options of one connection to a sentinel, from `sentinelKwargs` (seconds -> ms). */
export function sentinelConnectionOptions(kwargs: SentinelKwargs | undefined): {
  username?: string;
  password?: string;
  tls?: TlsOptions;
  commandTimeout?: number;
  connectTimeout?: number;
} {
  const out: ReturnType<typeof sentinelConnectionOptions> = {};
  if (kwargs?.username !== undefined) out.username = kwargs.username;
  if (kwargs?.password !== undefined) out.password = kwargs.password;
  if (kwargs?.tls === true) out.tls = {};
  else if (typeof kwargs?.tls === 'object') out.tls = kwargs.tls;
  if (kwargs?.socketTimeout) out.commandTimeout = Math.round(kwargs.socketTimeout * 1000);
  if (kwargs?.socketConnectTimeout)
    out.connectTimeout = Math.round(kwargs.socketConnectTimeout * 1000);
  return out;
}

/** How long a bounded wait may last when a timeout is not configured, in ms. */
const FALLBACK_TIMEOUT_MS = 5000;

/** How long a replica that left the rotation keeps its connection before `QUIT`, in ms. */
const REPLICA_RETIRE_GRACE_MS = 250;

/** Resolves after `ms` without keeping the process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

// ------------------------------------------------------------------------------------------------
// the shared per-service monitor: asks the sentinels, listens to their events

/** What one refresh found. */
interface ServiceState extends SentinelTopologySnapshot {
  /** The sentinels flag the primary `s_down`/`o_down`: replicas with a broken link still serve reads. */
  readonly primaryDown: boolean;
}

let lastEventId = 0;
/** A process-wide event number, so that the same event reported by two pools can be told apart. */
function nextEventId(): number {
  lastEventId = (lastEventId + 1) % Number.MAX_SAFE_INTEGER;
  return lastEventId;
}

interface MonitorFailover {
  id: number;
  phase: FailoverEvent['phase'];
  reason: string;
  promoted?: NodeAddress;
}
interface MonitorPrimaryChange {
  id: number;
  previous: NodeAddress | null;
  current: NodeAddress;
  reason: string;
}
interface MonitorEventMap {
  state: [ServiceState];
  failover: [MonitorFailover];
  'primary-changed': [MonitorPrimaryChange];
}

/** Sentinel pub/sub channels the monitor follows. */
const SENTINEL_CHANNELS = [
  '+switch-master',
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-wait-promotion',
  '+promoted-slave',
  '+failover-state-reconf-slaves',
  '+failover-end',
  '+failover-end-for-timeout',
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
  '+sdown',
  '-sdown',
  '+odown',
  '-odown',
  '+slave',
  '+convert-to-slave',
  '+slave-reconf-done',
  '+role-change',
  '-role-change',
  '+reboot',
  '+fix-slave-config',
];

const FAILOVER_START = new Set([
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-reconf-slaves',
]);
const FAILOVER_END = new Set([
  '+failover-end',
  '+failover-end-for-timeout',
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
]);

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

/** Flags of a `SENTINEL REPLICAS` entry that make it unusable. */
const UNHEALTHY_FLAGS = ['s_down', 'o_down', 'disconnected'];

/**
 * Follows one Sentinel service for every pool that uses it (shared by the primary and the replica
 * pool of a cache, and by caches on the same service): one command connection that asks
 * `SENTINEL GET-MASTER-ADDR-BY-NAME` / `MASTER` / `REPLICAS` (moving to the next sentinel on
 * failure), one pub/sub connection per sentinel for the events, and a periodic refresh whose
 * timer is `unref()`ed. Nothing is opened before {@link start}.
 */
class SentinelMonitor extends EventEmitter<MonitorEventMap> {
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
    const client = new Valkey({
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
    const client = new Valkey({
      ...this.options,
      host: address.host,
      port: address.port,
      enableReadyCheck: false,
      connectTimeout: this.options.connectTimeout ?? FALLBACK_TIMEOUT_MS,
      // a sentinel that is down is tried again every 2 s; closing the monitor stops it
      retryStrategy: (times: number) => Math.min(times * 250, 2000),
      maxRetriesPerRequest: null,
    });
    let ready = 0;
    client.on('error', noop);
    client.on('ready', () => {
      // events may have been missed while this sentinel was away
      if (ready++ > 0) this.requestRefresh();
    });
    client.on('message', (channel: string, message: string) =>
      this.onEvent(channel, message, address),
    );
    client.subscribe(...SENTINEL_CHANNELS).catch(noop);
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

function parseState(primary: NodeAddress, master: unknown, replicas: unknown): ServiceState {
  const masterFlags = (flatMap(master).get('flags') ?? '').split(',');
  const primaryDown = masterFlags.includes('s_down') || masterFlags.includes('o_down');
  const healthy: NodeAddress[] = [];
  for (const raw of Array.isArray(replicas) ? replicas : []) {
    const entry = flatMap(raw);
    const flags = (entry.get('flags') ?? '').split(',');
    if (flags.some((f) => UNHEALTHY_FLAGS.includes(f))) continue;
    const role = entry.get('role-reported');
    if (role !== undefined && role !== 'slave') continue;
    // With the primary down every replica's link is down: they still serve (stale) reads.
    if (entry.get('master-link-status') !== 'ok' && !primaryDown) continue;
    const address = { host: entry.get('ip') ?? '', port: Number(entry.get('port')) };
    if (!address.host || !Number.isInteger(address.port) || sameAddress(address, primary)) continue;
    healthy.push(address);
  }
  return { primary, replicas: healthy, primaryDown };
}

function explainResolution(
  service: string,
  unknown: readonly string[],
  unreachable: readonly string[],
): string {
  const head = `Sentinel: cannot find the servers of service '${service}': `;
  if (unreachable.length === 0) {
    return (
      `${head}no sentinel knows a primary named '${service}' (SENTINEL GET-MASTER-ADDR-BY-NAME returned nil from ` +
      `${unknown.join(', ')}); check the service name in the location (valkey://<service_name>/<db>)`
    );
  }
  if (unknown.length === 0) return `${head}no sentinel is reachable: ${unreachable.join('; ')}`;
  return (
    `${head}the reachable sentinels (${unknown.join(', ')}) do not know a primary named '${service}', ` +
    `the others are unreachable: ${unreachable.join('; ')}`
  );
}

const monitors = new Map<string, SentinelMonitor>();

function acquireMonitor(
  service: string,
  sentinels: readonly NodeAddress[],
  kwargs: SentinelKwargs | undefined,
  refreshIntervalMs: number,
  followPromotion: boolean,
  logger: Logger,
): SentinelMonitor {
  const key = connectionKey([
    service,
    sentinels,
    kwargs ?? null,
    refreshIntervalMs,
    followPromotion,
  ]);
  let monitor = monitors.get(key);
  if (!monitor || monitor.isClosed) {
    const options = sentinelConnectionOptions(kwargs);
    monitor = new SentinelMonitor(
      key,
      service,
      sentinels,
      options,
      refreshIntervalMs,
      followPromotion,
      logger,
    );
    monitors.set(key, monitor);
  }
  monitor.users++;
  return monitor;
}

async function releaseMonitor(monitor: SentinelMonitor): Promise<void> {
  if (--monitor.users > 0) return;
  if (monitors.get(monitor.key) === monitor) monitors.delete(monitor.key);
  await monitor.close();
}

// ------------------------------------------------------------------------------------------------
// connectors

type ConnectorOptions = ConstructorParameters<typeof SentinelConnector>[0];
type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>;
type ErrorEmitter = Parameters<AbstractConnector['connect']>[0];

/**
 * iovalkey's Sentinel connector with an error that says what went wrong. iovalkey reports "All
 * sentinels are unreachable" both when none answers and when none knows the service name, and
 * its per-sentinel errors (`sentinelError`) hide the cause ("Connection is closed."). On that
 * error this connector asks `diagnose()` (the pool's monitor queries the sentinels itself and
 * keeps each one's real error) and throws a {@link SentinelError} with its answer.
 */
function explainingSentinelConnector(
  diagnose: () => Promise<string | undefined>,
): NonNullable<RedisOptions['Connector']> {
  return class ExplainingSentinelConnector extends SentinelConnector {
    private readonly service: string;

    constructor(options: unknown) {
      // iovalkey constructs connectors with the client's full options
      super(options as ConnectorOptions);
      this.service = (options as ConnectorOptions).name ?? '';
    }

    override connect(eventEmitter: ErrorEmitter): Promise<NetStream> {
      const unknown: string[] = [];
      const unreachable: string[] = [];
      const watch: ErrorEmitter = (type, err) => {
        if (type === 'sentinelError') {
          const failed = /^failed to connect to sentinel (\S+) because (.*)$/.exec(err.message);
          const invalid =
            /^connected to sentinel (\S+) successfully, but got an invalid reply/.exec(err.message);
          if (failed && /No such master/i.test(failed[2]!)) unknown.push(failed[1]!);
          else if (failed) unreachable.push(`${failed[1]} (${failed[2]})`);
          else if (invalid) unknown.push(invalid[1]!);
        }
        eventEmitter(type, err);
      };
      // iovalkey resumes the sentinel list where the previous connect stopped, so that a few
      // reconnects to a dead primary exhaust it ("All sentinels are unreachable") although every
      // sentinel answered: start every connect from the top, the last sentinel that answered first.
      const iterator = this.sentinelIterator as unknown as {
        cursor?: unknown;
        reset(moveCurrentToFirst: boolean): void;
      };
      iterator.reset(typeof iterator.cursor === 'number' && iterator.cursor > 0);
      return super.connect(watch).catch(async (err: unknown) => {
        if (err instanceof Error && err.message.startsWith('All sentinels are unreachable')) {
          const diagnosis = await diagnose().catch(() => undefined);
          throw new SentinelError(
            diagnosis ?? explainResolution(this.service, unknown, unreachable),
          );
        }
        throw err;
      });
    }
  };
}

/**
 * A connector that waits for `resolve()` (the first discovery of a replica pool), then connects to
 * the address it names. The client queues commands meanwhile, so `acquire()` does not block.
 */
function deferredConnector(
  resolve: () => Promise<NodeAddress>,
  tls: TlsOptions | undefined,
): NonNullable<RedisOptions['Connector']> {
  return class DeferredConnector extends AbstractConnector {
    constructor(options: unknown) {
      const timeout = (options as { disconnectTimeout?: unknown } | null)?.disconnectTimeout;
      super(typeof timeout === 'number' ? timeout : 2000);
    }

    async connect(): Promise<NetStream> {
      this.connecting = true;
      const address = await resolve();
      if (!this.connecting) throw new Error('Connection is closed.');
      const stream = tls
        ? tlsConnect({ ...tls, host: address.host, port: address.port })
        : netConnect({ host: address.host, port: address.port });
      stream.once('error', (err: Error) => {
        this.firstError = err;
      });
      this.stream = stream;
      return stream;
    }
  };
}

// ------------------------------------------------------------------------------------------------
// READONLY handling

/**
 * `reconnectOnError` of a primary connection: a `READONLY` reply means the node we write to was
 * demoted, so reconnect (iovalkey asks the sentinels again) and resend the command — once. A
 * command resent after a `READONLY` that meets `READONLY` again on the next connection is
 * rejected, so a stale sentinel view cannot loop. Resending cannot duplicate: a command refused
 * with `READONLY` did not run (measured in test/integration/sentinel-readonly.spec.ts).
 */
export class ReadonlyRetryPolicy {
  /** Commands resent after a `READONLY` reply. */
  retried = 0;
  /** `READONLY` replies passed to the caller (the retry met `READONLY` again). */
  rejected = 0;
  private epoch = 0;
  private readonly readonlyEpochs: number[] = [];

  constructor(private readonly onReadonly: (retry: boolean) => void = noop) {}

  /** Counts connections: call on every `ready` of the client. */
  attach(client: Valkey): void {
    client.on('ready', () => {
      this.epoch++;
    });
  }

  /** The `reconnectOnError` decision: `false` (not READONLY), `2` (reconnect and resend), `1` (reconnect, reject). */
  decide(err: Error): false | 1 | 2 {
    if (!/^READONLY\b/.test(err.message)) return false;
    const retry = !this.readonlyEpochs.includes(this.epoch - 1);
    if (!this.readonlyEpochs.includes(this.epoch)) {
      this.readonlyEpochs.push(this.epoch);
      if (this.readonlyEpochs.length > 4) this.readonlyEpochs.shift();
      this.onReadonly(retry);
    }
    if (retry) this.retried++;
    else this.rejected++;
    return retry ? 2 : 1;
  }
}

// ------------------------------------------------------------------------------------------------
// the pool

interface ReplicaEntry {
  readonly address: NodeAddress;
  readonly client: Valkey;
  admitted: boolean;
  probing: boolean;
  removed: boolean;
  /** Settles when the first admission check finished (either way). */
  readonly checked: Promise<void>;
  markChecked(): void;
}

/**
 * The seed's `valkey.sentinel.SentinelConnectionPool`, on iovalkey.
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
 * `master-link-status` other than `ok`) and that itself answers `ROLE` as a synced replica;
 * `acquire()` rotates over those whose connection is up, round-robin from a random start. The set
 * is refreshed on sentinel events (`+switch-master`, `+sdown`/`-sdown`, `+odown`, `+slave`,
 * `+convert-to-slave`, …) and every {@link refreshIntervalMs}. With no usable replica it falls
 * back to a primary client (valkey-py's `rotate_slaves`), so reads never wait for a replica.
 *
 * `acquire()` never blocks and opens nothing before it is first called. Before the first
 * discovery of a replica pool has finished it returns a "bootstrap" client whose connection waits
 * for that discovery and then goes to a healthy replica (or the primary when there is none):
 * early reads queue for a few milliseconds instead of landing on the primary, and a `readonly`
 * cache's first write is refused like every later one.
 *
 * Emits `failover`, `primary-changed` and `replicas-changed` ({@link SentinelPoolEventMap}) and
 * logs them under the cache alias (`ValkeyCache:<alias>`); addresses only, never passwords.
 */
export class SentinelConnectionPool
  extends EventEmitter<SentinelPoolEventMap>
  implements ValkeyPool
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
  private readonly connection: ConnectionPoolKwargs;
  private readonly sentinelOptions: ReturnType<typeof sentinelConnectionOptions>;
  private readonly commandTimeoutMs: number;
  private readonly monitor: SentinelMonitor;
  private monitorUsed = false;
  private primaryClient: Valkey | undefined;
  private bootstrap: Valkey | undefined;
  private readonly replicaEntries = new Map<string, ReplicaEntry>();
  private readonly retiring = new Set<Valkey>();
  private next = Math.floor(Math.random() * 1024);
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
    const ctor = this.constructor as typeof SentinelConnectionPool;
    this.monitor = acquireMonitor(
      this.service,
      this.sentinels,
      params.sentinelKwargs,
      ctor.refreshIntervalMs,
      ctor.followPromotion,
      this.logger,
    );
  }

  acquire(): Valkey {
    if (this.closed) throw new SentinelError(`the ${this.description} is closed`);
    this.start();
    if (this.role === 'primary') return this.primary();
    if (this.discovery !== 'done') return this.bootstrapClient();
    const ready = this.usableReplicas();
    if (ready.length === 0) {
      this.noteFallback(true);
      return this.primary();
    }
    this.noteFallback(false);
    this.next = (this.next + 1) % 1_000_000;
    return ready[this.next % ready.length]!.client;
  }

  clients(): readonly Valkey[] {
    const held: Valkey[] = [];
    if (this.primaryClient) held.push(this.primaryClient);
    if (this.bootstrap) held.push(this.bootstrap);
    for (const entry of this.replicaEntries.values()) held.push(entry.client);
    return held;
  }

  describe(): string {
    return this.description;
  }

  /** Replicas reads currently rotate over (empty: they go to the primary). */
  activeReplicas(): NodeAddress[] {
    return this.usableReplicas().map((e) => e.address);
  }

  /** The address the primary connection is open to, or `null` while (re)connecting. */
  connectedPrimary(): NodeAddress | null {
    const stream = this.primaryClient?.status === 'ready' ? this.primaryClient.stream : undefined;
    if (!stream?.remoteAddress || stream.remotePort === undefined) return null;
    return { host: stream.remoteAddress.replace(/^::ffff:/, ''), port: stream.remotePort };
  }

  /** Asks the sentinels for the current primary and healthy replicas. */
  async topology(): Promise<SentinelTopologySnapshot> {
    if (this.closed) throw new SentinelError(`the ${this.description} is closed`);
    this.useMonitor();
    const state = await this.monitor.refresh();
    return { primary: state.primary, replicas: [...state.replicas] };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.monitor.off('state', this.onState);
    this.monitor.off('failover', this.onFailover);
    this.monitor.off('primary-changed', this.onPrimaryChanged);
    const clients = this.clients();
    for (const client of this.retiring) client.disconnect();
    this.retiring.clear();
    this.primaryClient = undefined;
    this.bootstrap = undefined;
    for (const entry of this.replicaEntries.values()) entry.removed = true;
    this.replicaEntries.clear();
    await Promise.allSettled([releaseMonitor(this.monitor), ...clients.map((c) => closeClient(c))]);
    this.removeAllListeners();
  }

  // -- lifecycle ----------------------------------------------------------------------------------

  private useMonitor(): void {
    if (this.monitorUsed) return;
    this.monitorUsed = true;
    this.monitor.on('state', this.onState);
    this.monitor.on('failover', this.onFailover);
    this.monitor.on('primary-changed', this.onPrimaryChanged);
    this.monitor.start();
  }

  private start(): void {
    this.useMonitor();
    if (this.role === 'replica' && this.discovery === 'idle') this.discover();
  }

  /** First discovery of a replica pool: the sentinels' view, then each replica's own ROLE. */
  private discover(): void {
    this.discovery = 'running';
    const deadline = this.connection.connectTimeout ?? FALLBACK_TIMEOUT_MS;
    this.monitor
      .refresh()
      .then(async () => {
        const checks = [...this.replicaEntries.values()].map((e) => e.checked);
        await Promise.race([Promise.allSettled(checks), sleep(deadline)]);
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
    if (current) this.logger.warn(`opening a new connection to the primary of '${this.service}'`);
    const client = this.createPrimaryClient();
    this.primaryClient = client;
    return client;
  }

  private createPrimaryClient(): Valkey {
    const sentinel = this.sentinelOptions;
    const options: RedisOptions = {
      ...this.connection,
      retryStrategy:
        this.connection.retryStrategy ?? ((times: number) => Math.min(times * 50, 500)),
      sentinels: this.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: this.service,
      role: 'master',
      failoverDetector: true,
      // one pass over the sentinels, then fail the queued commands with a clear error
      sentinelRetryStrategy: () => null,
      reconnectOnError: (err: Error) => this.readonlyPolicy.decide(err),
      lazyConnect: true,
      Connector: explainingSentinelConnector(() =>
        this.monitor.refresh().then(
          () => undefined,
          (err: unknown) => (err instanceof SentinelError ? err.message : undefined),
        ),
      ),
      enableTLSForSentinelMode: this.connection.tls !== undefined,
      // iovalkey passes every address a sentinel names through natMap: send it to the new
      // primary while some sentinels still name the old one, then apply the user's natMap
      natMap: (key: string) => {
        const i = key.lastIndexOf(':');
        const named = { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
        const target = this.translate(this.monitor.redirect(named) ?? named);
        return sameAddress(target, named) ? null : target;
      },
    };
    if (sentinel.username !== undefined) options.sentinelUsername = sentinel.username;
    if (sentinel.password !== undefined) options.sentinelPassword = sentinel.password;
    if (sentinel.tls !== undefined) options.sentinelTLS = sentinel.tls;
    options.sentinelCommandTimeout = sentinel.commandTimeout ?? this.commandTimeoutMs;
    const client = new Valkey(options);
    this.readonlyPolicy.attach(client);
    logConnectionEvents(client, this.alias, `the primary of Sentinel service '${this.service}'`);
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
    const nat = this.connection.natMap;
    if (!nat) return address;
    const key = `${address.host}:${address.port}`;
    const mapped = typeof nat === 'function' ? nat(key) : nat[key];
    return mapped ? { host: mapped.host, port: mapped.port } : address;
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
    if (this.role === 'replica') {
      for (const entry of this.replicaEntries.values()) {
        if (sameAddress(entry.address, e.current)) this.removeReplica(entry, 'it was promoted');
      }
    }
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
    const pick = async (): Promise<NodeAddress> => {
      const state = this.monitor.state ?? (await this.monitor.refresh());
      const replicas = state.replicas;
      if (replicas.length > 0)
        return this.translate(replicas[Math.floor(Math.random() * replicas.length)]!);
      if (state.primary) return this.translate(state.primary);
      throw new SentinelError(`Sentinel: service '${this.service}' has no primary`);
    };
    const client = new Valkey({
      ...this.connection,
      lazyConnect: true,
      Connector: deferredConnector(pick, this.connection.tls),
      retryStrategy: () => null,
    });
    client.on('error', noop);
    this.bootstrap = client;
    return client;
  }

  private usableReplicas(): ReplicaEntry[] {
    const out: ReplicaEntry[] = [];
    for (const entry of this.replicaEntries.values()) {
      if (entry.admitted && entry.client.status === 'ready') out.push(entry);
    }
    return out;
  }

  private readonly onState = (state: ServiceState): void => {
    if (this.role !== 'replica' || this.closed) return;
    const wanted = new Map(state.replicas.map((a) => [formatAddress(a), a]));
    for (const [key, entry] of this.replicaEntries) {
      if (!wanted.has(key)) this.removeReplica(entry, 'the sentinels no longer report it healthy');
    }
    for (const [key, address] of wanted) {
      const entry = this.replicaEntries.get(key);
      if (!entry) this.addReplica(key, address);
      else if (!entry.admitted && entry.client.status === 'ready') void this.check(entry);
    }
  };

  private addReplica(key: string, address: NodeAddress): void {
    const options: RedisOptions = {
      // a read in flight when the connection drops gets one reconnect (a sentinel's CLIENT KILL
      // during a failover), then fails instead of waiting for a replica that is gone
      maxRetriesPerRequest: 1,
      ...this.connection,
      ...this.translate(address),
    };
    const client = new Valkey(options);
    let markChecked = noop;
    const checked = new Promise<void>((resolve) => {
      markChecked = resolve;
    });
    const entry: ReplicaEntry = {
      address,
      client,
      admitted: false,
      probing: false,
      removed: false,
      checked,
      markChecked,
    };
    this.replicaEntries.set(key, entry);
    logConnectionEvents(
      client,
      this.alias,
      `replica ${formatAddress(address)} of Sentinel service '${this.service}'`,
    );
    client.on('ready', () => void this.check(entry));
    client.on('close', () => {
      entry.markChecked();
      if (entry.admitted && !entry.removed) {
        entry.admitted = false;
        this.announceReplicas([], [address], 'connection lost');
      }
    });
  }

  /** Admits a replica once it answers ROLE as a replica in sync (or the primary is down). */
  private async check(entry: ReplicaEntry): Promise<void> {
    if (entry.probing || entry.removed || this.closed) return;
    entry.probing = true;
    let ok = false;
    let why = '';
    try {
      const role = await entry.client.call('ROLE');
      const [kind, , , state] = Array.isArray(role) ? role.map(String) : [];
      ok = kind === 'slave' && (state === 'connected' || this.monitor.state?.primaryDown === true);
      if (!ok) why = `ROLE says ${kind ?? '?'} ${state ?? ''}`.trim();
    } catch (err) {
      why = errorMessage(err);
    } finally {
      entry.probing = false;
      entry.markChecked();
    }
    if (entry.removed || this.closed) return;
    if (ok && !entry.admitted && entry.client.status === 'ready') {
      entry.admitted = true;
      this.announceReplicas([entry.address], [], 'replica in sync');
    } else if (!ok && entry.admitted) {
      entry.admitted = false;
      this.announceReplicas([], [entry.address], why);
    }
  }

  private removeReplica(entry: ReplicaEntry, why: string): void {
    if (entry.removed) return;
    entry.removed = true;
    this.replicaEntries.delete(formatAddress(entry.address));
    const wasAdmitted = entry.admitted;
    entry.admitted = false;
    entry.markChecked();
    // a grace period first: a connection the sentinels just killed (CLIENT KILL during a
    // failover) reconnects and resends what was in flight before it is told to QUIT
    this.retire(entry.client, REPLICA_RETIRE_GRACE_MS);
    if (wasAdmitted) this.announceReplicas([], [entry.address], why);
  }

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

/**
 * Closes a client after the commands already given to it were answered: waits (bounded) for a
 * connection that is being re-established, then `QUIT`s (which runs after the queued commands),
 * then disconnects. Used for a replica leaving the rotation and the bootstrap client.
 */
async function retire(client: Valkey, boundMs: number, graceMs = 0): Promise<void> {
  if (graceMs > 0) await sleep(graceMs);
  if (client.status === 'end') return;
  if (client.status === 'wait') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(boundMs, QUIT_TIMEOUT_MS));
    timer.unref();
  });
  try {
    if (client.status !== 'ready') {
      let settle = noop;
      const ready = new Promise<void>((resolve) => {
        settle = resolve;
        client.once('ready', resolve);
        client.once('end', resolve);
      });
      await Promise.race([ready, bound]);
      client.off('ready', settle);
      client.off('end', settle);
    }
    if (client.status === 'ready') await Promise.race([client.quit().catch(noop), bound]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
