import { EventEmitter } from 'node:events';
import type { Valkey } from 'iovalkey';
import type {
  FailoverEvent,
  PrimaryChangedEvent,
  ReplicasChangedEvent,
} from '../connection/sentinel/sentinel-pool-events.js';

/** A connection of a cache changed state. Addresses only: never a URL with a password. */
export interface ConnectionEvent {
  /** The cache alias whose events emitter reports it. */
  readonly alias: string;
  /** Which connection: e.g. `127.0.0.1:6379/0` or `the primary of Sentinel service 'mymaster'`. */
  readonly connection: string;
  /** `Date.now()` when it happened. */
  readonly at: number;
}

/** A connection failed or lost its socket. */
export interface ConnectionErrorEvent extends ConnectionEvent {
  /** The error's message (connection errors carry no credentials). */
  readonly message: string;
}

/** A connection will try again. */
export interface ReconnectingEvent extends ConnectionEvent {
  /** Wait before the attempt, in ms. */
  readonly delayMs: number;
}

/**
 * Events of one cache alias (`cache.events`). Connection events come from every connection the
 * cache's pools hold (the primary, each replica; not the sentinel connections), Sentinel events
 * from its `SentinelClient`. The error event is `connection-error`, not `error`, so that an app
 * that listens to nothing (or only to `connect`) never gets an "Unhandled 'error' event".
 */
export interface CacheEventMap {
  /** A connection is ready (after the first connect and after every reconnect). */
  connect: [ConnectionEvent];
  /** A connection's socket closed (it may reconnect: see `reconnecting`). */
  disconnect: [ConnectionEvent];
  /** A connection will try again after `delayMs`. */
  reconnecting: [ReconnectingEvent];
  /** A connection gave up for good (closed by the app, or out of retries). */
  end: [ConnectionEvent];
  /** A connection reported an error (refused, timed out, reset, …). */
  'connection-error': [ConnectionErrorEvent];
  /** A Sentinel failover started, promoted a replica, or ended. */
  failover: [FailoverEvent];
  /** The sentinels name another primary. */
  'primary-changed': [PrimaryChangedEvent];
  /** The set of replicas reads rotate over changed. */
  'replicas-changed': [ReplicasChangedEvent];
}

/** One report of the process-wide connection hub. */
interface HubReport {
  readonly client: Valkey;
  readonly connection: string;
  readonly kind: 'connect' | 'disconnect' | 'reconnecting' | 'end' | 'connection-error';
  readonly message?: string;
  readonly delayMs?: number;
}

type ConnectionEventName = HubReport['kind'];
const CONNECTION_EVENTS: readonly ConnectionEventName[] = [
  'connect',
  'disconnect',
  'reconnecting',
  'end',
  'connection-error',
];

const hub = new EventEmitter<{ report: [HubReport] }>();
hub.setMaxListeners(0);

/**
 * How many caches are subscribed to the process-wide connection hub now. Internal (tests check
 * that a closed app leaves no subscription behind); not exported from the package entry.
 *
 * @internal
 */
export function hubListenerCount(): number {
  return hub.listenerCount('report');
}

/**
 * Forwards the lifecycle of a pool's `client` to the caches that listen (called by the pools for
 * every connection they make, next to the log). `connection` must already be redacted. Costs
 * nothing per command; an event with no cache listening is dropped at once.
 */
export function reportConnectionEvents(client: Valkey, connection: string): void {
  const send = (kind: HubReport['kind'], extra?: { message?: string; delayMs?: number }): void => {
    if (hub.listenerCount('report') === 0) return;
    hub.emit('report', { client, connection, kind, ...extra });
  };
  client.on('ready', () => send('connect'));
  client.on('close', () => send('disconnect'));
  client.on('reconnecting', (delayMs: number) => send('reconnecting', { delayMs }));
  client.on('end', () => send('end'));
  client.on('error', (err: Error) => send('connection-error', { message: err.message }));
}

/** What {@link CacheEvents} needs of a cache's client. */
export interface EventSource {
  /** The iovalkey clients the cache's pools hold now. */
  clients(): readonly Valkey[];
}

/**
 * The typed event emitter of one cache alias (`cache.events`); see {@link CacheEventMap}.
 * Connection events are only routed while at least one listener is attached, so an unobserved
 * cache pays nothing and holds no reference from the process-wide hub.
 */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  private readonly seen = new WeakSet<Valkey>();
  private subscribed = false;
  private readonly onReport = (report: HubReport): void => {
    if (!this.owns(report.client)) return;
    const base = { alias: this.alias, connection: report.connection, at: Date.now() };
    switch (report.kind) {
      case 'connection-error':
        this.emit('connection-error', { ...base, message: report.message ?? '' });
        break;
      case 'reconnecting':
        this.emit('reconnecting', { ...base, delayMs: report.delayMs ?? 0 });
        break;
      default:
        this.emit(report.kind, base);
    }
  };

  constructor(
    /** The cache alias. */
    readonly alias: string,
    private readonly source: EventSource,
  ) {
    super();
    this.setMaxListeners(0);
    const meta = this as EventEmitter;
    meta.on('newListener', (event: string | symbol) => {
      if (CONNECTION_EVENTS.includes(event as ConnectionEventName)) this.subscribe();
    });
    meta.on('removeListener', () => {
      if (this.subscribed && this.connectionListeners() === 0) {
        hub.off('report', this.onReport);
        this.subscribed = false;
      }
    });
  }

  /**
   * Detaches this emitter for good: unsubscribes from the process-wide connection hub and removes
   * every listener. Called for every cache when its module shuts down, so a closed app is no
   * longer reachable from the hub. Idempotent.
   */
  dispose(): void {
    if (this.subscribed) {
      hub.off('report', this.onReport);
      this.subscribed = false;
    }
    this.removeAllListeners();
  }

  private connectionListeners(): number {
    let n = 0;
    for (const e of CONNECTION_EVENTS) n += this.listenerCount(e);
    return n;
  }

  private subscribe(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    hub.on('report', this.onReport);
  }

  /** Whether `client` is (or was) one of this cache's connections. */
  private owns(client: Valkey): boolean {
    if (this.seen.has(client)) return true;
    if (!this.source.clients().includes(client)) return false;
    this.seen.add(client);
    return true;
  }
}
