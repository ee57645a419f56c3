import { createHash } from 'node:crypto';
import type { InMemoryClock } from './clock.js';
import { COMMANDS } from './commands/index.js';
import { bin, NOT_SUPPORTED, ok, replyError, status, text } from './commands/protocol.js';
import type {
  CommandServer,
  CommandSpec,
  Context,
  Db,
  InMemoryReply,
  InMemorySession,
} from './commands/types.js';
// Registers the emulations of the module's own scripts, which every server runs.
import './in-memory-scripts.js';

export type { InMemoryReply, InMemorySession } from './commands/types.js';

/**
 * One in-memory "server": numbered databases of keys, the connections made to it, its script
 * cache and command statistics. Everything a {@link InMemoryConnectionFactory} stores for one
 * location lives in one of these, shared by every cache and connection pointing at it.
 */
export class InMemoryServer implements CommandServer {
  private readonly dbs = new Map<number, Db>();
  private readonly sessions = new Set<InMemorySession>();
  private readonly scripts = new Map<string, string>();
  private readonly stats = new Map<string, number>();
  private seq = 0;
  private nextId = 1;

  constructor(
    /** The location identity this server stands for (`host:port` or `unix:/path`). */
    readonly name: string,
    /** The time source of expiry. */
    readonly clock: InMemoryClock,
  ) {}

  /** @internal the next creation sequence number. */
  nextSeq(): number {
    return ++this.seq;
  }

  private db(n: number): Db {
    let db = this.dbs.get(n);
    if (!db) {
      db = new Map();
      this.dbs.set(n, db);
    }
    return db;
  }

  /** Opens a connection (a `CLIENT LIST` line) to database `db`. */
  openSession(opts: { db: number; readOnly: boolean; name?: string }): InMemorySession {
    const session: InMemorySession = {
      id: this.nextId++,
      name: opts.name,
      db: opts.db,
      readOnly: opts.readOnly,
      totalCommands: 0,
      lastCommand: 'NULL',
      createdAt: this.clock.now(),
      multi: undefined,
    };
    this.sessions.add(session);
    return session;
  }

  /** Closes a connection. */
  closeSession(session: InMemorySession): void {
    this.sessions.delete(session);
  }

  /** The number of open connections. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Empties every database (`FLUSHALL`). */
  flushAll(): void {
    for (const db of this.dbs.values()) db.clear();
  }

  /** The live (unexpired) keys of database `db`, as UTF-8 strings. */
  keys(db = 0): string[] {
    const now = this.clock.now();
    const out: string[] = [];
    for (const [k, e] of this.db(db)) {
      if (e.expiresAt === undefined || now <= e.expiresAt) out.push(bin(k).toString('utf8'));
    }
    return out;
  }

  /** @internal `SCRIPT LOAD`: caches `source`, returns its SHA1. */
  loadScript(source: string): string {
    const sha = createHash('sha1').update(source).digest('hex');
    this.scripts.set(sha, source);
    return sha;
  }

  /** @internal the cached source of `sha`. */
  scriptSource(sha: string): string | undefined {
    return this.scripts.get(sha);
  }

  /** @internal `SCRIPT FLUSH`. */
  flushScripts(): void {
    this.scripts.clear();
  }

  /**
   * Runs one command sent on `session` and returns its raw reply; throws a `ReplyError` for an
   * error reply. Handles `MULTI`/`EXEC`/`DISCARD` queueing like a server.
   */
  execute(session: InMemorySession, name: string, args: Buffer[]): InMemoryReply {
    const ctx: Context = { server: this, session, db: this.db(session.db), now: this.clock.now() };
    const multi = session.multi;
    if (name === 'multi') {
      if (multi) throw replyError('ERR MULTI calls can not be nested');
      session.multi = { queue: [], dirty: false };
      this.count(session, name);
      return ok();
    }
    if (name === 'discard') {
      if (!multi) throw replyError('ERR DISCARD without MULTI');
      session.multi = undefined;
      this.count(session, name);
      return ok();
    }
    if (name === 'exec') {
      if (!multi) throw replyError('ERR EXEC without MULTI');
      session.multi = undefined;
      this.count(session, name);
      if (multi.dirty)
        throw replyError('EXECABORT Transaction discarded because of previous errors.');
      return multi.queue.map(({ name: n, args: a }) => {
        try {
          return this.run({ ...ctx, db: this.db(session.db) }, n, a);
        } catch (e) {
          return e as Error;
        }
      });
    }
    if (name === 'watch' || name === 'unwatch') {
      throw replyError(`ERR ${name.toUpperCase()} is ${NOT_SUPPORTED}`);
    }
    if (multi) {
      try {
        this.check(name, args);
      } catch (e) {
        multi.dirty = true;
        throw e;
      }
      multi.queue.push({ name, args });
      return status('QUEUED');
    }
    return this.run(ctx, name, args);
  }

