import type { RedisOptions, Valkey } from 'iovalkey';
import { createValkey, type ConnectionOptions } from '../credential-connector.js';
import { watchConnection, type ConnectionReports } from '../connection-events.js';
import { sameAddress, type NodeAddress } from '../node-address.js';
import type { ReadonlyRetryPolicy } from '../readonly-retry-policy.js';
import type { sentinelConnectionOptions } from './sentinel-connection-options.js';
import { explainingSentinelConnector } from './sentinel-connectors.js';
import { SentinelError } from './sentinel-error.js';
import type { SentinelMonitor } from './sentinel-monitor.js';
import { showConnectedServer } from './sentinel-pool-servers.js';

/** Everything the primary connection of a Sentinel pool is built from. */
export interface PrimaryClientParams {
  readonly alias: string;
  readonly service: string;
  readonly sentinels: readonly NodeAddress[];
  /** iovalkey options of the data-node connection. */
  readonly connection: ConnectionOptions;
  readonly sentinelOptions: ReturnType<typeof sentinelConnectionOptions>;
  /** Bound on the sentinel commands when `sentinelKwargs` sets none, in ms. */
  readonly commandTimeoutMs: number;
  readonly readonlyPolicy: ReadonlyRetryPolicy;
  readonly connectionReports: ConnectionReports | undefined;
  /** The pool's monitor (acquired on first use, so asked lazily). */
  monitor(): SentinelMonitor;
  /** Where to connect for an address a sentinel named (the user's `natMap`). */
  translate(address: NodeAddress): NodeAddress;
}

/**
 * An iovalkey client in Sentinel mode (`role: 'master'`) for the primary of `service`: it asks
 * the sentinels where the primary is, reconnects on `+switch-master` (iovalkey's
 * `failoverDetector`), goes to the primary a sentinel event named while some sentinels still
 * name the old one, treats `READONLY` as "the primary moved", and makes one pass over the
 * sentinels before failing queued commands with a {@link SentinelError} that says why.
 */
export function createSentinelPrimaryClient(p: PrimaryClientParams): Valkey {
  const sentinel = p.sentinelOptions;
  const options: RedisOptions = {
    ...p.connection,
    retryStrategy: p.connection.retryStrategy ?? ((times: number) => Math.min(times * 50, 500)),
    sentinels: p.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: p.service,
    role: 'master',
    failoverDetector: true,
    // one pass over the sentinels, then fail the queued commands with a clear error
    sentinelRetryStrategy: () => null,
    reconnectOnError: (err: Error) => p.readonlyPolicy.decide(err),
    lazyConnect: true,
    Connector: explainingSentinelConnector(
      () =>
        p
          .monitor()
          .refresh()
          .then(
            () => undefined,
            (err: unknown) => (err instanceof SentinelError ? err.message : undefined),
          ),
      { connectTimeout: sentinel.connectTimeout, disconnectTimeout: sentinel.disconnectTimeout },
    ),
    enableTLSForSentinelMode: p.connection.tls !== undefined,
    // iovalkey passes every address a sentinel names through natMap: send it to the new
    // primary while some sentinels still name the old one, then apply the user's natMap
    natMap: (key: string) => {
      const i = key.lastIndexOf(':');
      const named = { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
      const target = p.translate(p.monitor().redirect(named) ?? named);
      return sameAddress(target, named) ? null : target;
    },
  };
  if (sentinel.username !== undefined) options.sentinelUsername = sentinel.username;
  if (sentinel.password !== undefined) options.sentinelPassword = sentinel.password;
  if (sentinel.tls !== undefined) options.sentinelTLS = sentinel.tls;
  options.sentinelCommandTimeout = sentinel.commandTimeout ?? p.commandTimeoutMs;
  const client = createValkey({
    ...options,
    ...(sentinel.credentialProvider !== undefined && {
      sentinelCredentialProvider: sentinel.credentialProvider,
    }),
  });
  p.readonlyPolicy.attach(client);
  showConnectedServer(client);
  const describe = `the primary of Sentinel service '${p.service}'`;
  watchConnection(client, p.alias, describe, p.connectionReports);
  return client;
}
