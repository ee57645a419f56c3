import { EventEmitter } from 'node:events';
import type { Valkey } from 'iovalkey';
import type { ConnectionReport, ConnectionReports } from '../connection/connection-events.js';
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

type ConnectionEventName = ConnectionReport['kind'];
const CONNECTION_EVENTS: readonly ConnectionEventName[] = [
  'connect',
  'disconnect',
  'reconnecting',
  'end',
  'connection-error',
];

/** What {@link CacheEvents} needs of a cache's client. */
export interface EventSource {
  /** The iovalkey clients the cache's pools hold now. */
  clients(): readonly Valkey[];
  /** Where its pools report their connections (its connection factory's); none: no events. */
  readonly reports?: ConnectionReports | undefined;
}

/**
 * The typed event emitter of one cache alias (`cache.events`); see {@link CacheEventMap}.
 * Connection events are only routed while at least one listener is attached, so an unobserved
 * cache pays nothing and its connection factory's reports hold no reference to it.
 */
export class CacheEvents extends EventEmitter<CacheEventMap> {
  private readonly seen = new WeakSet<Valkey>();
  private unsubscribe: (() => void) | undefined;
  private readonly onReport = (report: ConnectionReport): void => {
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
      if (this.connectionListeners() === 0) this.detach();
    });
  }

  /**
   * Detaches this emitter for good: unsubscribes from the connection reports and removes every
   * listener. Called for every cache when its module shuts down, so a closed app is no longer
   * reachable from a connection factory that outlives it. Idempotent.
   */
  dispose(): void {
    this.detach();
    this.removeAllListeners();
  }

  private connectionListeners(): number {
    let n = 0;
    for (const e of CONNECTION_EVENTS) n += this.listenerCount(e);
    return n;
  }

  private subscribe(): void {
    this.unsubscribe ??= this.source.reports?.subscribe(this.onReport);
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Whether `client` is (or was) one of this cache's connections. */
  private owns(client: Valkey): boolean {
    if (this.seen.has(client)) return true;
    if (!this.source.clients().includes(client)) return false;
    this.seen.add(client);
    return true;
  }
}
