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

interface Server {
  readonly address: string;
  readonly port?: number;
  readonly peer?: { address: string; port: number };
}

/** The server `connection` talks to now; `undefined` for a cluster client (no single server). */
export function serverOf(connection: Valkey | undefined): Server | undefined {
  if (connection === undefined) return undefined;
  const options = (connection as { options?: Valkey['options'] }).options;
  if (options?.path) return { address: options.path };
  const stream = (connection as { stream?: Valkey['stream'] }).stream;
  const peer =
    stream?.remoteAddress !== undefined && stream.remotePort !== undefined
      ? { address: stream.remoteAddress.replace(/^::ffff:/, ''), port: stream.remotePort }
      : undefined;
  // A Sentinel-mode client's options name no server: the socket says which one it reached.
  if (options?.sentinels?.length || options?.host === undefined) {
    return peer && { address: peer.address, port: peer.port, peer };
  }
  return { address: options.host, port: options.port ?? 6379, ...(peer && { peer }) };
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
  /** Attributes every span and measurement of this cache carries. */
  readonly common: Attributes;

  constructor(readonly settings: SpanObserverSettings) {
    this.common = {
      'db.system.name': 'valkey',
      'db.system': 'valkey',
      [ATTR_CACHE_ALIAS]: settings.alias,
    };
  }

  start(operation: string, keys: string | readonly string[]): ObservedCall {
    return new SpanCall(this, operation, keys);
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
    const attributes: Attributes = { ...owner.common, 'db.operation.name': operation };
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
    const server = serverOf(connection);
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
    const server = serverOf(connection);
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
    const attributes: Attributes = { ...this.owner.common, 'db.operation.name': this.operation };
    if (server !== undefined) {
      attributes['server.address'] = server.address;
      if (server.port !== undefined) attributes['server.port'] = server.port;
    }
    if (errorType !== undefined) attributes['error.type'] = errorType;
    duration.record((performance.now() - this.startMs) / 1000, attributes);
  }
}
