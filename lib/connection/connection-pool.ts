import { redactLocation } from '../config/location.js';
import { closeClient, watchConnection } from './connection-events.js';
import type { ConnectionPoolParams } from './connection-pool-types.js';
import { createValkey } from './credential-connector.js';
import { SingleClientPool } from './single-client-pool.js';

/**
 * The plain pool (valkey-py's `ConnectionPool`): one multiplexed iovalkey client to one server.
 * It connects on the first command, so constructing it opens no socket.
 */
export class ConnectionPool extends SingleClientPool {
  /** Plain pools do not resolve servers through Sentinel. */
  static readonly sentinelAware: boolean = false;

  constructor(params: ConnectionPoolParams) {
    const { location } = params;
    const description = redactLocation(
      location.path
        ? `unix://${location.path}?db=${location.db}`
        : `${location.host}:${location.port ?? 6379}/${location.db}`,
    );
    super(
      params.isPrimary ? 'primary' : 'replica',
      createValkey({ ...params.connection, lazyConnect: true }),
      description,
    );
    watchConnection(this.client, params.alias, description, params.connectionReports);
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}
