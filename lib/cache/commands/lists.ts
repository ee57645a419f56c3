import type { Valkey } from 'iovalkey';
import { CacheArgumentError, CacheConnectionError, CacheKeyNotFoundError } from '../../errors.js';
import { describe, listOf } from '../cache-core.js';
import { toCacheError } from '../to-cache-error.js';
import type { CacheValue, ListSide, VersionOption } from '../cache-options.js';

import { intArg } from './command-args.js';
import { SortedSetCommands } from './sorted-sets.js';

/**
 * What a blocking call leaves between its own timeout and the socket timeout, in ms: the
 * server's "nothing arrived" reply must reach the client before the client gives up, or an
 * element popped at the last moment would be lost with the timed-out command.
 */
export const BLOCKING_MARGIN_MS = 250;

/** The connection's command timeout in ms (iovalkey's `commandTimeout`; a cluster's `redisOptions`). */
function commandTimeoutOf(conn: Valkey): number | undefined {
  const options = (conn as unknown as { options?: Record<string, unknown> }).options;
  const own = options?.['commandTimeout'];
  if (typeof own === 'number') return own;
  const nested = (options?.['redisOptions'] as Record<string, unknown> | undefined)?.[
    'commandTimeout'
  ];
  return typeof nested === 'number' ? nested : undefined;
}

/**
 * Resolves once `conn` is ready (connecting it when it waits for a first command), so that a
 * blocking command's socket timeout starts when it is sent, not while the connection is made.
 */
function whenReady(conn: Valkey): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  if (conn.status === 'wait') return conn.connect();
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      conn.off('end', onEnd);
      resolve();
    };
    const onEnd = (): void => {
      conn.off('ready', onReady);
      reject(new Error('Connection is closed.'));
    };
    conn.once('ready', onReady);
    conn.once('end', onEnd);
  });
}

/**
 * Lists (django-valkey's list commands): the key prefixed and versioned, elements encoded like
 * values, as sorted-set members are. The blocking pops (`blpop`, `brpop`, `blmove`) take a
 * timeout in seconds that must end before the socket timeout, and run on a connection of their
 * own (see {@link blpop}).
 */
export class ListCommands extends SortedSetCommands {
  private side(where: unknown, what: string): ListSide {
    const s = typeof where === 'string' ? where.toUpperCase() : undefined;
    if (s !== 'LEFT' && s !== 'RIGHT') {
      throw new CacheArgumentError(
        `${what} must be 'LEFT' or 'RIGHT', got ${typeof where === 'string' ? `'${where}'` : describe(where)}`,
        this.alias,
      );
    }
    return s;
  }

  /** The keys, sides and connection of an `LMOVE`/`BLMOVE` (both keys on one server). */
  private moveArgs(
    source: string,
    destination: string,
    whereFrom: ListSide,
    whereTo: ListSide,
    opts: VersionOption | undefined,
  ): { s: string; d: string; from: ListSide; to: ListSide; conn: Valkey } {
    const s = this.makeKey(source, opts?.version);
    const d = this.makeKey(destination, opts?.version);
    const from = this.side(whereFrom, 'whereFrom');
    const to = this.side(whereTo, 'whereTo');
    return { s, d, from, to, conn: this.clientForAll([s, d], true) };
  }

  private decodeOne<T>(raw: Buffer | null, fullKey: string): T | null {
    return raw === null ? null : (this.decode(raw, fullKey, null) as T | null);
  }

