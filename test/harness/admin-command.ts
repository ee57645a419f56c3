import { Valkey, type RedisOptions } from 'iovalkey';

/** host/port of a server or sentinel. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** Default bound for one admin command including connect, in ms. */
export const ADMIN_TIMEOUT_MS = 1000;

/** Options of {@link adminCommand}. */
export interface AdminCommandOptions {
  /** Bound for connect + command, in ms (default {@link ADMIN_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Extra iovalkey options (password, username, tls, ...). */
  clientOptions?: RedisOptions;
}

/**
 * Sends one command on a fresh, non-retrying iovalkey connection and closes it. Never waits
 * longer than `timeoutMs` (a SIGSTOPped server accepts TCP connections but never answers).
 *
 * @returns the raw reply
 */
export async function adminCommand(
  address: NodeAddress,
  args: readonly (string | number)[],
  options: AdminCommandOptions = {},
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? ADMIN_TIMEOUT_MS;
  const [command, ...rest] = args;
  if (command === undefined) throw new Error('adminCommand: empty command');
  const client = new Valkey({
    ...options.clientOptions,
    host: address.host,
    port: address.port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResendUnfulfilledCommands: false,
  });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${address.host}:${address.port} ${String(command)}: no reply in ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    const run = (async () => {
      await client.connect();
      return client.call(String(command), ...rest.map(String));
    })();
    run.catch(() => undefined);
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** Parses an `INFO` reply into a key/value map (section headers and blank lines dropped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Parses a flat `[key, value, key, value, ...]` reply (e.g. `SENTINEL MASTER`) into a map. */
export function parseFlatMap(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    fields.set(String(reply[i]), String(reply[i + 1]));
  }
  return fields;
}

/** `host:port` for messages and map keys. */
export function formatAddress(address: NodeAddress): string {
  return `${address.host}:${address.port}`;
}

/** True when both addresses name the same endpoint. */
export function sameAddress(a: NodeAddress, b: NodeAddress): boolean {
  return a.host === b.host && a.port === b.port;
}