  private check(name: string, args: Buffer[]): CommandSpec {
    const spec = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!spec) throw replyError(`ERR unknown command '${name}' (${NOT_SUPPORTED})`);
    const n = args.length + 1;
    if (spec.arity > 0 ? n !== spec.arity : n < -spec.arity)
      throw replyError(`ERR wrong number of arguments for '${name}' command`);
    return spec;
  }

  /** @internal runs one command in `ctx` (also what a script's `redis.call` does). */
  run(ctx: Context, name: string, args: Buffer[]): InMemoryReply {
    const spec = this.check(name, args);
    if (spec.write && ctx.session.readOnly)
      throw replyError("READONLY You can't write against a read only replica.");
    const sub =
      name === 'client' || name === 'script' ? `${name}|${text(args[0]!).toLowerCase()}` : name;
    this.count(ctx.session, sub);
    return spec.run({ ...ctx, db: this.db(ctx.session.db) }, args);
  }

  private count(session: InMemorySession, name: string): void {
    this.stats.set(name, (this.stats.get(name) ?? 0) + 1);
    session.totalCommands++;
    session.lastCommand = name;
  }

  /** @internal one `CLIENT LIST` line. */
  clientLine(s: InMemorySession, now: number): string {
    const age = Math.max(0, Math.floor((now - s.createdAt) / 1000));
    return (
      `id=${s.id} addr=in-memory:${s.id} laddr=${this.name} fd=-1 name=${s.name ?? ''} age=${age} ` +
      `idle=0 flags=N db=${s.db} sub=0 psub=0 ssub=0 multi=${s.multi ? s.multi.queue.length : -1} ` +
      `watch=0 cmd=${s.lastCommand} user=default resp=2 tot-cmds=${s.totalCommands}`
    );
  }

  /** @internal `CLIENT LIST`. */
  clientList(now: number): string {
    return [...this.sessions].map((s) => this.clientLine(s, now) + '\n').join('');
  }

  /** @internal `INFO [section ...]`. */
  info(sections: string[], ctx: Context): string {
    const wanted = sections.map((s) => s.toLowerCase());
    const all =
      wanted.length === 0 ||
      wanted.some((s) => s === 'all' || s === 'everything' || s === 'default');
    const out: string[] = [];
    const section = (title: string, lines: string[]): void => {
      if (all || wanted.includes(title.toLowerCase())) out.push(`# ${title}`, ...lines, '');
    };
    section('Server', [
      'redis_version:7.2.4',
      'server_name:valkey',
      'valkey_version:8.0.0',
      'redis_mode:standalone',
      'in_memory:1',
    ]);
    section('Clients', [`connected_clients:${this.sessions.size}`]);
    section('Replication', [
      `role:${ctx.session.readOnly ? 'slave' : 'master'}`,
      'connected_slaves:0',
    ]);
    section(
      'Commandstats',
      [...this.stats].map(
        ([n, calls]) =>
          `cmdstat_${n}:calls=${calls},usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0`,
      ),
    );
    section(
      'Keyspace',
      [...this.dbs]
        .map(([n, db]) => {
          const live = [...db.entries()].filter(
            ([, e]) => e.expiresAt === undefined || ctx.now <= e.expiresAt,
          );
          const expires = live.filter(([, e]) => e.expiresAt !== undefined).length;
          return live.length ? `db${n}:keys=${live.length},expires=${expires},avg_ttl=0` : '';
        })
        .filter(Boolean),
    );
    return out.join('\r\n');
  }
}
