import { CacheConnectionError, CacheError, CacheReadOnlyError } from '../errors.js';
import { redactCommandSecrets } from '../connection/connection-failures.js';

// Server replies that mean "this node cannot serve you right now", not "your command is wrong".
// READONLY is not among them: primary connections already reconnect and retry once on it (see
// SentinelConnectionPool), so a READONLY that reaches the cache means a write was sent to a
// replica on purpose (e.g. a cache located on `?is_master=0`), which no fallback should hide.
// Refused credentials (a connection-level failure, as valkey-py classifies it).
const AUTH_REFUSED = /^(WRONGPASS|NOAUTH)\b/;
const UNAVAILABLE_REPLY = /^(LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|BUSY)\b/;

/**
 * Turns whatever a command threw into this module's typed error for `alias`: connection losses,
 * timeouts and "node unavailable" replies become {@link CacheConnectionError} (the errors
 * `ignoreExceptions` may swallow); other server replies a {@link CacheError}; our own errors
 * pass through unchanged; credentials of a failed `AUTH` are redacted from the cause.
 * Programming errors (`TypeError`, `RangeError`, …) are never treated as connection errors, so
 * `ignoreExceptions` cannot hide a bug.
 */
export function toCacheError(err: unknown, alias: string): CacheError {
  if (err instanceof CacheError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  // A failed AUTH keeps the password in `e.command.args`; it becomes our error's `cause`.
  redactCommandSecrets(e);
  if (e.name === 'ReplyError' && e.message.startsWith('READONLY')) {
    return new CacheReadOnlyError(
      `write refused by a read-only replica (${e.message}); this cache's location sends writes to ` +
        `a replica: use a primary location (e.g. '?is_master=1') for writes`,
      alias,
      { cause: e },
    );
  }
  if (e.name === 'ReplyError' && AUTH_REFUSED.test(e.message)) {
    // As in valkey-py (AuthenticationError is a ConnectionError) and so django-valkey:
    // ignoreExceptions covers a refused password, e.g. while credentials are being rotated.
    return new CacheConnectionError(`server replied: ${e.message}`, alias, { cause: e });
  }
  if (e.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(e.message)) {
    return new CacheError(`server replied: ${e.message}`, alias, { cause: e });
  }
  if (
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof SyntaxError ||
    e instanceof ReferenceError
  ) {
    return new CacheError(e.message, alias, { cause: e });
  }
  return new CacheConnectionError(e.message, alias, { cause: e });
}

/** Whether a server reply error says the stored value is not an int64 or the sum overflows. */
export function isIntegerReplyError(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'ReplyError' &&
    /not an integer or out of range|would overflow/i.test(err.message)
  );
}
