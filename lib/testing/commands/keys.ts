// Generic key commands: deletion, existence, expiry, renaming, KEYS/SCAN, FLUSHDB/FLUSHALL,
// DUMP/RESTORE.
import { globMatch } from '../../util/glob.js';
import { lookup, store } from './keyspace.js';
import {
  bin,
  err,
  int,
  keyOf,
  NOT_SUPPORTED,
  ok,
  replyError,
  status,
  text,
  upper,
} from './protocol.js';
import { parseCursor, scanOptions, scanStep } from './scan.js';
import type { CommandSpec, Context, StoredValue } from './types.js';

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
          : v.type === 'zset'
            ? [...v.data].map(([m, score]) => [b64(bin(m)), String(score)])
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
    case 'zset':
      return {
        type,
        data: new Map(
          (data as Array<[string, string]>).map(([m, sc]) => [keyOf(buf(m)), Number(sc)]),
        ),
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

/** The generic key commands (DEL, EXISTS, expiry, RENAME, KEYS/SCAN, FLUSH*, DUMP/RESTORE). */
export const KEY_COMMANDS: Record<string, CommandSpec> = {
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
};
