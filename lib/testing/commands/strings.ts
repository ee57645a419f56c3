// String commands: GET/SET and their variants, MGET/MSET, APPEND, the INCR family.
import { lookup, store, stringValue, typed } from './keyspace.js';
import {
  err,
  float,
  int,
  INT64_MAX,
  INT64_MIN,
  keyOf,
  ok,
  parseInt64,
  replyError,
  upper,
} from './protocol.js';
import type { CommandSpec, Context } from './types.js';

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

/** The string commands (GET, SET and its variants, counters, MGET/MSET). */
export const STRING_COMMANDS: Record<string, CommandSpec> = {
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
};
