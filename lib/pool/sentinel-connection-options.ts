import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SentinelKwargs } from '../cache.interfaces.js';

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
export const FALLBACK_TIMEOUT_MS = 5000;
