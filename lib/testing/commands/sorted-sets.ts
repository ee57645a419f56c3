// Sorted-set commands: ZADD, ZINCRBY, ZPOPMAX/ZPOPMIN, the index and score ranges, ZRANK, ZREM,
// ZREMRANGEBYSCORE, ZSCORE.
import { dropIfEmpty, zsetOf } from './keyspace.js';
import { bin, err, float, int, keyOf, NOT_SUPPORTED, replyError, upper } from './protocol.js';
import type { CommandSpec, Context, InMemoryReply } from './types.js';

const notFloat = (): Error => err.notFloat();
const INFINITIES: ReadonlyMap<string, number> = new Map([
  ['inf', Infinity],
  ['+inf', Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-inf', -Infinity],
  ['-infinity', -Infinity],
]);

/** A score argument as Valkey's `strtod` reads it (the infinities included, `nan` refused). */
function score(b: Buffer, fail: () => Error = notFloat): number {
  const inf = INFINITIES.get(b.toString('latin1').toLowerCase());
  if (inf !== undefined) return inf;
  try {
    return float(b);
  } catch {
    throw fail();
  }
}

/** A score as Valkey replies it: the shortest round-trip form, `inf` / `-inf`. */
function scoreReply(n: number): Buffer {
  if (n === Infinity) return Buffer.from('inf');
  if (n === -Infinity) return Buffer.from('-inf');
  return Buffer.from(String(n));
}

/** A range bound: `(x` is exclusive; `-inf`, `+inf`. */
function bound(b: Buffer): { value: number; exclusive: boolean } {
  const s = b.toString('latin1');
  const exclusive = s.startsWith('(');
  const rest = exclusive ? Buffer.from(s.slice(1), 'latin1') : b;
  return {
    value: score(rest, () => replyError('ERR min or max is not a float')),
    exclusive,
  };
}

function within(x: number, min: ReturnType<typeof bound>, max: ReturnType<typeof bound>): boolean {
  const aboveMin = min.exclusive ? x > min.value : x >= min.value;
  const belowMax = max.exclusive ? x < max.value : x <= max.value;
  return aboveMin && belowMax;
}

/** The members in order: score, then the member's bytes. */
function sorted(z: Map<string, number> | undefined): Array<[string, number]> {
  if (!z) return [];
  return [...z].sort(([m1, s1], [m2, s2]) =>
    s1 !== s2 ? s1 - s2 : m1 < m2 ? -1 : m1 > m2 ? 1 : 0,
  );
}

function flat(items: Array<[string, number]>, withscores: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (const [m, s] of items) {
    out.push(bin(m));
    if (withscores) out.push(scoreReply(s));
  }
  return out;
}

/** ZRANGE / ZREVRANGE: `start`/`stop` indexes, negative from the end, then `[WITHSCORES]`. */
function byIndex(ctx: Context, args: Buffer[], reverse: boolean): InMemoryReply {
  const [k, a, b, ...opts] = args;
  let withscores = false;
  for (const o of opts) {
    const opt = upper(o);
    if (opt === 'WITHSCORES') withscores = true;
    else if (opt === 'BYSCORE' || opt === 'BYLEX' || opt === 'REV' || opt === 'LIMIT')
      throw replyError(`ERR ZRANGE ${opt} is ${NOT_SUPPORTED}`);
    else throw err.syntax();
  }
  const items = sorted(zsetOf(ctx, keyOf(k!), false));
  if (reverse) items.reverse();
  const n = items.length;
  let start = int(a);
  let stop = int(b);
  if (start < 0) start = Math.max(0, n + start);
  if (stop < 0) stop = n + stop;
  if (stop >= n) stop = n - 1;
  if (start > stop || start >= n) return [];
  return flat(items.slice(start, stop + 1), withscores);
}

/** ZRANGEBYSCORE key min max / ZREVRANGEBYSCORE key max min, `[WITHSCORES] [LIMIT offset count]`. */
function byScore(ctx: Context, args: Buffer[], reverse: boolean): InMemoryReply {
  const [k, first, second, ...opts] = args;
  const [min, max] = reverse ? [bound(second!), bound(first!)] : [bound(first!), bound(second!)];
  let withscores = false;
  let offset = 0;
  let count = -1;
  for (let i = 0; i < opts.length; i++) {
    const opt = upper(opts[i]);
    if (opt === 'WITHSCORES') withscores = true;
    else if (opt === 'LIMIT' && i + 2 < opts.length) {
      offset = int(opts[++i]);
      count = int(opts[++i]);
    } else throw err.syntax();
  }
  const items = sorted(zsetOf(ctx, keyOf(k!), false)).filter(([, s]) => within(s, min, max));
  if (reverse) items.reverse();
  if (offset < 0) return [];
  const page = items.slice(offset, count < 0 ? undefined : offset + count);
  return flat(page, withscores);
}

function popScored(ctx: Context, [k, c]: Buffer[], highest: boolean): InMemoryReply {
  const key = keyOf(k!);
  const count = c === undefined ? 1 : int(c);
  if (count < 0) throw replyError('ERR value is out of range, must be positive');
  const z = zsetOf(ctx, key, false);
  if (!z) return [];
  const items = sorted(z);
  if (highest) items.reverse();
  const taken = items.slice(0, count);
  for (const [m] of taken) z.delete(m);
  dropIfEmpty(ctx, key);
  return flat(taken, true);
}

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member …]. */
function zadd(ctx: Context, [k, ...rest]: Buffer[]): InMemoryReply {
  const flags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
  let i = 0;
  for (; i < rest.length; i++) {
    const f = upper(rest[i]).toLowerCase();
    if (!Object.hasOwn(flags, f)) break;
    flags[f as keyof typeof flags] = true;
  }
  const pairs = rest.slice(i);
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw err.syntax();
  if (flags.nx && flags.xx)
    throw replyError('ERR XX and NX options at the same time are not compatible');
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt))
    throw replyError('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (flags.incr && pairs.length > 2)
    throw replyError('ERR INCR option supports a single increment-element pair');
  const scores = pairs.filter((_, j) => j % 2 === 0).map((b) => score(b));
  const key = keyOf(k!);
  const z = zsetOf(ctx, key, false) ?? (flags.xx ? undefined : zsetOf(ctx, key, true));
  if (!z) return flags.incr ? null : 0;
  let added = 0;
  let changed = 0;
  let last: number | null = null;
  for (let j = 0; j < scores.length; j++) {
    const member = keyOf(pairs[2 * j + 1]!);
    const current = z.get(member);
    let next = scores[j]!;
    if (current === undefined) {
      if (flags.xx) continue;
      z.set(member, next);
      added++;
      last = next;
      continue;
    }
    if (flags.nx) continue;
    if (flags.incr) {
      next = current + next;
      if (Number.isNaN(next)) throw replyError('ERR resulting score is not a number (NaN)');
    }
    if ((flags.gt && next <= current) || (flags.lt && next >= current)) continue;
    last = next;
    if (next !== current) {
      z.set(member, next);
      changed++;
    }
  }
  dropIfEmpty(ctx, key);
  if (flags.incr) return last === null ? null : scoreReply(last);
  return flags.ch ? added + changed : added;
}

