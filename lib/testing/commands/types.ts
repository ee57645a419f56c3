// The data model of the in-memory store, the server as its commands see it, and the shape of
// its command handlers. Everything under commands/ builds on this file and nothing above it.

/**
 * A raw reply of the in-memory store, shaped as iovalkey's parser hands replies to its commands:
 * bulk and status strings as `Buffer`, integers as `number`, nil as `null`, arrays, and (inside
 * an `EXEC` reply) errors.
 */
export type InMemoryReply = Buffer | number | null | Error | InMemoryReply[];

export type StoredValue =
  | { readonly type: 'string'; data: Buffer }
  | { readonly type: 'set'; readonly data: Map<string, number> }
  | { readonly type: 'hash'; readonly data: Map<string, { seq: number; value: Buffer }> }
  | { readonly type: 'list'; data: Buffer[] }
  /** A sorted set: member (as a latin1 string of its bytes) to score. */
  | { readonly type: 'zset'; readonly data: Map<string, number> };

export interface Entry {
  /** Creation order: SCAN cursors are built on it. */
  readonly seq: number;
  value: StoredValue;
  /** Expiry in ms since the epoch on the store's clock; `undefined`: none. */
  expiresAt: number | undefined;
}

export type Db = Map<string, Entry>;

/** One connection to an in-memory server (what `CLIENT LIST` shows a line for). */
export interface InMemorySession {
  readonly id: number;
  /** `CLIENT SETNAME` / the `connectionName` option. */
  name: string | undefined;
  /** The selected database. */
  db: number;
  /** A replica connection: write commands are refused with `READONLY`, as a replica does. */
  readonly readOnly: boolean;
  /** Commands processed (`tot-cmds` of `CLIENT LIST`). */
  totalCommands: number;
  /** The last command (`cmd` of `CLIENT LIST`). */
  lastCommand: string;
  readonly createdAt: number;
  multi: { queue: Array<{ name: string; args: Buffer[] }>; dirty: boolean } | undefined;
}

/**
 * What a command may ask of the server it runs on, beyond its database: creation order, the
 * script cache, running a nested command (a script's `redis.call`), and the server-wide views of
 * `INFO` and `CLIENT`. The in-memory server implements it; no command imports the server.
 */
export interface CommandServer {
  /** The location identity the server stands for (`host:port` or `unix:/path`). */
  readonly name: string;
  /** The next creation sequence number. */
  nextSeq(): number;
  /** Empties every database (`FLUSHALL`). */
  flushAll(): void;
  /** `SCRIPT LOAD`: caches `source`, returns its SHA1. */
  loadScript(source: string): string;
  /** The cached source of `sha`. */
  scriptSource(sha: string): string | undefined;
  /** `SCRIPT FLUSH`. */
  flushScripts(): void;
  /** Runs one command in `ctx` (what a script's `redis.call` does). */
  run(ctx: Context, name: string, args: Buffer[]): InMemoryReply;
  /** `INFO [section ...]`. */
  info(sections: string[], ctx: Context): string;
  /** `CLIENT LIST`. */
  clientList(now: number): string;
  /** One `CLIENT LIST` line. */
  clientLine(session: InMemorySession, now: number): string;
}

export interface Context {
  readonly server: CommandServer;
  readonly session: InMemorySession;
  readonly db: Db;
  /** The command's time (ms since the epoch), frozen for a whole EXEC or script, as Valkey does. */
  readonly now: number;
}

export type Handler = (ctx: Context, args: Buffer[]) => InMemoryReply;

export interface CommandSpec {
  /** Valkey's arity: exact count with the name when positive, minimum when negative. */
  readonly arity: number;
  readonly write?: boolean;
  readonly run: Handler;
}
