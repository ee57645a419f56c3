// List commands: pushes, pops, LRANGE, LINDEX, LTRIM, LREM, LSET, LINSERT, LMOVE, and the blocking
// BLPOP, BRPOP and BLMOVE, which never wait here: with nothing to pop they reply nil at once, as
// a real server does once the timeout has passed (and as it does inside MULTI).
import { dropIfEmpty, listOf, typed } from './keyspace.js';
import { err, int, keyOf, ok, replyError, upper } from './protocol.js';
import type { CommandSpec, Context, InMemoryReply } from './types.js';

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

/** A blocking command's timeout: seconds, a float, not negative. */
function blockingTimeout(b: Buffer | undefined): number {
  const s = b === undefined ? '' : b.toString('latin1');
  const t = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(t)) throw replyError('ERR timeout is not a float or out of range');
  if (t < 0) throw replyError('ERR timeout is negative');
  return t;
}

function side(b: Buffer | undefined): 'left' | 'right' {
  const s = upper(b);
  if (s === 'LEFT') return 'left';
  if (s === 'RIGHT') return 'right';
  throw err.syntax();
}

/** LMOVE's work: pops from `from` of `src`, pushes to `to` of `dst`; nil when `src` is empty. */
function move(
  ctx: Context,
  s: Buffer,
  d: Buffer,
  from: 'left' | 'right',
  to: 'left' | 'right',
): InMemoryReply {
  const src = listOf(ctx, keyOf(s), false);
  if (!src) return null;
  listOf(ctx, keyOf(d), false); // WRONGTYPE check of the destination
  const value = from === 'left' ? src.shift()! : src.pop()!;
  dropIfEmpty(ctx, keyOf(s));
  const dst = listOf(ctx, keyOf(d), true)!;
  if (to === 'left') dst.unshift(value);
  else dst.push(value);
  return value;
}

/** BLPOP / BRPOP: the first non-empty list of the keys, `[key, element]`; nil when all are empty. */
function blockingPop(ctx: Context, args: Buffer[], side: 'left' | 'right'): InMemoryReply {
  blockingTimeout(args[args.length - 1]);
  for (const k of args.slice(0, -1)) {
    const list = listOf(ctx, keyOf(k), false);
    if (!list) continue;
    const value = side === 'left' ? list.shift()! : list.pop()!;
    dropIfEmpty(ctx, keyOf(k));
    return [Buffer.from(k), value];
  }
  return null;
}

/** The list commands (LPUSH … BLMOVE). */
export const LIST_COMMANDS: Record<string, CommandSpec> = {
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
  lrem: {
    arity: 4,
    write: true,
    run(ctx, [k, c, v]) {
      const key = keyOf(k!);
      const count = int(c);
      const list = listOf(ctx, key, false);
      if (!list) return 0;
      const limit = count === 0 ? Infinity : Math.abs(count);
      let removed = 0;
      if (count >= 0) {
        for (let i = 0; i < list.length && removed < limit;) {
          if (list[i]!.equals(v!)) {
            list.splice(i, 1);
            removed++;
          } else i++;
        }
      } else {
        for (let i = list.length - 1; i >= 0 && removed < limit; i--) {
          if (list[i]!.equals(v!)) {
            list.splice(i, 1);
            removed++;
          }
        }
      }
      dropIfEmpty(ctx, key);
      return removed;
    },
  },
  lset: {
    arity: 4,
    write: true,
    run(ctx, [k, i, v]) {
      const list = listOf(ctx, keyOf(k!), false);
      if (!list) throw err.noSuchKey();
      const n = int(i);
      const at = n < 0 ? list.length + n : n;
      if (at < 0 || at >= list.length) throw replyError('ERR index out of range');
      list[at] = Buffer.from(v!);
      return ok();
    },
  },
  linsert: {
    arity: 5,
    write: true,
    run(ctx, [k, w, pivot, v]) {
      const where = upper(w);
      if (where !== 'BEFORE' && where !== 'AFTER') throw err.syntax();
      const list = listOf(ctx, keyOf(k!), false);
      if (!list) return 0;
      const i = list.findIndex((x) => x.equals(pivot!));
      if (i < 0) return -1;
      list.splice(where === 'BEFORE' ? i : i + 1, 0, Buffer.from(v!));
      return list.length;
    },
  },
  lmove: {
    arity: 5,
    write: true,
    run: (ctx, [s, d, from, to]) => move(ctx, s!, d!, side(from), side(to)),
  },
  blmove: {
    arity: 6,
    write: true,
    run(ctx, [s, d, from, to, t]) {
      const [f, w] = [side(from), side(to)];
      blockingTimeout(t);
      return move(ctx, s!, d!, f, w);
    },
  },
  blpop: { arity: -3, write: true, run: (ctx, args) => blockingPop(ctx, args, 'left') },
  brpop: { arity: -3, write: true, run: (ctx, args) => blockingPop(ctx, args, 'right') },
};
