import { Logger } from '@nestjs/common';
import type { Valkey } from 'iovalkey';
import { failFastOnFatalConnectionErrors } from './connection-failures.js';

/** One lifecycle change of a pool's connection. `connection` is redacted. */
export interface ConnectionReport {
  readonly client: Valkey;
  readonly connection: string;
  readonly kind: 'connect' | 'disconnect' | 'reconnecting' | 'end' | 'connection-error';
  /** The error's message (`connection-error`). */
  readonly message?: string;
  /** Wait before the next attempt, in ms (`reconnecting`). */
  readonly delayMs?: number;
}

/**
 * Where the pools of one connection factory report the lifecycle of their connections, for the
 * layers above to subscribe to (`cache.events` does). Owned by the factory, so it lives as long
 * as the factory and no longer. A report nobody subscribes to is dropped at once.
 */
export class ConnectionReports {
  private readonly listeners = new Set<(report: ConnectionReport) => void>();

  /** How many subscribers there are now. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Calls `listener` with every report until the returned function is called. */
  subscribe(listener: (report: ConnectionReport) => void): () => void {
    const own = (report: ConnectionReport): void => listener(report);
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  /** Reports the lifecycle of `client` from now on. Costs nothing per command. */
  watch(client: Valkey, connection: string): void {
    const send = (
      kind: ConnectionReport['kind'],
      extra?: Pick<ConnectionReport, 'message' | 'delayMs'>,
    ): void => {
      if (this.listeners.size === 0) return;
      const report: ConnectionReport = { client, connection, kind, ...extra };
      for (const listener of [...this.listeners]) listener(report);
    };
    client.on('ready', () => send('connect'));
    client.on('close', () => send('disconnect'));
    client.on('reconnecting', (delayMs: number) => send('reconnecting', { delayMs }));
    client.on('end', () => send('end'));
    client.on('error', (err: Error) => send('connection-error', { message: err.message }));
  }
}

/**
 * Everything a pool attaches to a data-node client it creates: logs its lifecycle
 * ({@link logConnectionEvents}), reports it to `reports` (its factory's, when it has one), and
 * makes it fail fast on errors a reconnect cannot fix (`failFastOnFatalConnectionErrors`).
 * `describe` must already be redacted.
 */
export function watchConnection(
  client: Valkey,
  alias: string,
  describe: string,
  reports: ConnectionReports | undefined,
): void {
  logConnectionEvents(client, alias, describe);
  reports?.watch(client, describe);
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
