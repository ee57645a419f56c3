import { createHash } from 'node:crypto';
import { ReplyError } from 'iovalkey';
import type { InMemoryClock } from './clock.js';
import { globMatch } from './glob.js';
import { normalizeScript, scriptHandler, type InMemoryScriptApi } from './in-memory-scripts.js';

/**
 * A raw reply of the in-memory store, shaped as iovalkey's parser hands replies to its commands:
 * bulk and status strings as `Buffer`, integers as `number`, nil as `null`, arrays, and (inside
 * an `EXEC` reply) errors.
 */
export type InMemoryReply = Buffer | number | null | Error | InMemoryReply[];

type StoredValue =
  | { readonly type: 'string'; data: Buffer }
  | { readonly type: 'set'; readonly data: Map<string, number> }
  | { readonly type: 'hash'; readonly data: Map<string, { seq: number; value: Buffer }> }
  | { readonly type: 'list'; data: Buffer[] };

interface Entry {
  /** Creation order: SCAN cursors are built on it. */
  readonly seq: number;
  value: StoredValue;
  /** Expiry in ms since the epoch on the store's clock; `undefined`: none. */
  expiresAt: number | undefined;
}

type Db = Map<string, Entry>;

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

interface Context {
  readonly server: InMemoryServer;
  readonly session: InMemorySession;
  readonly db: Db;
  /** The command's time (ms since the epoch), frozen for a whole EXEC or script, as Valkey does. */
  readonly now: number;
}

type Handler = (ctx: Context, args: Buffer[]) => InMemoryReply;

interface CommandSpec {
  /** Valkey's arity: exact count with the name when positive, minimum when negative. */
  readonly arity: number;
  readonly write?: boolean;
  readonly run: Handler;
}

const NOT_SUPPORTED = 'not supported by the in-memory store of nestjs-valkey-cache/testing';
const SMALL_COLLECTION = 128; // Valkey's listpack limit: SSCAN/HSCAN return such a collection at once
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const ok = (): Buffer => Buffer.from('OK');
const status = (s: string): Buffer => Buffer.from(s);
const bin = (k: string): Buffer => Buffer.from(k, 'latin1');
const keyOf = (b: Buffer): string => b.toString('latin1');
const text = (b: Buffer): string => b.toString('utf8');
const upper = (b: Buffer | undefined): string => (b === undefined ? '' : text(b).toUpperCase());

function replyError(message: string): Error {
  return new ReplyError(message) as Error;
}

const err = {
  syntax: () => replyError('ERR syntax error'),
  notInteger: () => replyError('ERR value is not an integer or out of range'),
  notFloat: () => replyError('ERR value is not a valid float'),
  overflow: () => replyError('ERR increment or decrement would overflow'),
  wrongType: () => replyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
  noSuchKey: () => replyError('ERR no such key'),
  expireTime: (cmd: string) => replyError(`ERR invalid expire time in '${cmd}' command`),
};

