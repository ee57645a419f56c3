// Set commands: SADD, SREM, SMEMBERS, SPOP, set algebra, SSCAN.
import { dropIfEmpty, setOf, store } from './keyspace.js';
import { bin, int, keyOf, replyError } from './protocol.js';
import { collectionScan } from './scan.js';
import type { CommandSpec, Context } from './types.js';

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

/** The set commands (SADD … SSCAN). */
export const SET_COMMANDS: Record<string, CommandSpec> = {
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
};
