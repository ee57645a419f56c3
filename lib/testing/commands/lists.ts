// List commands: pushes, pops, LRANGE, LINDEX, LTRIM.
import { dropIfEmpty, listOf, typed } from './keyspace.js';
import { int, keyOf, ok } from './protocol.js';
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

/** The list commands (LPUSH … LTRIM). */
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
};
