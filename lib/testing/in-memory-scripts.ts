import { THROTTLER_INCREMENT } from '../adapters/throttler-script.js';
import { EXTEND, RELEASE } from '../cache/cache-lock.js';
import { INCR_ANY, INCR_EXISTING } from '../cache/commands/counters.js';
import { registerInMemoryScript } from './commands/script-registry.js';
import type { InMemoryReply } from './commands/types.js';

const sameBytes = (a: InMemoryReply, b: Buffer | undefined): boolean =>
  Buffer.isBuffer(a) && b !== undefined && a.equals(b);

// The module's own scripts (lib/cache/commands/counters.ts, lib/cache/cache-lock.ts and, at the
// end, lib/adapters/throttler-script.ts), registered by the script objects themselves and each
// emulated statement by statement: a change to a script's Lua must be made here too.
// test/unit/testing-kit.spec.ts finds every `new LuaScript(...)` in lib/ and fails when one has
// no emulation here.

registerInMemoryScript(INCR_EXISTING, (redis, keys, argv) => {
  if (redis.call('EXISTS', keys[0]!) === 0) return null;
  redis.call('INCRBY', keys[0]!, argv[0]!);
  return redis.call('GET', keys[0]!);
});

registerInMemoryScript(INCR_ANY, (redis, keys, argv) => {
  redis.call('INCRBY', keys[0]!, argv[0]!);
  return redis.call('GET', keys[0]!);
});

registerInMemoryScript(RELEASE, (redis, keys, argv) =>
  sameBytes(redis.call('GET', keys[0]!), argv[0]) ? redis.call('DEL', keys[0]!) : 0,
);

registerInMemoryScript(EXTEND, (redis, keys, argv) => {
  if (!sameBytes(redis.call('GET', keys[0]!), argv[0])) return 0;
  const remaining = redis.call('PTTL', keys[0]!) as number;
  if (remaining < 0) return 0;
  let ttl = Number(argv[1]!.toString());
  if (argv[2]?.toString() !== '1') ttl += remaining;
  redis.call('PEXPIRE', keys[0]!, Math.trunc(ttl));
  return 1;
});

// The throttler storage's fixed-window counter (lib/adapters/throttler-script.ts).
registerInMemoryScript(THROTTLER_INCREMENT, (redis, keys, argv) => {
  const [hitsKey, blockKey] = [keys[0]!, keys[1]!];
  const num = (b: Buffer | undefined): number => Number(b?.toString());
  const getNumber = (key: Buffer): number => {
    const v = redis.call('GET', key);
    return Buffer.isBuffer(v) ? Number(v.toString()) : 0;
  };
  const ttl = num(argv[0]);
  const limit = num(argv[1]);
  const block = num(argv[2]);
  const blockLeft = redis.call('PTTL', blockKey) as number;
  if (blockLeft > 0) return [getNumber(blockKey), blockLeft, 1, blockLeft];
  if (block <= 0) {
    const current = getNumber(hitsKey);
    if (current >= limit) {
      let left = redis.call('PTTL', hitsKey) as number;
      if (left < 0) left = ttl;
      return [current + 1, left, 1, left];
    }
  }
  const hits = redis.call('INCR', hitsKey) as number;
  let left = redis.call('PTTL', hitsKey) as number;
  if (left < 0) {
    redis.call('PEXPIRE', hitsKey, ttl);
    left = ttl;
  }
  if (block > 0 && hits > limit) {
    redis.call('SET', blockKey, hits, 'PX', block);
    redis.call('DEL', hitsKey);
    return [hits, block, 1, block];
  }
  return [hits, left, 0, 0];
});
