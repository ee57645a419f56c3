import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AbstractConnector, SentinelConnector, Valkey, type RedisOptions } from 'iovalkey';
import type {
  ConnectionPoolKwargs,
  CredentialProvider,
  Credentials,
} from '../config/cache-config.js';
import { errorMessage } from '../util/async-helpers.js';

type ConnectorClass = NonNullable<RedisOptions['Connector']>;
type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>;
type ErrorEmitter = Parameters<AbstractConnector['connect']>[0];

/** The credential providers a connection is opened with; the connection layer's only addition. */
export interface CredentialOptions {
  /** Asked for the server's user name and password before every new connection. */
  credentialProvider?: CredentialProvider;
  /** Sentinel mode: asked for the sentinels' credentials before every primary look-up. */
  sentinelCredentialProvider?: CredentialProvider;
}

/** iovalkey options of a data-node connection as the connection layer passes them around. */
export type ConnectionOptions = ConnectionPoolKwargs & CredentialOptions;

/**
 * A credential provider failed (threw, rejected or gave no password). The connection attempt
 * fails with it; the message names the option, never a secret.
 */
export class CredentialProviderError extends Error {
  override readonly name = 'CredentialProviderError';
}

/**
 * Creates an iovalkey client that asks its credential providers before every connection
 * attempt, the first and each reconnect: the data node's credentials become the `AUTH` of that
 * attempt, the sentinels' ones the credentials of its primary look-up. Without a provider this
 * is `new Valkey(options)`. A failing provider fails the attempt like an unreachable server (the
 * client retries by its `retryStrategy`) with a {@link CredentialProviderError}.
 */
export function createValkey(options: RedisOptions & CredentialOptions): Valkey {
  const { credentialProvider, sentinelCredentialProvider, ...rest } = options;
  if (credentialProvider === undefined && sentinelCredentialProvider === undefined) {
    return new Valkey(rest);
  }
  // the client being connected; its `condition.auth` is the AUTH of the attempt in progress
  const target: { client?: Valkey } = {};
  const base: ConnectorClass =
    rest.Connector ??
    (rest.sentinels !== undefined
      ? (SentinelConnector as unknown as ConnectorClass)
      : DirectConnector);
  const client = new Valkey({
    ...rest,
    Connector: credentialConnector(base, async (connector) => {
      if (sentinelCredentialProvider !== undefined) {
        const c = await ask(
          sentinelCredentialProvider,
          'options.sentinelKwargs.credentialProvider',
        );
        const opts = connector as unknown as { options: RedisOptions };
        if (c.username === undefined) delete opts.options.sentinelUsername;
        else opts.options.sentinelUsername = c.username;
        opts.options.sentinelPassword = c.password;
      }
      if (credentialProvider !== undefined) {
        // asked before reading `target`: a client that is not lazy connects from its constructor
        const c = await ask(credentialProvider, 'options.credentialProvider');
        const condition = target.client?.condition;
        if (condition)
          condition.auth = c.username !== undefined ? [c.username, c.password] : c.password;
      }
    }),
  });
  target.client = client;
  return client;
}

/** The provider's answer, checked; a failure becomes a {@link CredentialProviderError}. */
async function ask(provider: CredentialProvider, optionPath: string): Promise<Credentials> {
  let answer: unknown;
  try {
    answer = await provider.getCredentials();
  } catch (err) {
    throw new CredentialProviderError(`${optionPath} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const c = answer as Partial<Credentials> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.password !== 'string' ||
    (c.username !== undefined && typeof c.username !== 'string')
  ) {
    throw new CredentialProviderError(
      `${optionPath}.getCredentials() must return { username?: string, password: string }`,
    );
  }
  return c.username === undefined
    ? { password: c.password }
    : { username: c.username, password: c.password };
}

/**
 * `base` with `prepare()` awaited before each connect. When it fails, the connect hands iovalkey
 * a closed socket carrying the error: iovalkey emits it and schedules a reconnect, as for a
 * server that refused the connection.
 */
function credentialConnector(
  base: ConnectorClass,
  prepare: (connector: AbstractConnector) => Promise<void>,
): ConnectorClass {
  const connectBase = (base.prototype as AbstractConnector).connect;
  return class CredentialConnector extends base {
    override async connect(emit: ErrorEmitter): Promise<NetStream> {
      try {
        await prepare(this);
      } catch (err) {
        if (!(err instanceof CredentialProviderError)) throw err;
        this.firstError = err;
        const closed = new Socket();
        closed.destroy();
        return closed;
      }
      return connectBase.call(this, emit);
    }
  };
}

/** iovalkey's standalone connection (TCP, unix socket or TLS), for clients given a connector. */
class DirectConnector extends AbstractConnector {
  private readonly options: RedisOptions;

  constructor(options: unknown) {
    const o = (options ?? {}) as RedisOptions;
    super(o.disconnectTimeout ?? 2000);
    this.options = o;
  }

  connect(): Promise<NetStream> {
    this.connecting = true;
    const { host, port, path, tls, family } = this.options;
    const target = path ? { path } : { host: host ?? 'localhost', port: port ?? 6379, family };
    const stream = tls ? tlsConnect({ ...tls, ...target }) : netConnect(target);
    stream.once('error', (err: Error) => {
      this.firstError = err;
    });
    this.stream = stream;
    return Promise.resolve(stream);
  }
}
