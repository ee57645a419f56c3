// Hash commands: HSET, HGET, HDEL, HINCRBY, HSCAN.
import { dropIfEmpty, hashOf } from './keyspace.js';
import { bin, err, INT64_MAX, INT64_MIN, keyOf, ok, parseInt64, replyError } from './protocol.js';
import { collectionScan } from './scan.js';
import type { CommandSpec } from './types.js';

/** The hash commands (HSET … HSCAN). */
export const HASH_COMMANDS: Record<string, CommandSpec> = {
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
      HASH_COMMANDS['hset']!.run(ctx, args);
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
};