/** Valkey's `string2ll`: an int64 written canonically ("007", "+1", " 1", "-0" are refused). */
function parseInt64(b: Buffer): bigint | undefined {
  const s = text(b);
  if (!/^(0|-?[1-9][0-9]{0,19})$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

function int(b: Buffer | undefined): number {
  const n = b === undefined ? undefined : parseInt64(b);
  if (n === undefined) throw err.notInteger();
  return Number(n);
}

function float(b: Buffer): number {
  const s = text(b).trim();
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw err.notFloat();
  return Number(s);
}

function toArg(a: string | Buffer | number): Buffer {
  return Buffer.isBuffer(a) ? a : Buffer.from(String(a));
}

// ---------------------------------------------------------------------------------------------
// keyspace helpers

function lookup(ctx: Context, key: string): Entry | undefined {
  const e = ctx.db.get(key);
  if (e === undefined) return undefined;
  if (e.expiresAt !== undefined && ctx.now > e.expiresAt) {
    ctx.db.delete(key);
    return undefined;
  }
  return e;
}

function typed<T extends StoredValue['type']>(
  ctx: Context,
  key: string,
  type: T,
): Extract<StoredValue, { type: T }> | undefined {
  const e = lookup(ctx, key);
  if (e === undefined) return undefined;
  if (e.value.type !== type) throw err.wrongType();
  return e.value as Extract<StoredValue, { type: T }>;
}

/** Stores `value` at `key`: an existing key keeps its place (SCAN order), a new one goes last. */
function store(ctx: Context, key: string, value: StoredValue, expiresAt: number | undefined): void {
  const e = lookup(ctx, key);
  if (e) {
    e.value = value;
    e.expiresAt = expiresAt;
  } else {
    ctx.db.set(key, { seq: ctx.server.nextSeq(), value, expiresAt });
  }
}

function stringValue(ctx: Context, key: string): Buffer | null {
  return typed(ctx, key, 'string')?.data ?? null;
}

function setOf(ctx: Context, key: string, create: boolean): Map<string, number> | undefined {
  const v = typed(ctx, key, 'set');
  if (v || !create) return v?.data;
  const data = new Map<string, number>();
  store(ctx, key, { type: 'set', data }, undefined);
  return data;
}

function hashOf(
  ctx: Context,
  key: string,
  create: boolean,
): Map<string, { seq: number; value: Buffer }> | undefined {
  const v = typed(ctx, key, 'hash');
  if (v || !create) return v?.data;
  const data = new Map<string, { seq: number; value: Buffer }>();
  store(ctx, key, { type: 'hash', data }, undefined);
  return data;
}

function listOf(ctx: Context, key: string, create: boolean): Buffer[] | undefined {
  const v = typed(ctx, key, 'list');
  if (v || !create) return v?.data;
  const value: StoredValue = { type: 'list', data: [] };
  store(ctx, key, value, undefined);
  return value.data;
}

/** Deletes `key` when its collection became empty (Valkey never keeps empty collections). */
function dropIfEmpty(ctx: Context, key: string): void {
  const e = ctx.db.get(key);
  if (!e) return;
  const v = e.value;
  const size = v.type === 'string' ? 1 : v.type === 'list' ? v.data.length : v.data.size;
  if (size === 0) ctx.db.delete(key);
}

/** Options of a SCAN-family command: `MATCH`, `COUNT`, and `TYPE`/`NOVALUES` where allowed. */
function scanOptions(
  args: Buffer[],
  from: number,
  extra: readonly string[],
): { match?: string; count: number; type?: string; novalues: boolean } {
  const out: { match?: string; count: number; type?: string; novalues: boolean } = {
    count: 10,
    novalues: false,
  };
  for (let i = from; i < args.length; i++) {
    const opt = upper(args[i]);
    if (opt === 'MATCH' && i + 1 < args.length) out.match = keyOf(args[++i]!);
    else if (opt === 'COUNT' && i + 1 < args.length) {
      out.count = int(args[++i]);
      if (out.count < 1) throw err.syntax();
    } else if (opt === 'TYPE' && extra.includes('TYPE') && i + 1 < args.length)
      out.type = text(args[++i]!).toLowerCase();
    else if (opt === 'NOVALUES' && extra.includes('NOVALUES')) out.novalues = true;
    else throw err.syntax();
  }
  return out;
}

function parseCursor(b: Buffer): number {
  const s = text(b);
  if (!/^\d+$/.test(s)) throw replyError('ERR invalid cursor');
  return Number(s);
}

/**
 * One SCAN step over `entries` (in creation order): examines up to `count` entries whose
 * sequence is at or after `cursor`, returns the next cursor (0 when done) and what was kept.
 * An entry present for a whole scan is returned at least once, as Valkey guarantees.
 */
function scanStep<T>(
  entries: Iterable<[string, T]>,
  seqOf: (t: T) => number,
  cursor: number,
  count: number,
  keep: (key: string, t: T) => boolean,
): [number, Array<[string, T]>] {
  const out: Array<[string, T]> = [];
  let examined = 0;
  for (const [k, t] of entries) {
    const seq = seqOf(t);
    if (seq < cursor) continue;
    if (examined === count) return [seq, out];
    examined++;
    if (keep(k, t)) out.push([k, t]);
  }
  return [0, out];
}

function collectionScan<T>(
  map: Map<string, T>,
  seqOf: (t: T) => number,
  args: Buffer[],
  extra: readonly string[],
  emit: (key: string, t: T, novalues: boolean) => Buffer[],
): InMemoryReply {
  const cursor = parseCursor(args[1]!);
  const opts = scanOptions(args, 2, extra);
  const keep = (k: string): boolean => opts.match === undefined || globMatch(opts.match, k);
  // Small collections come back whole in one reply, as Valkey's compact encodings do.
  const [next, found] =
    map.size <= SMALL_COLLECTION
      ? [0, [...map].filter(([k]) => keep(k))]
      : scanStep(map, seqOf, cursor, opts.count, keep);
  return [status(String(next)), found.flatMap(([k, t]) => emit(k, t, opts.novalues))];
}

function expireGeneric(
  ctx: Context,
  key: string,
  when: number,
  flags: Buffer[],
  cmd: string,
): number {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (const f of flags) {
    const o = upper(f);
    if (o === 'NX') nx = true;
    else if (o === 'XX') xx = true;
    else if (o === 'GT') gt = true;
    else if (o === 'LT') lt = true;
    else throw replyError(`ERR Unsupported option ${text(f)}`);
  }
  if (nx && (xx || gt || lt))
    throw replyError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) throw replyError('ERR GT and LT options at the same time are not compatible');
  if (!Number.isFinite(when)) throw err.expireTime(cmd);
  const e = lookup(ctx, key);
  if (!e) return 0;
  const current = e.expiresAt;
  if (nx && current !== undefined) return 0;
  if (xx && current === undefined) return 0;
  if (gt && (current === undefined || when <= current)) return 0;
  if (lt && current !== undefined && when >= current) return 0;
  if (when <= ctx.now) {
    ctx.db.delete(key);
    return 1;
  }
  e.expiresAt = when;
  return 1;
}

function remaining(ctx: Context, key: string, ms: boolean): number {
  const e = lookup(ctx, key);
  if (!e) return -2;
  if (e.expiresAt === undefined) return -1;
  const left = Math.max(0, e.expiresAt - ctx.now);
  // Valkey rounds TTL to the nearest second: (ms + 500) / 1000.
  return ms ? left : Math.floor((left + 500) / 1000);
}

function incrBy(ctx: Context, key: string, delta: bigint): number {
  const current = typed(ctx, key, 'string');
  let value = 0n;
  if (current) {
    const parsed = parseInt64(current.data);
    if (parsed === undefined) throw err.notInteger();
    value = parsed;
  }
  const next = value + delta;
  if (next < INT64_MIN || next > INT64_MAX) throw err.overflow();
  const expiresAt = lookup(ctx, key)?.expiresAt;
  store(ctx, key, { type: 'string', data: Buffer.from(next.toString()) }, expiresAt);
  return Number(next);
}

function setOperation(ctx: Context, op: 'diff' | 'inter' | 'union', keys: Buffer[]): string[] {
  const sets = keys.map((k) => setOf(ctx, keyOf(k), false));
  const [first, ...rest] = sets;
  if (op === 'union') {
    const out = new Set<string>();
    for (const s of sets) if (s) for (const m of s.keys()) out.add(m);
    return [...out];
  }
  if (!first) return [];
  const members = [...first.keys()];
  if (op === 'diff') return members.filter((m) => rest.every((s) => !s || !s.has(m)));
  return members.filter((m) => rest.every((s) => s !== undefined && s.has(m)));
}

function storeSet(ctx: Context, dest: string, members: string[]): number {
  ctx.db.delete(dest);
  if (members.length === 0) return 0;
  const data = new Map<string, number>();
  for (const m of members) data.set(m, ctx.server.nextSeq());
  store(ctx, dest, { type: 'set', data }, undefined);
  return members.length;
}

function randomMembers(members: string[], count: number, distinct: boolean): string[] {
  if (distinct) {
    const pool = [...members];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, count);
  }
  return Array.from({ length: count }, () => members[Math.floor(Math.random() * members.length)]!);
}