/** The sorted-set commands (ZADD … ZSCORE). */
export const SORTED_SET_COMMANDS: Record<string, CommandSpec> = {
  zadd: { arity: -4, write: true, run: zadd },
  zincrby: {
    arity: 4,
    write: true,
    run(ctx, [k, by, m]) {
      const z = zsetOf(ctx, keyOf(k!), true)!;
      const next = (z.get(keyOf(m!)) ?? 0) + score(by!);
      if (Number.isNaN(next)) throw replyError('ERR resulting score is not a number (NaN)');
      z.set(keyOf(m!), next);
      return scoreReply(next);
    },
  },
  zcard: { arity: 2, run: (ctx, [k]) => zsetOf(ctx, keyOf(k!), false)?.size ?? 0 },
  zcount: {
    arity: 4,
    run(ctx, [k, a, b]) {
      const [min, max] = [bound(a!), bound(b!)];
      return sorted(zsetOf(ctx, keyOf(k!), false)).filter(([, s]) => within(s, min, max)).length;
    },
  },
  zscore: {
    arity: 3,
    run(ctx, [k, m]) {
      const s = zsetOf(ctx, keyOf(k!), false)?.get(keyOf(m!));
      return s === undefined ? null : scoreReply(s);
    },
  },
  zrank: {
    arity: 3,
    run(ctx, [k, m]) {
      const i = sorted(zsetOf(ctx, keyOf(k!), false)).findIndex(([x]) => x === keyOf(m!));
      return i < 0 ? null : i;
    },
  },
  zrem: {
    arity: -3,
    write: true,
    run(ctx, [k, ...members]) {
      const z = zsetOf(ctx, keyOf(k!), false);
      if (!z) return 0;
      const removed = members.filter((m) => z.delete(keyOf(m))).length;
      dropIfEmpty(ctx, keyOf(k!));
      return removed;
    },
  },
  zremrangebyscore: {
    arity: 4,
    write: true,
    run(ctx, [k, a, b]) {
      const [min, max] = [bound(a!), bound(b!)];
      const z = zsetOf(ctx, keyOf(k!), false);
      if (!z) return 0;
      let removed = 0;
      for (const [m, s] of [...z]) if (within(s, min, max) && z.delete(m)) removed++;
      dropIfEmpty(ctx, keyOf(k!));
      return removed;
    },
  },
  zpopmax: { arity: -2, write: true, run: (ctx, args) => popScored(ctx, args, true) },
  zpopmin: { arity: -2, write: true, run: (ctx, args) => popScored(ctx, args, false) },
  zrange: { arity: -4, run: (ctx, args) => byIndex(ctx, args, false) },
  zrevrange: { arity: -4, run: (ctx, args) => byIndex(ctx, args, true) },
  zrangebyscore: { arity: -4, run: (ctx, args) => byScore(ctx, args, false) },
  zrevrangebyscore: { arity: -4, run: (ctx, args) => byScore(ctx, args, true) },
};
