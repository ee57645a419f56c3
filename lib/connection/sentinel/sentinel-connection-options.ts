import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { CredentialProvider, SentinelKwargs } from '../../config/cache-config.js';

/**
 * How long closing a sentinel connection waits for the sentinel to close its side before
 * destroying the socket, in ms (iovalkey's default, 2000 ms, keeps a timer alive after shutdown
 * when a sentinel is paused or unreachable, and jest then reports that it did not exit).
 */
export const SENTINEL_DISCONNECT_TIMEOUT_MS = 200;

/** iovalkey options of one connection to a sentinel, from `sentinelKwargs` (seconds -> ms). */
export function sentinelConnectionOptions(kwargs: SentinelKwargs | undefined): {
  username?: string;
  password?: string;
  credentialProvider?: CredentialProvider;
  tls?: TlsOptions;
  commandTimeout?: number;
  connectTimeout?: number;
  disconnectTimeout: number;
} {
  const out: ReturnType<typeof sentinelConnectionOptions> = {
    disconnectTimeout: SENTINEL_DISCONNECT_TIMEOUT_MS,
  };
  if (kwargs?.username !== undefined) out.username = kwargs.username;
  if (kwargs?.password !== undefined) out.password = kwargs.password;
  if (kwargs?.credentialProvider !== undefined) out.credentialProvider = kwargs.credentialProvider;
  if (kwargs?.tls === true) out.tls = {};
  else if (typeof kwargs?.tls === 'object') out.tls = kwargs.tls;
  if (kwargs?.socketTimeout) out.commandTimeout = Math.round(kwargs.socketTimeout * 1000);
  if (kwargs?.socketConnectTimeout)
    out.connectTimeout = Math.round(kwargs.socketConnectTimeout * 1000);
  return out;
}

/** How long a bounded wait may last when a timeout is not configured, in ms. */
export const FALLBACK_TIMEOUT_MS = 5000;