/** Parses the expiry options shared by SET and GETEX into an absolute time (ms). */
function expiryOption(opt: string, arg: Buffer | undefined, now: number, cmd: string): number {
  if (arg === undefined) throw err.syntax();
  const n = int(arg);
  if (n <= 0) throw err.expireTime(cmd);
  switch (opt) {
    case 'EX':
      return now + n * 1000;
    case 'PX':
      return now + n;
    case 'EXAT':
      return n * 1000;
    default:
      return n; // PXAT
  }
}

// DUMP payloads of the in-memory store (not Valkey's RDB format: RESTORE takes only these).
const DUMP_MAGIC = 'nestjs-valkey-cache/in-memory-dump/1\n';

function dumpValue(v: StoredValue): Buffer {
  const b64 = (b: Buffer): string => b.toString('base64');
  const data =
    v.type === 'string'
      ? b64(v.data)
      : v.type === 'list'
        ? v.data.map(b64)
        : v.type === 'set'
          ? [...v.data.keys()].map((m) => b64(bin(m)))
          : [...v.data].map(([f, { value }]) => [b64(bin(f)), b64(value)]);
  return Buffer.from(DUMP_MAGIC + JSON.stringify({ type: v.type, data }));
}

function restoreValue(ctx: Context, payload: Buffer): StoredValue {
  const s = payload.toString('utf8');
  if (!s.startsWith(DUMP_MAGIC))
    throw replyError(
      `ERR DUMP payload version or checksum are wrong (${NOT_SUPPORTED}: only its own DUMP payloads)`,
    );
  const { type, data } = JSON.parse(s.slice(DUMP_MAGIC.length)) as { type: string; data: unknown };
  const buf = (x: unknown): Buffer => Buffer.from(String(x), 'base64');
  switch (type) {
    case 'string':
      return { type, data: buf(data) };
    case 'list':
      return { type, data: (data as string[]).map(buf) };
    case 'set':
      return {
        type,
        data: new Map((data as string[]).map((m) => [keyOf(buf(m)), ctx.server.nextSeq()])),
      };
    default:
      return {
        type: 'hash',
        data: new Map(
          (data as Array<[string, string]>).map(([f, v]) => [
            keyOf(buf(f)),
            { seq: ctx.server.nextSeq(), value: buf(v) },
          ]),
        ),
      };
  }
}

// ---------------------------------------------------------------------------------------------
// commands

