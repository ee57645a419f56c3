import {
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Histogram,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Valkey } from 'iovalkey';
import type { CallObserver, ObservedCall } from '../cache/call-observer.js';
import type { CacheError } from '../errors.js';

/** Attribute names this export sets besides the semantic conventions' own. */
export const ATTR_CACHE_ALIAS = 'valkey.cache.alias';
/** A single-key read found its key (`get`, `get_or_set`). */
export const ATTR_CACHE_HIT = 'valkey.cache.hit';
/** Keys a many-key read found (`get_many`). */
export const ATTR_CACHE_HITS = 'valkey.cache.hits';
/** Keys a many-key read did not find (`get_many`). */
export const ATTR_CACHE_MISSES = 'valkey.cache.misses';
/** The stored key of a single-key call (only with `recordKeys`). */
export const ATTR_CACHE_KEY = 'valkey.cache.key';
/** The stored keys of a many-key call (only with `recordKeys`; at most {@link MAX_RECORDED_KEYS}). */
export const ATTR_CACHE_KEYS = 'valkey.cache.keys';
/** `ignoreExceptions` answered the failed call with its fallback value. */
export const ATTR_ERROR_IGNORED = 'valkey.cache.error_ignored';
/** Most keys recorded on one span. */
export const MAX_RECORDED_KEYS = 100;

/** What the observer of one cache was configured with. */
export interface SpanObserverSettings {
  readonly alias: string;
  /** Where spans go; none: no spans. */
  readonly tracer: Tracer | undefined;
  /** Where durations go (seconds); none: not recorded. */
  readonly duration: Histogram | undefined;
  /** Record the stored keys on spans. */
  readonly recordKeys: boolean;
  /** Strings that must never reach a span (the cache's passwords). */
  readonly secrets: readonly string[];
}

export interface Server {
  readonly address: string;
  readonly port?: number;
  readonly peer?: { address: string; port: number };
  /** Address and port as one string, to look measurement attributes up by. */
  readonly id: string;
}

/**
 * The server `connection` talks to now, from its socket and options; `undefined` for a cluster
 * client (no single server). Remembered in `servers` per socket, which a reconnect (a failover)
 * replaces.
 */
export function serverOf(
  connection: Valkey | undefined,
  servers: WeakMap<object, Server | undefined> = new WeakMap(),
): Server | undefined {
  if (connection === undefined) return undefined;
  const stream = (connection as { stream?: Valkey['stream'] }).stream;
  const holder: object = stream ?? connection;
  if (servers.has(holder)) return servers.get(holder);
  const server = findServer(connection, stream);
  // Not remembered before the socket knows its peer (still connecting).
  if (stream === undefined || stream.remotePort !== undefined) servers.set(holder, server);
  return server;
}

function findServer(connection: Valkey, stream: Valkey['stream'] | undefined): Server | undefined {
  const options = (connection as { options?: Valkey['options'] }).options;
  if (options?.path) return { address: options.path, id: options.path };
  const peer =
    stream?.remoteAddress !== undefined && stream.remotePort !== undefined
      ? { address: stream.remoteAddress.replace(/^::ffff:/, ''), port: stream.remotePort }
      : undefined;
  // A Sentinel-mode client's options name no server: the socket says which one it reached.
  if (options?.sentinels?.length || options?.host === undefined) {
    return (
      peer && { address: peer.address, port: peer.port, peer, id: `${peer.address}:${peer.port}` }
    );
  }
  const port = options.port ?? 6379;
  return { address: options.host, port, ...(peer && { peer }), id: `${options.host}:${port}` };
}

/** Replaces every secret, URL password and (unless keys are recorded) key in `text`. */
function scrub(
  text: string,
  settings: SpanObserverSettings,
  keys: string | readonly string[],
): string {
  let out = text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi, '$1***@')
    .replace(/([?&]password=)[^&#\s]*/gi, '$1***');
  for (const secret of settings.secrets) out = out.split(secret).join('***');
  if (!settings.recordKeys) {
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      if (key.length > 0) out = out.split(key).join('<key>');
    }
  }
  return out;
}

/**
 * One span (kind CLIENT) per cache call, following the OpenTelemetry database conventions,
 * and one `db.client.operation.duration` measurement; see `nestjs-valkey-cache/opentelemetry`.
 */
export class SpanObserver implements CallObserver {
  /** Attributes of the duration measurements, by operation, server and error type. */
  private readonly measured = new Map<string, Attributes>();
  /** {@link serverOf} by socket (by connection when it has none). */
  private readonly servers = new WeakMap<object, Server | undefined>();

  constructor(readonly settings: SpanObserverSettings) {}

  start(operation: string, keys: string | readonly string[]): ObservedCall {
    return new SpanCall(this, operation, keys);
  }

