import { Valkey } from 'iovalkey';
import { redactLocation } from './location.js';
import { closeClient, logConnectionEvents } from './connection-events.js';
import { failFastOnFatalConnectionErrors } from './connection-failures.js';
import type { ValkeyPool, ConnectionPoolParams } from './connection-pool.interface.js';

/**
 * The plain pool (valkey-py's `ConnectionPool`): one multiplexed iovalkey client to one server.
 * It connects on the first command, so constructing it opens no socket.
 */
export class ConnectionPool implements ValkeyPool {
  /** Plain pools do not resolve servers through Sentinel. */
  static readonly sentinelAware: boolean = false;

  readonly role: 'primary' | 'replica';
  private readonly client: Valkey;
  private readonly description: string;

  constructor(params: ConnectionPoolParams) {
    this.role = params.isPrimary ? 'primary' : 'replica';
    const { location } = params;
    this.description = redactLocation(
      location.path
        ? `unix://${location.path}?db=${location.db}`
        : `${location.host}:${location.port ?? 6379}/${location.db}`,
    );
    this.client = new Valkey({ ...params.connection, lazyConnect: true });
    logConnectionEvents(this.client, params.alias, this.description);
    failFastOnFatalConnectionErrors(this.client, this.description);
  }

  acquire(): Valkey {
    return this.client;
  }

  clients(): readonly Valkey[] {
    return [this.client];
  }

  describe(): string {
    return this.description;
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}