const COMMANDS: Record<string, CommandSpec> = {
  // strings
  get: { arity: 2, run: (ctx, [k]) => stringValue(ctx, keyOf(k!)) },
  set: {
    arity: -3,
    write: true,
    run(ctx, args) {
      const key = keyOf(args[0]!);
      let nx = false;
      let xx = false;
      let get = false;
      let keepTtl = false;
      let expiresAt: number | undefined;
      let expirySet = false;
      for (let i = 2; i < args.length; i++) {
        const opt = upper(args[i]);
        if (opt === 'NX' && !xx) nx = true;
        else if (opt === 'XX' && !nx) xx = true;
        else if (opt === 'GET') get = true;
        else if (opt === 'KEEPTTL' && !expirySet) keepTtl = true;
        else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(opt) && !expirySet && !keepTtl) {
          expiresAt = expiryOption(opt, args[++i], ctx.now, 'set');
          expirySet = true;
        } else throw err.syntax();
      }
      const existing = lookup(ctx, key);
      const old = get ? stringValue(ctx, key) : null;
      if ((nx && existing) || (xx && !existing)) return get ? old : null;
      const ttl = keepTtl ? existing?.expiresAt : expiresAt;
      store(ctx, key, { type: 'string', data: Buffer.from(args[1]!) }, ttl);
      return get ? old : ok();
    },
  },
  setex: {
    arity: 4,
    write: true,
    run(ctx, [k, s, v]) {
      const n = int(s);
      if (n <= 0) throw err.expireTime('setex');
      store(ctx, keyOf(k!), { type: 'string', data: Buffer.from(v!) }, ctx.now + n * 1000);
      return ok();
    },
  },
  psetex: {
    arity: 4,
    write: true,
    run(ctx, [k, ms, v]) {
      const n = int(ms);
      if (n <= 0) throw err.expireTime('psetex');
      store(ctx, keyOf(k!), { type: 'string', data: Buffer.from(v!) }, ctx.now + n);
      return ok();
    },
  },
  setnx: {
    arity: 3,
    write: true,
    run(ctx, [k, v]) {
      if (lookup(ctx, keyOf(k!))) return 0;
      store(ctx, keyOf(k!), { type: 'string', data: Buffer.from(v!) }, undefined);
      return 1;
    },
  },
  getset: {
    arity: 3,
    write: true,
    run(ctx, [k, v]) {
      const old = stringValue(ctx, keyOf(k!));
      store(ctx, keyOf(k!), { type: 'string', data: Buffer.from(v!) }, undefined);
      return old;
    },
  },
  getdel: {
    arity: 2,
    write: true,
    run(ctx, [k]) {
      const old = stringValue(ctx, keyOf(k!));
      if (old !== null) ctx.db.delete(keyOf(k!));
      return old;
    },
  },
  getex: {
    arity: -2,
    write: true,
    run(ctx, args) {
      const key = keyOf(args[0]!);
      const value = stringValue(ctx, key);
      let change: { at: number | undefined } | undefined;
      for (let i = 1; i < args.length; i++) {
        const opt = upper(args[i]);
        if (change) throw err.syntax();
        if (opt === 'PERSIST') change = { at: undefined };
        else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(opt))
          change = { at: expiryOption(opt, args[++i], ctx.now, 'getex') };
        else throw err.syntax();
      }
      const e = lookup(ctx, key);
      if (e && change) {
        if (change.at !== undefined && change.at <= ctx.now) ctx.db.delete(key);
        else e.expiresAt = change.at;
      }
      return value;
    },
  },
  mget: {
    arity: -2,
    run: (ctx, keys) =>
      keys.map((k) => {
        const e = lookup(ctx, keyOf(k));
        return e?.value.type === 'string' ? e.value.data : null;
      }),
  },
  mset: {
    arity: -3,
    write: true,
    run(ctx, args) {
      if (args.length % 2 !== 0)
        throw replyError("ERR wrong number of arguments for 'mset' command");
      for (let i = 0; i < args.length; i += 2)
        store(ctx, keyOf(args[i]!), { type: 'string', data: Buffer.from(args[i + 1]!) }, undefined);
      return ok();
    },
  },
  msetnx: {
    arity: -3,
    write: true,
    run(ctx, args) {
      if (args.length % 2 !== 0)
        throw replyError("ERR wrong number of arguments for 'msetnx' command");
      for (let i = 0; i < args.length; i += 2) if (lookup(ctx, keyOf(args[i]!))) return 0;
      for (let i = 0; i < args.length; i += 2)
        store(ctx, keyOf(args[i]!), { type: 'string', data: Buffer.from(args[i + 1]!) }, undefined);
      return 1;
    },
  },
  strlen: { arity: 2, run: (ctx, [k]) => stringValue(ctx, keyOf(k!))?.length ?? 0 },
  append: {
    arity: 3,
    write: true,
    run(ctx, [k, v]) {
      const key = keyOf(k!);
      const current = typed(ctx, key, 'string');
      const data = Buffer.concat([current?.data ?? Buffer.alloc(0), v!]);
      store(ctx, key, { type: 'string', data }, lookup(ctx, key)?.expiresAt);
      return data.length;
    },
  },
  incr: { arity: 2, write: true, run: (ctx, [k]) => incrBy(ctx, keyOf(k!), 1n) },
  decr: { arity: 2, write: true, run: (ctx, [k]) => incrBy(ctx, keyOf(k!), -1n) },
  incrby: {
    arity: 3,
    write: true,
    run(ctx, [k, d]) {
      const delta = parseInt64(d!);
      if (delta === undefined) throw err.notInteger();
      return incrBy(ctx, keyOf(k!), delta);
    },
  },
  decrby: {
    arity: 3,
    write: true,
    run(ctx, [k, d]) {
      const delta = parseInt64(d!);
      if (delta === undefined || delta === INT64_MIN) throw err.notInteger();
      return incrBy(ctx, keyOf(k!), -delta);
    },
  },
  incrbyfloat: {
    arity: 3,
    write: true,
    run(ctx, [k, d]) {
      const key = keyOf(k!);
      const current = typed(ctx, key, 'string');
      const base = current ? float(current.data) : 0;
      const next = base + float(d!);
      if (!Number.isFinite(next)) throw replyError('ERR increment would produce NaN or Infinity');
      const data = Buffer.from(String(next));
      store(ctx, key, { type: 'string', data }, lookup(ctx, key)?.expiresAt);
      return data;
    },
  },

  // keys
  del: {
    arity: -2,
    write: true,
    run: (ctx, keys) => keys.filter((k) => lookup(ctx, keyOf(k)) && ctx.db.delete(keyOf(k))).length,
  },
  unlink: {
    arity: -2,
    write: true,
    run: (ctx, keys) => keys.filter((k) => lookup(ctx, keyOf(k)) && ctx.db.delete(keyOf(k))).length,
  },
  exists: { arity: -2, run: (ctx, keys) => keys.filter((k) => lookup(ctx, keyOf(k))).length },
  touch: { arity: -2, run: (ctx, keys) => keys.filter((k) => lookup(ctx, keyOf(k))).length },
  expire: {
    arity: -3,
    write: true,
    run: (ctx, [k, s, ...f]) => expireGeneric(ctx, keyOf(k!), ctx.now + int(s) * 1000, f, 'expire'),
  },
  pexpire: {
    arity: -3,
    write: true,
    run: (ctx, [k, ms, ...f]) => expireGeneric(ctx, keyOf(k!), ctx.now + int(ms), f, 'pexpire'),
  },
  expireat: {
    arity: -3,
    write: true,
    run: (ctx, [k, s, ...f]) => expireGeneric(ctx, keyOf(k!), int(s) * 1000, f, 'expireat'),
  },
  pexpireat: {
    arity: -3,
    write: true,
    run: (ctx, [k, ms, ...f]) => expireGeneric(ctx, keyOf(k!), int(ms), f, 'pexpireat'),
  },
  expiretime: {
    arity: 2,
    run(ctx, [k]) {
      const e = lookup(ctx, keyOf(k!));
      return !e ? -2 : e.expiresAt === undefined ? -1 : Math.floor(e.expiresAt / 1000);
    },
  },
  pexpiretime: {
    arity: 2,
    run(ctx, [k]) {
      const e = lookup(ctx, keyOf(k!));
      return !e ? -2 : (e.expiresAt ?? -1);
    },
  },
  ttl: { arity: 2, run: (ctx, [k]) => remaining(ctx, keyOf(k!), false) },
  pttl: { arity: 2, run: (ctx, [k]) => remaining(ctx, keyOf(k!), true) },
  persist: {
    arity: 2,
    write: true,
    run(ctx, [k]) {
      const e = lookup(ctx, keyOf(k!));
      if (!e || e.expiresAt === undefined) return 0;
      e.expiresAt = undefined;
      return 1;
    },
  },
  type: { arity: 2, run: (ctx, [k]) => status(lookup(ctx, keyOf(k!))?.value.type ?? 'none') },
  rename: {
    arity: 3,
    write: true,
    run(ctx, [from, to]) {
      const e = lookup(ctx, keyOf(from!));
      if (!e) throw err.noSuchKey();
      if (keyOf(from!) === keyOf(to!)) return ok();
      ctx.db.delete(keyOf(from!));
      ctx.db.delete(keyOf(to!));
      store(ctx, keyOf(to!), e.value, e.expiresAt);
      return ok();
    },
  },
  renamenx: {
    arity: 3,
    write: true,
    run(ctx, [from, to]) {
      const e = lookup(ctx, keyOf(from!));
      if (!e) throw err.noSuchKey();
      if (lookup(ctx, keyOf(to!))) return 0;
      ctx.db.delete(keyOf(from!));
      store(ctx, keyOf(to!), e.value, e.expiresAt);
      return 1;
    },
  },
  keys: {
    arity: 2,
    run(ctx, [p]) {
      const pattern = keyOf(p!);
      return [...ctx.db.keys()]
        .filter((k) => lookup(ctx, k) && globMatch(pattern, k))
        .map((k) => bin(k));
    },
  },
  scan: {
    arity: -2,
    run(ctx, args) {
      const opts = scanOptions(args, 1, ['TYPE']);
      const [next, found] = scanStep(
        ctx.db,
        (e) => e.seq,
        parseCursor(args[0]!),
        opts.count,
        (k, e) =>
          lookup(ctx, k) !== undefined &&
          (opts.match === undefined || globMatch(opts.match, k)) &&
          (opts.type === undefined || e.value.type === opts.type),
      );
      return [status(String(next)), found.map(([k]) => bin(k))];
    },
  },
  dbsize: {
    arity: 1,
    run: (ctx) => [...ctx.db.keys()].filter((k) => lookup(ctx, k)).length,
  },
  flushdb: {
    arity: -1,
    write: true,
    run(ctx) {
      ctx.db.clear();
      return ok();
    },
  },
  flushall: {
    arity: -1,
    write: true,
    run(ctx) {
      ctx.server.flushAll();
      return ok();
    },
  },
  randomkey: {
    arity: 1,
    run(ctx) {
      const keys = [...ctx.db.keys()].filter((k) => lookup(ctx, k));
      return keys.length ? bin(keys[Math.floor(Math.random() * keys.length)]!) : null;
    },
  },
  dump: {
    arity: 2,
    run(ctx, [k]) {
      const e = lookup(ctx, keyOf(k!));
      return e ? dumpValue(e.value) : null;
    },
  },
  restore: {
    arity: -4,
    write: true,
    run(ctx, [k, ttl, payload, ...opts]) {
      const key = keyOf(k!);
      const flags = opts.map(upper);
      const ms = int(ttl);
      if (ms < 0) throw replyError('ERR Invalid TTL value, must be >= 0');
      if (lookup(ctx, key) && !flags.includes('REPLACE'))
        throw replyError('BUSYKEY Target key name already exists.');
      const value = restoreValue(ctx, payload!);
      const at = ms === 0 ? undefined : flags.includes('ABSTTL') ? ms : ctx.now + ms;
      ctx.db.delete(key);
      if (at !== undefined && at <= ctx.now) return ok();
      store(ctx, key, value, at);
      return ok();
    },
  },

  // sets
  sadd: {
    arity: -3,
    write: true,
    run(ctx, [k, ...members]) {
      const set = setOf(ctx, keyOf(k!), true)!;
      let added = 0;
      for (const m of members) {
        if (set.has(keyOf(m))) continue;
        set.set(keyOf(m), ctx.server.nextSeq());
        added++;
      }
      return added;
    },
  },
  srem: {
    arity: -3,
    write: true,
    run(ctx, [k, ...members]) {
      const set = setOf(ctx, keyOf(k!), false);
      if (!set) return 0;
      const removed = members.filter((m) => set.delete(keyOf(m))).length;
      dropIfEmpty(ctx, keyOf(k!));
      return removed;
    },
  },
  scard: { arity: 2, run: (ctx, [k]) => setOf(ctx, keyOf(k!), false)?.size ?? 0 },
  sismember: {
    arity: 3,
    run: (ctx, [k, m]) => (setOf(ctx, keyOf(k!), false)?.has(keyOf(m!)) ? 1 : 0),
  },
  smismember: {
    arity: -3,
    run(ctx, [k, ...members]) {
      const set = setOf(ctx, keyOf(k!), false);
      return members.map((m) => (set?.has(keyOf(m)) ? 1 : 0));
    },
  },
  smembers: {
    arity: 2,
    run: (ctx, [k]) => [...(setOf(ctx, keyOf(k!), false)?.keys() ?? [])].map((m) => bin(m)),
  },
  spop: {
    arity: -2,
    write: true,
    run(ctx, [k, c]) {
      const key = keyOf(k!);
      const set = setOf(ctx, key, false);
      const count = c === undefined ? undefined : int(c);
      if (count !== undefined && count < 0)
        throw replyError('ERR value is out of range, must be positive');
      if (!set) return count === undefined ? null : [];
      const picked = randomMembers([...set.keys()], count ?? 1, true);
      for (const m of picked) set.delete(m);
      dropIfEmpty(ctx, key);
      return count === undefined
        ? picked[0] === undefined
          ? null
          : bin(picked[0])
        : picked.map(bin);
    },
  },
  srandmember: {
    arity: -2,
    run(ctx, [k, c]) {
      const set = setOf(ctx, keyOf(k!), false);
      const members = [...(set?.keys() ?? [])];
      if (c === undefined) {
        return members.length ? bin(randomMembers(members, 1, true)[0]!) : null;
      }
      const count = int(c);
      if (members.length === 0 || count === 0) return [];
      return randomMembers(members, Math.abs(count), count > 0).map(bin);
    },
  },
  smove: {
    arity: 4,
    write: true,
    run(ctx, [s, d, m]) {
      const src = setOf(ctx, keyOf(s!), false);
      setOf(ctx, keyOf(d!), false); // WRONGTYPE check of the destination
      if (!src || !src.has(keyOf(m!))) return 0;
      if (keyOf(s!) === keyOf(d!)) return 1;
      src.delete(keyOf(m!));
      dropIfEmpty(ctx, keyOf(s!));
      const dst = setOf(ctx, keyOf(d!), true)!;
      if (!dst.has(keyOf(m!))) dst.set(keyOf(m!), ctx.server.nextSeq());
      return 1;
    },
  },
  sdiff: { arity: -2, run: (ctx, keys) => setOperation(ctx, 'diff', keys).map(bin) },
  sinter: { arity: -2, run: (ctx, keys) => setOperation(ctx, 'inter', keys).map(bin) },
  sunion: { arity: -2, run: (ctx, keys) => setOperation(ctx, 'union', keys).map(bin) },
  sdiffstore: {
    arity: -3,
    write: true,
    run: (ctx, [d, ...keys]) => storeSet(ctx, keyOf(d!), setOperation(ctx, 'diff', keys)),
  },
  sinterstore: {
    arity: -3,
    write: true,
    run: (ctx, [d, ...keys]) => storeSet(ctx, keyOf(d!), setOperation(ctx, 'inter', keys)),
  },
  sunionstore: {
    arity: -3,
    write: true,
    run: (ctx, [d, ...keys]) => storeSet(ctx, keyOf(d!), setOperation(ctx, 'union', keys)),
  },
  sscan: {
    arity: -3,
    run(ctx, args) {
      const set = setOf(ctx, keyOf(args[0]!), false) ?? new Map<string, number>();
      return collectionScan(
        set,
        (s) => s,
        args,
        [],
        (m) => [bin(m)],
      );
    },
  },

  // hashes
  hset: {
    arity: -4,
    write: true,
    run(ctx, [k, ...pairs]) {
      if (pairs.length % 2 !== 0)
        throw replyError("ERR wrong number of arguments for 'hset' command");
      const hash = hashOf(ctx, keyOf(k!), true)!;
      let added = 0;
      for (let i = 0; i < pairs.length; i += 2) {
        const f = keyOf(pairs[i]!);
        const existing = hash.get(f);
        if (existing) existing.value = Buffer.from(pairs[i + 1]!);
        else {
          hash.set(f, { seq: ctx.server.nextSeq(), value: Buffer.from(pairs[i + 1]!) });
          added++;
        }
      }
      return added;
    },
  },
  hmset: {
    arity: -4,
    write: true,
    run(ctx, args) {
      COMMANDS['hset']!.run(ctx, args);
      return ok();
    },
  },
  hsetnx: {
    arity: 4,
    write: true,
    run(ctx, [k, f, v]) {
      const hash = hashOf(ctx, keyOf(k!), true)!;
      if (hash.has(keyOf(f!))) return 0;
      hash.set(keyOf(f!), { seq: ctx.server.nextSeq(), value: Buffer.from(v!) });
      return 1;
    },
  },
  hget: {
    arity: 3,
    run: (ctx, [k, f]) => hashOf(ctx, keyOf(k!), false)?.get(keyOf(f!))?.value ?? null,
  },
  hmget: {
    arity: -3,
    run(ctx, [k, ...fields]) {
      const hash = hashOf(ctx, keyOf(k!), false);
      return fields.map((f) => hash?.get(keyOf(f))?.value ?? null);
    },
  },
  hgetall: {
    arity: 2,
    run: (ctx, [k]) =>
      [...(hashOf(ctx, keyOf(k!), false) ?? [])].flatMap(([f, { value }]) => [bin(f), value]),
  },
  hdel: {
    arity: -3,
    write: true,
    run(ctx, [k, ...fields]) {
      const hash = hashOf(ctx, keyOf(k!), false);
      if (!hash) return 0;
      const removed = fields.filter((f) => hash.delete(keyOf(f))).length;
      dropIfEmpty(ctx, keyOf(k!));
      return removed;
    },
  },
  hlen: { arity: 2, run: (ctx, [k]) => hashOf(ctx, keyOf(k!), false)?.size ?? 0 },
  hkeys: {
    arity: 2,
    run: (ctx, [k]) => [...(hashOf(ctx, keyOf(k!), false)?.keys() ?? [])].map((f) => bin(f)),
  },
  hvals: {
    arity: 2,
    run: (ctx, [k]) => [...(hashOf(ctx, keyOf(k!), false)?.values() ?? [])].map((v) => v.value),
  },
  hexists: {
    arity: 3,
    run: (ctx, [k, f]) => (hashOf(ctx, keyOf(k!), false)?.has(keyOf(f!)) ? 1 : 0),
  },
  hincrby: {
    arity: 4,
    write: true,
    run(ctx, [k, f, d]) {
      const delta = parseInt64(d!);
      if (delta === undefined) throw err.notInteger();
      const hash = hashOf(ctx, keyOf(k!), true)!;
      const field = hash.get(keyOf(f!));
      const current = field ? parseInt64(field.value) : 0n;
      if (current === undefined) throw replyError('ERR hash value is not an integer');
      const next = current + delta;
      if (next < INT64_MIN || next > INT64_MAX) throw err.overflow();
      const value = Buffer.from(next.toString());
      if (field) field.value = value;
      else hash.set(keyOf(f!), { seq: ctx.server.nextSeq(), value });
      return Number(next);
    },
  },
  hscan: {
    arity: -3,
    run(ctx, args) {
      const hash = hashOf(ctx, keyOf(args[0]!), false) ?? new Map();
      return collectionScan(
        hash,
        (h) => h.seq,
        args,
        ['NOVALUES'],
        (f, h, novalues) => (novalues ? [bin(f)] : [bin(f), h.value]),
      );
    },
  },

  // lists
  lpush: {
    arity: -3,
    write: true,
    run(ctx, [k, ...values]) {
      const list = listOf(ctx, keyOf(k!), true)!;
      for (const v of values) list.unshift(Buffer.from(v));
      return list.length;
    },
  },
  rpush: {
    arity: -3,
    write: true,
    run(ctx, [k, ...values]) {
      const list = listOf(ctx, keyOf(k!), true)!;
      for (const v of values) list.push(Buffer.from(v));
      return list.length;
    },
  },
  lpop: { arity: -2, write: true, run: (ctx, [k, c]) => pop(ctx, keyOf(k!), c, 'left') },
  rpop: { arity: -2, write: true, run: (ctx, [k, c]) => pop(ctx, keyOf(k!), c, 'right') },
  llen: { arity: 2, run: (ctx, [k]) => listOf(ctx, keyOf(k!), false)?.length ?? 0 },
  lrange: {
    arity: 4,
    run(ctx, [k, a, b]) {
      const list = listOf(ctx, keyOf(k!), false) ?? [];
      const [from, to] = range(list.length, int(a), int(b));
      return list.slice(from, to + 1);
    },
  },
  lindex: {
    arity: 3,
    run(ctx, [k, i]) {
      const list = listOf(ctx, keyOf(k!), false) ?? [];
      const n = int(i);
      return list[n < 0 ? list.length + n : n] ?? null;
    },
  },
  ltrim: {
    arity: 4,
    write: true,
    run(ctx, [k, a, b]) {
      const v = typed(ctx, keyOf(k!), 'list');
      if (!v) return ok();
      const [from, to] = range(v.data.length, int(a), int(b));
      v.data = v.data.slice(from, to + 1);
      dropIfEmpty(ctx, keyOf(k!));
      return ok();
    },
  },

  // connection and server
  ping: { arity: -1, run: (_ctx, [msg]) => (msg === undefined ? status('PONG') : msg) },
  echo: { arity: 2, run: (_ctx, [msg]) => msg! },
  select: {
    arity: 2,
    run(ctx, [db]) {
      const n = int(db);
      if (n < 0) throw replyError('ERR DB index is out of range');
      ctx.session.db = n;
      return ok();
    },
  },
  quit: { arity: -1, run: () => ok() },
  readonly: { arity: 1, run: () => ok() },
  readwrite: { arity: 1, run: () => ok() },
  time: {
    arity: 1,
    run(ctx) {
      const ms = ctx.now;
      return [status(String(Math.floor(ms / 1000))), status(String((ms % 1000) * 1000))];
    },
  },
  role: {
    arity: 1,
    run: (ctx) =>
      ctx.session.readOnly
        ? [status('slave'), status(ctx.server.name), 0, status('connected'), 0]
        : [status('master'), 0, []],
  },
  info: {
    arity: -1,
    run: (ctx, sections) => Buffer.from(ctx.server.info(sections.map(text), ctx)),
  },
  client: {
    arity: -2,
    run(ctx, [sub, ...rest]) {
      switch (upper(sub)) {
        case 'SETNAME':
          if (rest.length !== 1) throw err.syntax();
          ctx.session.name = text(rest[0]!);
          return ok();
        case 'GETNAME':
          return ctx.session.name === undefined ? null : Buffer.from(ctx.session.name);
        case 'ID':
          return ctx.session.id;
        case 'LIST':
          return Buffer.from(ctx.server.clientList(ctx.now));
        case 'INFO':
          return Buffer.from(ctx.server.clientLine(ctx.session, ctx.now) + '\n');
        case 'SETINFO':
        case 'NO-EVICT':
        case 'NO-TOUCH':
          return ok();
        default:
          throw replyError(`ERR unknown subcommand '${text(sub!)}' (${NOT_SUPPORTED})`);
      }
    },
  },
  script: {
    arity: -2,
    run(ctx, [sub, ...rest]) {
      switch (upper(sub)) {
        case 'LOAD':
          if (rest.length !== 1) throw err.syntax();
          return Buffer.from(ctx.server.loadScript(text(rest[0]!)));
        case 'EXISTS':
          return rest.map((sha) => (ctx.server.scriptSource(text(sha)) === undefined ? 0 : 1));
        case 'FLUSH':
          ctx.server.flushScripts();
          return ok();
        default:
          throw replyError(`ERR unknown subcommand '${text(sub!)}' (${NOT_SUPPORTED})`);
      }
    },
  },
  eval: { arity: -3, run: (ctx, args) => runScript(ctx, text(args[0]!), args) },
  eval_ro: { arity: -3, run: (ctx, args) => runScript(ctx, text(args[0]!), args) },
  evalsha: { arity: -3, run: (ctx, args) => runScriptBySha(ctx, args) },
  evalsha_ro: { arity: -3, run: (ctx, args) => runScriptBySha(ctx, args) },
};

