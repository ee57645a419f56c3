import type { Valkey } from 'iovalkey';
import type { CacheError } from '../errors.js';

/**
 * One cache call an observer follows from {@link CallObserver.start} to exactly one of
 * {@link end} or {@link fail}.
 */
export interface ObservedCall {
  /**
   * The call was answered by `connection` (the iovalkey client the command went to: the
   * primary, a replica, a shard). For reads of values, `hits` is how many of the call's keys
   * were found (0 or 1 for a single key); `undefined` for calls that read no value.
   */
  end(connection: Valkey | undefined, hits?: number): void;
  /**
   * The call failed with `error`, already typed (its message carries no password);
   * `ignored` when `ignoreExceptions` answered it with a fallback instead of throwing.
   */
  fail(error: CacheError, connection: Valkey | undefined, ignored: boolean): void;
}

/**
 * What a cache reports each call to when one is attached (`cache.metrics.attachObserver`), e.g.
 * the OpenTelemetry export of `nestjs-valkey-cache/opentelemetry`. With none attached a call
 * pays one property read. `operation` is the call's name in Django's spelling (`get`, `set`,
 * `get_many`, `has_key`, `incr`, …); `keys` are the stored keys (prefix and version included).
 */
export interface CallObserver {
  start(operation: string, keys: string | readonly string[]): ObservedCall;
}
