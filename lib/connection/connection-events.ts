import { Logger } from '@nestjs/common';
import type { Valkey } from 'iovalkey';
import { reportConnectionEvents } from '../cache/cache-events.js';
import { failFastOnFatalConnectionErrors } from './connection-failures.js';

/**
 * Everything a pool attaches to a data-node client it creates: logs its lifecycle
 * ({@link logConnectionEvents}), reports it to the caches' `events`, and makes it fail fast on
 * errors a reconnect cannot fix (`failFastOnFatalConnectionErrors`). `describe` must already be
 * redacted.
 */
export function watchConnection(client: Valkey, alias: string, describe: string): void {
  logConnectionEvents(client, alias, describe);
  reportConnectionEvents(client, describe);
  failFastOnFatalConnectionErrors(client, describe);
}

/**
 * Logs a client's lifecycle (connected, reconnecting, error, closed) under the cache alias that
 * made it. Errors are logged once per distinct message until the client is ready again, so an
 * outage does not flood the log. `describe` must already be redacted.
 */
function logConnectionEvents(client: Valkey, alias: string, describe: string): void {
  const logger = new Logger(`ValkeyCache:${alias}`);
  let lastError: string | undefined;
  client.on('ready', () => {
    lastError = undefined;
    logger.log(`connected to ${describe}`);
  });
  client.on('reconnecting', (delayMs: number) =>
    logger.warn(`reconnecting to ${describe} in ${delayMs} ms`),
  );
  client.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    logger.error(`connection error on ${describe}: ${err.message}`);
  });
  client.on('end', () => logger.log(`connection to ${describe} closed`));
}

/** How long `closeClient` waits for `QUIT`, and then for the socket to close, in ms. */
export const QUIT_TIMEOUT_MS = 1000;

function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Closes a client and resolves once its socket is closed: `QUIT` (lets pending replies arrive)
 * bounded by {@link QUIT_TIMEOUT_MS}, then disconnect, then the `end` event (bounded the same).
 */
export async function closeClient(client: Valkey): Promise<void> {
  if (client.status === 'end') {
    // An ended client may still hold connector resources: a Sentinel client whose reconnect
    // failed keeps its failover detector's sentinel connections, which retry every 60 s.
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') await within(QUIT_TIMEOUT_MS, client.quit());
  client.disconnect();
  // disconnect() may end the client at once or after the socket closes
  if ((client.status as string) !== 'end') await within(QUIT_TIMEOUT_MS, ended);
}