function range(length: number, start: number, stop: number): [number, number] {
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (to >= length) to = length - 1;
  return [from, to];
}

function pop(
  ctx: Context,
  key: string,
  c: Buffer | undefined,
  side: 'left' | 'right',
): InMemoryReply {
  const count = c === undefined ? undefined : int(c);
  const list = listOf(ctx, key, false);
  if (!list) return null;
  const n = count ?? 1;
  const taken =
    side === 'left' ? list.splice(0, n) : list.splice(Math.max(0, list.length - n)).reverse();
  dropIfEmpty(ctx, key);
  return count === undefined ? (taken[0] ?? null) : taken;
}

function runScriptBySha(ctx: Context, args: Buffer[]): InMemoryReply {
  const sha = text(args[0]!).toLowerCase();
  const source = ctx.server.scriptSource(sha);
  if (source === undefined) throw replyError('NOSCRIPT No matching script.');
  return runScript(ctx, source, args);
}

function runScript(ctx: Context, source: string, args: Buffer[]): InMemoryReply {
  const sha = ctx.server.loadScript(source);
  const numkeys = int(args[1]);
  if (numkeys < 0) throw replyError("ERR Number of keys can't be negative");
  if (numkeys > args.length - 2)
    throw replyError("ERR Number of keys can't be greater than number of args");
  const handler = scriptHandler(source);
  if (!handler) {
    throw replyError(
      `ERR this Lua script is ${NOT_SUPPORTED} (sha1 ${sha}: '${normalizeScript(source).slice(0, 80)}'); ` +
        `emulate it with registerInMemoryScript() from 'nestjs-valkey-cache/testing'`,
    );
  }
  const api: InMemoryScriptApi = {
    call: (command, ...callArgs) => ctx.server.run(ctx, command.toLowerCase(), callArgs.map(toArg)),
  };
  let reply;
  try {
    reply = handler(api, args.slice(2, 2 + numkeys), args.slice(2 + numkeys));
  } catch (e) {
    if (e instanceof Error && e.name === 'ReplyError')
      throw replyError(`${e.message} script: ${sha}, on @user_script.`);
    throw e;
  }
  return fromLua(reply);
}

/** Lua's conversion of a script's return value to a reply. */
function fromLua(value: InMemoryReply | string | boolean): InMemoryReply {
  if (value === true) return 1;
  if (value === false) return null;
  if (typeof value === 'string') return Buffer.from(value);
  if (typeof value === 'number') return Math.trunc(value);
  if (Array.isArray(value)) {
    const out: InMemoryReply[] = [];
    for (const v of value) {
      if (v === null) break; // a Lua array stops at the first nil
      out.push(fromLua(v));
    }
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------

/**
 * One in-memory "server": numbered databases of keys, the connections made to it, its script
 * cache and command statistics. Everything a {@link InMemoryConnectionFactory} stores for one
 * location lives in one of these, shared by every cache and connection pointing at it.
 */
export class InMemoryServer {
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
