import { Command, Valkey, type RedisOptions } from 'iovalkey';
import type { InMemoryServer, InMemorySession } from './in-memory-server.js';

/** How an {@link InMemoryValkey} connection is made. */
export interface InMemoryValkeyOptions {
  /** Database number (default 0). */
  db?: number;
  /** A replica connection: write commands fail with `READONLY`, as on a replica. */
  readOnly?: boolean;
  /** The connection name (`CLIENT SETNAME`), as iovalkey's `connectionName` option. */
  connectionName?: string;
}

/**
 * A real iovalkey `Valkey` client whose commands are answered by an in-memory
 * {@link InMemoryServer} instead of a socket. Every iovalkey API works as usual (named commands
 * and their `…Buffer` forms, `call`, `pipeline()`, `multi()`, `scanStream()`, `defineCommand`),
 * with iovalkey's own reply conversions, because only `sendCommand` is replaced: it never
 * connects, so no socket is opened. Replies arrive as settled promises, with no timer, so the
 * client also works under a test runner's fake timers.
 *
 * Status follows iovalkey: `wait` until the first command (or `connect()`), then `ready`, and
 * `end` after `quit()`/`disconnect()` (later commands fail with "Connection is closed.").
 */
export class InMemoryValkey extends Valkey {
  private session: InMemorySession | undefined;
  /** Stands for the socket of this connection where iovalkey keys state by socket. */
  private socketToken: object = {};

  constructor(
    /** The server this connection talks to. */
    readonly server: InMemoryServer,
    private readonly memoryOptions: InMemoryValkeyOptions = {},
  ) {
    super({
      lazyConnect: true,
      db: memoryOptions.db ?? 0,
      ...(memoryOptions.connectionName !== undefined && {
        connectionName: memoryOptions.connectionName,
      }),
    } satisfies RedisOptions);
  }

  /** Marks the connection ready; no socket is involved. */
  override connect(callback?: (err?: Error | null) => void): Promise<void> {
    const result =
      this.status === 'ready'
        ? Promise.reject(new Error('Redis is already connecting/connected'))
        : Promise.resolve(this.open());
    if (callback) result.then(() => callback(null), callback);
    return result;
  }

  private open(): void {
    if (this.session) return;
    this.session = this.server.openSession({
      db: this.memoryOptions.db ?? 0,
      readOnly: this.memoryOptions.readOnly ?? false,
      ...(this.memoryOptions.connectionName !== undefined && {
        name: this.memoryOptions.connectionName,
      }),
    });
    this.status = 'ready';
    void Promise.resolve().then(() => {
      this.emit('connect');
      this.emit('ready');
    });
  }

  /** Closes the connection at once (status `end`, then the `close` and `end` events). */
  override disconnect(_reconnect = false): void {
    if (this.status === 'end') return;
    if (this.session) this.server.closeSession(this.session);
    this.session = undefined;
    this.socketToken = {};
    this.status = 'end';
    void Promise.resolve().then(() => {
      this.emit('close');
      this.emit('end');
    });
  }

  /** A new in-memory connection to the same server and database. */
  override duplicate(override?: Partial<RedisOptions>): Valkey {
    return new InMemoryValkey(this.server, {
      ...this.memoryOptions,
      ...(override?.db !== undefined && { db: override.db }),
      ...(override?.connectionName !== undefined && { connectionName: override.connectionName }),
    });
  }

  /** Answers `command` from the in-memory server; never writes to a socket. */
  override sendCommand(command: Command, _stream?: unknown): unknown {
    if (this.status === 'end') {
      command.reject(new Error('Connection is closed.'));
      return command.promise;
    }
    this.open();
    // Command subclasses that rewrite themselves when written (iovalkey's Script commands send
    // EVAL instead of EVALSHA on a socket that has not loaded the script yet) get that call.
    if (command.toWritable !== Command.prototype.toWritable)
      command.toWritable(this.socketToken as never);
    const name = command.name.toLowerCase();
    try {
      const args = command.args.map((a) =>
        Buffer.isBuffer(a) ? a : Buffer.from(typeof a === 'string' ? a : String(a)),
      );
      command.resolve(this.server.execute(this.session!, name, args));
    } catch (err) {
      if (err instanceof Error && err.name === 'ReplyError') {
        (err as Error & { command?: unknown }).command = { name, args: command.args };
      }
      command.reject(err as Error);
    }
    if (name === 'quit') this.disconnect();
    return command.promise;
  }
}