  /** The server `connection` talks to now (see {@link serverOf}). */
  serverOf(connection: Valkey | undefined): Server | undefined {
    return serverOf(connection, this.servers);
  }

  /** Attributes every span of `operation` starts with (a fresh object: the span may keep it). */
  spanAttributes(operation: string): Attributes {
    // An object literal: spreading a shared object costs microseconds per call on Node 20.
    return {
      'db.system.name': 'valkey',
      'db.system': 'valkey',
      'db.operation.name': operation,
      [ATTR_CACHE_ALIAS]: this.settings.alias,
    };
  }

  /**
   * The attributes of one duration measurement, made once per operation, server and error
   * type (a handful per cache) and shared by every measurement with the same ones.
   */
  measurementAttributes(
    operation: string,
    server: Server | undefined,
    errorType: string | undefined,
  ): Attributes {
    let id = operation;
    if (server !== undefined) id += '\0' + server.id;
    if (errorType !== undefined) id += '\0\0' + errorType;
    let attributes = this.measured.get(id);
    if (attributes === undefined) {
      attributes = Object.freeze({
        'db.system.name': 'valkey',
        'db.operation.name': operation,
        [ATTR_CACHE_ALIAS]: this.settings.alias,
        ...(server !== undefined && { 'server.address': server.address }),
        ...(server?.port !== undefined && { 'server.port': server.port }),
        ...(errorType !== undefined && { 'error.type': errorType }),
      });
      this.measured.set(id, attributes);
    }
    return attributes;
  }
}

class SpanCall implements ObservedCall {
  private readonly span: Span | undefined;
  private readonly startMs = performance.now();
  private done = false;

  constructor(
    private readonly owner: SpanObserver,
    private readonly operation: string,
    private readonly keys: string | readonly string[],
  ) {
    const { tracer, recordKeys } = owner.settings;
    if (tracer === undefined) return;
    const attributes = owner.spanAttributes(operation);
    if (typeof keys !== 'string' && keys.length > 1) {
      attributes['db.operation.batch.size'] = keys.length;
    }
    if (recordKeys) {
      if (typeof keys === 'string') attributes[ATTR_CACHE_KEY] = keys;
      else if (keys.length > 0) attributes[ATTR_CACHE_KEYS] = keys.slice(0, MAX_RECORDED_KEYS);
    }
    this.span = tracer.startSpan(operation, { kind: SpanKind.CLIENT, attributes });
  }

  end(connection: Valkey | undefined, hits?: number): void {
    if (this.done) return;
    this.done = true;
    const server = this.owner.serverOf(connection);
    this.measure(server, undefined);
    const span = this.span;
    if (span === undefined || !span.isRecording()) return this.span?.end();
    this.describeServer(span, connection, server);
    if (hits !== undefined) {
      if (typeof this.keys === 'string') span.setAttribute(ATTR_CACHE_HIT, hits > 0);
      else {
        span.setAttribute(ATTR_CACHE_HITS, hits);
        span.setAttribute(ATTR_CACHE_MISSES, this.keys.length - hits);
      }
    }
    span.end();
  }

  fail(error: CacheError, connection: Valkey | undefined, ignored: boolean): void {
    if (this.done) return;
    this.done = true;
    const server = this.owner.serverOf(connection);
    this.measure(server, error.name);
    const span = this.span;
    if (span === undefined || !span.isRecording()) return this.span?.end();
    this.describeServer(span, connection, server);
    const { settings } = this.owner;
    const message = scrub(error.message, settings, this.keys);
    span.setAttribute('error.type', error.name);
    if (ignored) span.setAttribute(ATTR_ERROR_IGNORED, true);
    span.recordException({
      name: error.name,
      message,
      ...(error.stack !== undefined && { stack: scrub(error.stack, settings, this.keys) }),
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.end();
  }

  private describeServer(span: Span, connection: Valkey | undefined, server: Server | undefined) {
    if (server !== undefined) {
      span.setAttribute('server.address', server.address);
      if (server.port !== undefined) span.setAttribute('server.port', server.port);
      if (server.peer !== undefined) {
        span.setAttribute('network.peer.address', server.peer.address);
        span.setAttribute('network.peer.port', server.peer.port);
      }
    }
    const db = (connection as { options?: { db?: number } } | undefined)?.options?.db;
    if (connection !== undefined) span.setAttribute('db.namespace', String(db ?? 0));
  }

  private measure(server: Server | undefined, errorType: string | undefined): void {
    const duration = this.owner.settings.duration;
    if (duration === undefined) return;
    duration.record(
      (performance.now() - this.startMs) / 1000,
      this.owner.measurementAttributes(this.operation, server, errorType),
    );
  }
}
