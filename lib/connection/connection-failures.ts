import type { Valkey } from 'iovalkey';
import { CredentialProviderError } from './credential-connector.js';

/**
 * Node's codes for a server certificate that failed verification (`tls.connect` with
 * `rejectUnauthorized`, the default), and OpenSSL's for a handshake the server refused.
 */
const CERT_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Server replies to `AUTH` that a reconnect with the same credentials cannot fix. */
const AUTH_FAILURE = /^(WRONGPASS|NOAUTH|ERR invalid password|ERR invalid username)/;

/** A TLS handshake with a data node failed; the message says why and which option to check. */
export class ValkeyTlsError extends Error {
  override readonly name = 'ValkeyTlsError';
  /** Node's or OpenSSL's code, e.g. `SELF_SIGNED_CERT_IN_CHAIN`. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `err` comes from TLS: certificate verification or a handshake alert. */
export function isTlsFailure(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return CERT_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

/** OpenSSL's reason (`tlsv13 alert certificate required`) instead of its whole error line. */
function tlsReason(err: Error): string {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(err.message);
  return (openssl ? openssl[1]! : err.message).trim();
}

function tlsHint(code: string, optionPath: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return (
      `the server's certificate does not name the host connected to: connect by a name the ` +
      `certificate lists, or set ${optionPath}.servername to one`
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `certificate verify failed: the server's certificate is outside its validity period`;
  }
  if (CERT_VERIFY_CODES.has(code)) {
    return (
      `certificate verify failed: the server's certificate does not chain to a trusted CA; ` +
      `pass the CA that signed it as ${optionPath}.ca`
    );
  }
  if (/CERTIFICATE_REQUIRED/.test(code)) {
    return `the server requires a client certificate (tls-auth-clients): set ${optionPath}.cert and ${optionPath}.key`;
  }
  if (/ALERT_HANDSHAKE_FAILURE/.test(code)) {
    return (
      `the server refused the handshake: it may require a client certificate (tls-auth-clients: ` +
      `set ${optionPath}.cert and ${optionPath}.key), or a TLS version or cipher not offered here`
    );
  }
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR/.test(code)) {
    return `the server rejected the client certificate (${optionPath}.cert): it is not signed by a CA the server trusts`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return `the server does not speak TLS on this port (use valkey:// for a plain port)`;
  }
  return `check ${optionPath}`;
}

/** The message of a {@link ValkeyTlsError} for `err` on the connection to `describe`. */
export function describeTlsFailure(err: Error, describe: string, optionPath: string): string {
  const code = String((err as { code?: unknown }).code);
  return `TLS handshake with ${describe} failed: ${tlsReason(err)} (${code}); ${tlsHint(code, optionPath)}`;
}

/**
 * iovalkey keeps the failed `AUTH` command on its reply error (`err.command.args`): a logged
 * error (`console.error(err)`, `logger.error(err)`, a `cause` chain) would print the password.
 * Replaces the credentials of `AUTH` / `HELLO … AUTH` with `***`, in place.
 */
export function redactCommandSecrets(err: unknown): void {
  const command = (err as { command?: { name?: unknown; args?: unknown } } | null)?.command;
  if (!command || !Array.isArray(command.args)) return;
  const name = String(command.name).toLowerCase();
  const args = command.args as unknown[];
  if (name === 'auth') {
    if (args.length > 0) args[args.length - 1] = '***';
  } else if (name === 'hello') {
    const i = args.findIndex((a) => String(a).toUpperCase() === 'AUTH');
    if (i >= 0 && i + 2 < args.length) args[i + 2] = '***';
  }
}

type SendCommand = Valkey['sendCommand'];
type Flushable = { flushQueue(error: Error): void };

/**
 * Makes a data-node client fail fast and clearly when connecting cannot succeed by retrying:
 *
 * - a TLS failure (wrong CA, certificate for another host, missing client certificate, …) fails
 *   the queued commands at once with a {@link ValkeyTlsError} that says why and which option to
 *   check (`optionPath`, e.g. `connectionPoolKwargs.tls`), instead of letting them wait for
 *   `socketTimeout` and fail with "Command timed out";
 * - a credential provider that fails ({@link CredentialProviderError}) fails the queued commands at
 *   once with its error, naming the option;
 * - after such a failure, or a refused `AUTH` (`WRONGPASS`, `NOAUTH`), commands sent while the
 *   client reconnects fail at once with that same error instead of queueing;
 * - the credentials iovalkey keeps on a failed `AUTH` reply error are redacted.
 *
 * The client keeps reconnecting with its `retryStrategy` (a fixed certificate or password on
 * the server is picked up); the first successful connection clears the failure.
 */
export function failFastOnFatalConnectionErrors(
  client: Valkey,
  describe: string,
  optionPath = 'connectionPoolKwargs.tls',
): void {
  let failure: Error | undefined;
  client.on('error', (err: Error) => {
    redactCommandSecrets(err);
    if (isTlsFailure(err)) {
      failure = new ValkeyTlsError(
        describeTlsFailure(err, describe, optionPath),
        String((err as { code?: unknown }).code),
        { cause: err },
      );
      (client as unknown as Flushable).flushQueue(failure);
    } else if (err instanceof CredentialProviderError) {
      failure = err;
      (client as unknown as Flushable).flushQueue(failure);
    } else if (err.name === 'ReplyError' && AUTH_FAILURE.test(err.message)) {
      failure = err;
    }
  });
  client.on('ready', () => {
    failure = undefined;
  });
  const original: SendCommand = client.sendCommand;
  const guarded: SendCommand = function (this: Valkey, command, stream) {
    // handshake commands (AUTH, SELECT, …) are sent in status 'connect' and pass through
    if (failure && (client.status === 'reconnecting' || client.status === 'connecting')) {
      command.reject(failure);
      return command.promise;
    }
    return original.call(this, command, stream);
  };
  client.sendCommand = guarded;
}

/**
 * The error that a retry with the same settings cannot fix, for an error a connection attempt
 * emitted: a {@link ValkeyTlsError} for a TLS failure, the (redacted) reply error for a refused
 * `AUTH` (`WRONGPASS`, `NOAUTH`); `undefined` for anything else (refused connection, timeout, …).
 */
export function fatalConnectionFailure(
  err: Error,
  describe: string,
  optionPath = 'connectionPoolKwargs.tls',
): Error | undefined {
  redactCommandSecrets(err);
  if (isTlsFailure(err)) {
    return new ValkeyTlsError(
      describeTlsFailure(err, describe, optionPath),
      String((err as { code?: unknown }).code),
      { cause: err },
    );
  }
  if (err.name === 'ReplyError' && AUTH_FAILURE.test(err.message)) return err;
  return undefined;
}

/** The part of iovalkey's `Cluster` that {@link boundClusterOfflineQueue} works with. */
interface ClusterInternals {
  status: string;
  sendCommand(command: QueuedCommand, stream?: unknown, node?: unknown): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** iovalkey's queue of commands waiting for the cluster to be ready (a `denque`). */
  offlineQueue: { toArray(): { command: QueuedCommand }[]; removeOne(index: number): unknown };
  flushQueue(error: Error): void;
}

/** The part of iovalkey's `Command` that {@link boundClusterOfflineQueue} works with. */
interface QueuedCommand {
  readonly name: string;
  readonly promise: Promise<unknown>;
  reject(error: Error): void;
}

/**
 * Bounds how long a command may wait for an iovalkey `Cluster` that is not `ready`. The
 * cluster keeps such commands in its offline queue, with no timeout of its own (the nodes'
 * `commandTimeout` only starts once a command is sent to a node), for as long as connecting
 * fails: every startup node unreachable, a refused password, a TLS failure. With this:
 *
 * - a command that is still waiting `timeoutMs` after it was issued is taken out of the queue
 *   (so it is never sent later, when the caller already has its error) and rejected with an
 *   error that says the cluster is not connected and why (the last node error);
 * - after a refused `AUTH` or a TLS failure (see {@link fatalConnectionFailure}) while
 *   connecting, the queued commands, and every command issued until the cluster is ready again,
 *   fail at once with that error, like {@link failFastOnFatalConnectionErrors} does for one node;
 * - the credentials iovalkey keeps on a failed `AUTH` reply error are redacted.
 *
 * The cluster keeps reconnecting with its `clusterRetryStrategy`; once it is ready, commands go
 * to the nodes again (a fixed password or certificate on the server is picked up). Commands
 * sent while the cluster is `ready` are bounded by the nodes' `commandTimeout` instead.
 */
export function boundClusterOfflineQueue(
  cluster: unknown,
  describe: string,
  timeoutMs: number,
  optionPath = 'connectionPoolKwargs.tls',
): void {
  const c = cluster as ClusterInternals;
  let failure: Error | undefined;
  let lastError: Error | undefined;
  const onError = (err: Error): void => {
    // 'error' carries ClusterAllFailedError, whose lastNodeError is the node's own error
    const nodeError = (err as { lastNodeError?: unknown }).lastNodeError;
    const cause = nodeError instanceof Error ? nodeError : err;
    redactCommandSecrets(err);
    lastError = cause;
    const fatal = fatalConnectionFailure(cause, describe, optionPath);
    if (fatal) {
      failure = fatal;
      c.flushQueue(fatal);
    }
  };
  c.on('error', onError);
  c.on('node error', onError);
  c.on('ready', () => {
    failure = undefined;
    lastError = undefined;
  });
  const original = c.sendCommand;
  c.sendCommand = function (this: ClusterInternals, command, stream, node) {
    // CLUSTER SLOTS / CLUSTER INFO of the connect sequence itself pass through
    if (c.status === 'ready' || c.status === 'end' || command.name === 'cluster') {
      return original.call(this, command, stream, node);
    }
    if (failure) {
      command.reject(failure);
      return command.promise;
    }
    const timer = setTimeout(() => {
      const queue = c.offlineQueue;
      const index = queue.toArray().findIndex((item) => item.command === command);
      if (index >= 0) queue.removeOne(index);
      const why = lastError ? `; last node error: ${lastError.message}` : '';
      command.reject(
        new Error(
          `${describe} is not connected (status '${c.status}') within ${timeoutMs} ms${why}`,
          { cause: lastError },
        ),
      );
    }, timeoutMs);
    const clear = (): void => clearTimeout(timer);
    command.promise.then(clear, clear);
    return original.call(this, command, stream, node);
  };
}
