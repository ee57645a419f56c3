import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import { AbstractConnector, SentinelConnector, Valkey, type RedisOptions } from 'iovalkey';
import { createValkey, type ConnectionOptions } from '../credential-connector.js';
import { noop } from '../../util/async-helpers.js';
import type { NodeAddress } from '../node-address.js';
import { explainResolution, SentinelError } from './sentinel-error.js';
import { showServer } from './sentinel-pool-servers.js';

type ConnectorOptions = ConstructorParameters<typeof SentinelConnector>[0];
type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>;
type ErrorEmitter = Parameters<AbstractConnector['connect']>[0];
/** iovalkey's (private) `SentinelConnector.connectToSentinel(endpoint, options)`. */
type ConnectToSentinel = (endpoint: unknown, options?: RedisOptions) => unknown;

/** Socket options of the connections a Sentinel connector opens to the sentinels, in ms. */
export interface SentinelSocketOptions {
  /** Bound on opening a connection to a sentinel (TCP, and TLS when used), in ms. */
  connectTimeout?: number | undefined;
  /** How long closing waits for the sentinel to close its side, in ms. */
  disconnectTimeout?: number | undefined;
}

/**
 * iovalkey's Sentinel connector with an error that says what went wrong. iovalkey reports "All
 * sentinels are unreachable" both when none answers and when none knows the service name, and
 * its per-sentinel errors (`sentinelError`) hide the cause ("Connection is closed."). On that
 * error this connector asks `diagnose()` (the pool's monitor queries the sentinels itself and
 * keeps each one's real error) and throws a {@link SentinelError} with its answer.
 */
export function explainingSentinelConnector(
  diagnose: () => Promise<string | undefined>,
  sentinelOptions: SentinelSocketOptions = {},
): NonNullable<RedisOptions['Connector']> {
  return class ExplainingSentinelConnector extends SentinelConnector {
    private readonly service: string;

    constructor(options: unknown) {
      // iovalkey constructs connectors with the client's full options
      super(options as ConnectorOptions);
      this.service = (options as ConnectorOptions).name ?? '';
      // iovalkey opens every sentinel connection (the primary look-up and the failover
      // detector's subscribers) with the client's own connectTimeout and the default 2000 ms
      // disconnect timer: give them the sentinel's (`sentinelKwargs.socketConnectTimeout`).
      const own = Object.fromEntries(
        Object.entries(sentinelOptions).filter(([, v]) => v !== undefined),
      );
      const self = this as unknown as { connectToSentinel: ConnectToSentinel };
      const connectToSentinel = self.connectToSentinel.bind(this);
      self.connectToSentinel = (endpoint, extra) =>
        connectToSentinel(endpoint, { ...own, ...extra });
    }

    override connect(eventEmitter: ErrorEmitter): Promise<NetStream> {
      const unknown: string[] = [];
      const unreachable: string[] = [];
      const watch: ErrorEmitter = (type, err) => {
        if (type === 'sentinelError') {
          const failed = /^failed to connect to sentinel (\S+) because (.*)$/.exec(err.message);
          const invalid =
            /^connected to sentinel (\S+) successfully, but got an invalid reply/.exec(err.message);
          if (failed && /No such master/i.test(failed[2]!)) unknown.push(failed[1]!);
          else if (failed) unreachable.push(`${failed[1]} (${failed[2]})`);
          else if (invalid) unknown.push(invalid[1]!);
        }
        eventEmitter(type, err);
      };
      // iovalkey resumes the sentinel list where the previous connect stopped, so that a few
      // reconnects to a dead primary exhaust it ("All sentinels are unreachable") although every
      // sentinel answered: start every connect from the top, the last sentinel that answered first.
      const iterator = this.sentinelIterator as unknown as {
        cursor?: unknown;
        reset(moveCurrentToFirst: boolean): void;
      };
      iterator.reset(typeof iterator.cursor === 'number' && iterator.cursor > 0);
      return super.connect(watch).catch(async (err: unknown) => {
        if (err instanceof Error && err.message.startsWith('All sentinels are unreachable')) {
          const diagnosis = await diagnose().catch(() => undefined);
          throw new SentinelError(
            diagnosis ?? explainResolution(this.service, unknown, unreachable),
          );
        }
        throw err;
      });
    }
  };
}

/**
 * A connector that waits for `resolve()` (the first discovery of a replica pool), then connects to
 * the address it names. The client queues commands meanwhile, so `acquire()` does not block.
 */
export function deferredConnector(
  resolve: () => Promise<NodeAddress>,
  tls: TlsOptions | undefined,
): NonNullable<RedisOptions['Connector']> {
  return class DeferredConnector extends AbstractConnector {
    constructor(options: unknown) {
      const timeout = (options as { disconnectTimeout?: unknown } | null)?.disconnectTimeout;
      super(typeof timeout === 'number' ? timeout : 2000);
    }

    async connect(): Promise<NetStream> {
      this.connecting = true;
      const address = await resolve();
      if (!this.connecting) throw new Error('Connection is closed.');
      const stream = tls
        ? tlsConnect({ ...tls, host: address.host, port: address.port })
        : netConnect({ host: address.host, port: address.port });
      stream.once('error', (err: Error) => {
        this.firstError = err;
      });
      this.stream = stream;
      return stream;
    }
  };
}

/**
 * A client (no retries, errors swallowed) whose connection waits for `resolve()` and goes to the
 * server it names; its `options` show that server once known, nothing before.
 */
export function deferredClient(
  connection: ConnectionOptions,
  resolve: () => Promise<{ address: NodeAddress; role: 'master' | 'slave' }>,
): Valkey {
  const client = createValkey({
    ...connection,
    lazyConnect: true,
    Connector: deferredConnector(async () => {
      const { address, role } = await resolve();
      showServer(client, address, role);
      return address;
    }, connection.tls),
    retryStrategy: () => null,
  });
  showServer(client, null, null);
  client.on('error', noop);
  return client;
}
