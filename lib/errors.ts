/**
 * Base class of every error this module raises. `alias` names the cache it came from.
 * Messages never contain a password: URLs are redacted before they reach a message.
 */
export class CacheError extends Error {
  override name = 'CacheError';
  constructor(
    message: string,
    /** The cache alias (`CACHES` key) the error belongs to, or `undefined` at module level. */
    readonly alias?: string,
    options?: { cause?: unknown },
  ) {
    super(alias === undefined ? message : `cache '${alias}': ${message}`, options);
  }
}

/** One problem found in a cache configuration. */
export interface ConfigProblem {
  /** Cache alias, e.g. `'sentinel'`. */
  alias: string;
  /** Option path inside the cache config, e.g. `'options.sentinels[1][1]'`. */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
}

/** Raised at boot when one or more cache configurations are invalid; lists every problem. */
export class CacheConfigError extends CacheError {
  override name = 'CacheConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid cache configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems
          .map((p) => `  - caches.${p.alias}${p.path ? `.${p.path}` : ''}: ${p.message}`)
          .join('\n'),
    );
  }
}

/**
 * A connection, timeout or server-side failure while talking to Valkey. With
 * `options.ignoreExceptions` these (and only these) turn into the call's fallback value.
 */
export class CacheConnectionError extends CacheError {
  override name = 'CacheConnectionError';
}

/**
 * A write reached a read-only replica (`READONLY`). Not a connection error: `ignoreExceptions`
 * never hides it, because it means the cache's location sends writes to a replica.
 */
export class CacheReadOnlyError extends CacheError {
  override name = 'CacheReadOnlyError';
}

/** A stored payload could not be decoded (corrupt, foreign serializer, truncated compression). */
export class CacheDecodeError extends CacheError {
  override name = 'CacheDecodeError';
  constructor(
    message: string,
    alias: string | undefined,
    /** The full (prefixed, versioned) key whose value failed to decode. */
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, alias, options);
  }
}

/** A key operation that needs an existing key (e.g. `incr`, `incrVersion`) found none. */
export class CacheKeyNotFoundError extends CacheError {
  override name = 'CacheKeyNotFoundError';
  constructor(
    readonly key: string,
    alias?: string,
  ) {
    super(`key '${key}' not found`, alias);
  }
}

/** A value or argument that the cache refuses before anything is sent to the server. */
export class CacheArgumentError extends CacheError {
  override name = 'CacheArgumentError';
}