  private async listPush(
    command: 'lpush' | 'rpush',
    key: string,
    values: readonly CacheValue[],
    opts: VersionOption | undefined,
  ): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const encoded = values.map((v) => this.encode(v));
    if (encoded.length === 0) {
      throw new CacheArgumentError(`${command}: at least one value is needed`, this.alias);
    }
    return this.run(() => this.client.clientFor(k, true)[command](k, ...encoded));
  }

  /** Inserts `values` at the head of the list at `key`, one after the other; returns its length. */
  lpush(key: string, values: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    return this.listPush('lpush', key, values, opts);
  }

  /** Appends `values` to the list at `key`; returns its length. */
  rpush(key: string, values: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    return this.listPush('rpush', key, values, opts);
  }

  private async listPop<T>(
    command: 'lpopBuffer' | 'rpopBuffer',
    key: string,
    count: number | undefined,
    opts: VersionOption | undefined,
  ): Promise<T | null | T[]> {
    const k = this.makeKey(key, opts?.version);
    if (count === undefined) {
      const raw = await this.run(() => this.client.clientFor(k, true)[command](k));
      return this.decodeOne<T>(raw, k);
    }
    const n = intArg(count, 'count', this.alias);
    const raws = await this.run(() => this.client.clientFor(k, true)[command](k, n));
    return raws === null ? [] : this.decodeEach<T>(raws, k);
  }

  /** Removes and returns the first element (`null` when the list is empty). */
  lpop<T = unknown>(key: string, count?: undefined, opts?: VersionOption): Promise<T | null>;
  /** Removes and returns up to `count` elements from the head. */
  lpop<T = unknown>(key: string, count: number, opts?: VersionOption): Promise<T[]>;
  lpop<T>(key: string, count?: number, opts?: VersionOption): Promise<T | null | T[]> {
    return this.listPop<T>('lpopBuffer', key, count, opts);
  }

  /** Removes and returns the last element (`null` when the list is empty). */
  rpop<T = unknown>(key: string, count?: undefined, opts?: VersionOption): Promise<T | null>;
  /** Removes and returns up to `count` elements from the tail, last first. */
  rpop<T = unknown>(key: string, count: number, opts?: VersionOption): Promise<T[]>;
  rpop<T>(key: string, count?: number, opts?: VersionOption): Promise<T | null | T[]> {
    return this.listPop<T>('rpopBuffer', key, count, opts);
  }

  /** Elements from index `start` to `end` (inclusive; negative counts from the end). */
  async lrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts?: VersionOption,
  ): Promise<T[]> {
    const k = this.makeKey(key, opts?.version);
    const [a, b] = [intArg(start, 'start', this.alias), intArg(end, 'end', this.alias)];
    const raws = await this.run(() => this.client.clientFor(k, false).lrangeBuffer(k, a, b));
    return this.decodeEach<T>(raws, k);
  }

  /** Length of the list at `key` (0 when missing). */
  async llen(key: string, opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    return this.run(() => this.client.clientFor(k, false).llen(k));
  }

  /** The element at `index` (negative counts from the end), or `null`. */
  async lindex<T = unknown>(key: string, index: number, opts?: VersionOption): Promise<T | null> {
    const k = this.makeKey(key, opts?.version);
    const i = intArg(index, 'index', this.alias);
    const raw = await this.run(() => this.client.clientFor(k, false).lindexBuffer(k, i));
    return this.decodeOne<T>(raw, k);
  }

  /**
   * Removes elements equal to `value`: the first `count` from the head (`count > 0`), from the
   * tail (`count < 0`), or all (`0`); returns how many.
   */
  async lrem(key: string, count: number, value: CacheValue, opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const n = intArg(count, 'count', this.alias);
    const v = this.encode(value);
    return this.run(() => this.client.clientFor(k, true).lrem(k, n, v));
  }

  /** Keeps only the elements from `start` to `end` (inclusive); always `true`. */
  async ltrim(key: string, start: number, end: number, opts?: VersionOption): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const [a, b] = [intArg(start, 'start', this.alias), intArg(end, 'end', this.alias)];
    await this.run(() => this.client.clientFor(k, true).ltrim(k, a, b));
    return true;
  }

  /**
   * Sets the element at `index` to `value`; `true`. Throws {@link CacheKeyNotFoundError} when
   * the list does not exist and a `CacheError` when `index` is out of range.
   */
  async lset(
    key: string,
    index: number,
    value: CacheValue,
    opts?: VersionOption,
  ): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const i = intArg(index, 'index', this.alias);
    const v = this.encode(value);
    try {
      await this.client.clientFor(k, true).lset(k, i, v);
    } catch (err) {
      if (err instanceof Error && err.name === 'ReplyError' && /no such key/i.test(err.message)) {
        throw new CacheKeyNotFoundError(key, this.alias);
      }
      this.metrics.errors++;
      throw toCacheError(err, this.alias);
    }
    return true;
  }

  /**
   * Inserts `value` before or after the first element equal to `pivot`; returns the new length,
   * `-1` when `pivot` is not found, `0` when the list does not exist.
   */
  async linsert(
    key: string,
    where: 'BEFORE' | 'AFTER',
    pivot: CacheValue,
    value: CacheValue,
    opts?: VersionOption,
  ): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const w = typeof where === 'string' ? where.toUpperCase() : where;
    if (w !== 'BEFORE' && w !== 'AFTER') {
      throw new CacheArgumentError(
        `linsert: where must be 'BEFORE' or 'AFTER', got ${describe(where)}`,
        this.alias,
      );
    }
    const [p, v] = [this.encode(pivot), this.encode(value)];
    return this.run(() =>
      w === 'BEFORE'
        ? this.client.clientFor(k, true).linsert(k, 'BEFORE', p, v)
        : this.client.clientFor(k, true).linsert(k, 'AFTER', p, v),
    );
  }

  /**
   * Pops an element from one end (`whereFrom`) of `source` and pushes it to one end (`whereTo`)
   * of `destination` (atomic `LMOVE`); returns it, or `null` when `source` is empty. Both keys
   * must live on one server (a common `{tag}` on a shard client or a cluster).
   */
  async lmove<T = unknown>(
    source: string,
    destination: string,
    whereFrom: ListSide = 'LEFT',
    whereTo: ListSide = 'RIGHT',
    opts?: VersionOption,
  ): Promise<T | null> {
    const { s, d, from, to, conn } = this.moveArgs(source, destination, whereFrom, whereTo, opts);
    const raw = await this.run(
      () => conn.callBuffer('LMOVE', s, d, from, to) as Promise<Buffer | null>,
    );
    return this.decodeOne<T>(raw, s);
  }

  /**
   * Pops the first element of the first non-empty list of `keys`, waiting up to `timeout`
   * seconds for one; returns `[key, element]` (the user's key) or `null` after the timeout.
   *
   * `timeout` is in seconds, above 0 (Valkey's `0`, wait forever, is refused), and must end
   * 250 ms before the socket timeout (`options.socketTimeout`, or the location's): a longer one
   * is refused with a `CacheArgumentError` naming the alias and the option, before anything is
   * sent, since the client would give up first and an element popped meanwhile would be lost.
   * The command runs on a connection of its own, opened for it and closed after the reply, so
   * it never holds up the cache's other commands.
   */
  blpop<T = unknown>(
    keys: string | Iterable<string>,
    timeout: number,
    opts?: VersionOption,
  ): Promise<[string, T] | null> {
    return this.blockingPop<T>('BLPOP', keys, timeout, opts);
  }

  /** {@link blpop} from the tail of the lists. */
  brpop<T = unknown>(
    keys: string | Iterable<string>,
    timeout: number,
    opts?: VersionOption,
  ): Promise<[string, T] | null> {
    return this.blockingPop<T>('BRPOP', keys, timeout, opts);
  }

  private async blockingPop<T>(
    command: 'BLPOP' | 'BRPOP',
    keys: string | Iterable<string>,
    timeout: number,
    opts: VersionOption | undefined,
  ): Promise<[string, T] | null> {
    const full = (typeof keys === 'string' ? [keys] : listOf(keys, this.alias)).map((key) =>
      this.makeKey(key, opts?.version),
    );
    if (full.length === 0) throw new CacheArgumentError('at least one key is needed', this.alias);
    const conn = this.clientForAll(full, true);
    const reply = (await this.blockingCall(command.toLowerCase(), conn, timeout, (c, t) =>
      c.callBuffer(command, ...full, t),
    )) as [Buffer, Buffer] | null;
    if (reply === null) return null;
    const fullKey = reply[0].toString();
    const value = this.decode(reply[1], fullKey, null);
    return [this.client.reverseKey(fullKey), value as T];
  }

  /** {@link lmove} that waits up to `timeout` seconds for an element; the timeout rule of {@link blpop}. */
  async blmove<T = unknown>(
    source: string,
    destination: string,
    timeout: number,
    whereFrom: ListSide = 'LEFT',
    whereTo: ListSide = 'RIGHT',
    opts?: VersionOption,
  ): Promise<T | null> {
    const { s, d, from, to, conn } = this.moveArgs(source, destination, whereFrom, whereTo, opts);
    const raw = (await this.blockingCall('blmove', conn, timeout, (c, t) =>
      c.callBuffer('BLMOVE', s, d, from, to, t),
    )) as Buffer | null;
    return this.decodeOne<T>(raw, s);
  }

  /**
   * Runs a blocking command. `timeout` is in seconds, more than 0 (Valkey's `0`, wait forever,
   * is refused) and at most the socket timeout of the connection (`options.socketTimeout`, or
   * the location's `socket_timeout`) minus {@link BLOCKING_MARGIN_MS}: otherwise a
   * {@link CacheArgumentError} naming the alias and the option, before anything is sent. The
   * command runs on a connection of its own (a duplicate of the one the keys route to, connected
   * before the command is sent and closed afterwards), so it never holds up the cache's other
   * commands on the shared connection.
   */
  private async blockingCall<R>(
    command: string,
    base: Valkey,
    timeout: number,
    fn: (conn: Valkey, timeoutArg: string) => Promise<R>,
  ): Promise<R> {
    const socketMs = commandTimeoutOf(base) ?? Math.round(this.config.socketTimeout * 1000);
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new CacheArgumentError(
        `${command} timeout must be a number of seconds above 0 (waiting forever is not supported: ` +
          `it would outlast options.socketTimeout), got ${typeof timeout === 'number' ? String(timeout) : describe(timeout)}`,
        this.alias,
      );
    }
    const maxS = (socketMs - BLOCKING_MARGIN_MS) / 1000;
    if (timeout * 1000 > socketMs - BLOCKING_MARGIN_MS) {
      throw new CacheArgumentError(
        `${command} timeout ${timeout} s would outlast options.socketTimeout (${socketMs / 1000} s): ` +
          `use at most ${maxS > 0 ? maxS : 0} s, or raise options.socketTimeout`,
        this.alias,
      );
    }
    const conn = base.duplicate();
    conn.on('error', () => {}); // failures reach the caller through the command
    // Connect first, then send: the socket timeout then counts from the command alone. The
    // whole call, connecting included, is bounded too (a cluster retries while it connects).
    const boundMs = socketMs + Math.round(this.config.socketConnectTimeout * 1000);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CacheConnectionError(`${command} got no reply within ${boundMs} ms`, this.alias),
          ),
        boundMs,
      );
    });
    try {
      const reply = whenReady(conn).then(() => fn(conn, String(timeout)));
      return await this.run(() => Promise.race([reply, bound]));
    } finally {
      clearTimeout(timer);
      conn.disconnect();
    }
  }
}
