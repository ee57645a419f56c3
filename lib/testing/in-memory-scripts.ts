import type { InMemoryReply } from './in-memory-server.js';

/** What a script emulation can do: run commands on the store, like Lua's `redis.call`. */
export interface InMemoryScriptApi {
  /**
   * Runs one command in the script's database and returns its raw reply: a `Buffer` for a bulk
   * or status string, a `number` for an integer, `null` for nil (Lua's `false`), an array.
   * Throws the command's `ReplyError` (which then fails the script, as on a server).
   */
  call(command: string, ...args: Array<string | Buffer | number>): InMemoryReply;
}

/**
 * An emulation of one Lua script: gets `KEYS` and `ARGV` as Buffers and returns the script's
 * reply as Lua would convert it (`null` for `false`/nil, a `number` for an integer, a `Buffer`
 * or string for a string, an array for a table).
 */
export type InMemoryScriptHandler = (
  redis: InMemoryScriptApi,
  keys: readonly Buffer[],
  argv: readonly Buffer[],
) => InMemoryReply | string | boolean;

const handlers = new Map<string, InMemoryScriptHandler>();

/** The form a script is recognised by: its source with every run of whitespace made one space. */
export function normalizeScript(source: string): string {
  return source.replace(/\s+/g, ' ').trim();
}

/**
 * Teaches every in-memory store to run the Lua script `source` (sent with `EVAL`, `EVALSHA`,
 * `SCRIPT LOAD` or iovalkey's `defineCommand`) by calling `handler` instead. The script is
 * recognised by its text (whitespace runs ignored). The module's own scripts are registered
 * already; any other script fails with a clear "not supported by the in-memory store" error
 * until it is registered.
 */
export function registerInMemoryScript(source: string, handler: InMemoryScriptHandler): void {
  handlers.set(normalizeScript(source), handler);
}

/** The emulation of `source`, if one is registered. */
export function scriptHandler(source: string): InMemoryScriptHandler | undefined {
  return handlers.get(normalizeScript(source));
}

const sameBytes = (a: InMemoryReply, b: Buffer | undefined): boolean =>
  Buffer.isBuffer(a) && b !== undefined && a.equals(b);

// The module's own scripts (lib/backends/valkey-cache.ts, lib/backends/cache-lock.ts and, at the
// end, lib/adapters/throttler.storage.ts), each emulated statement by statement. The text must
// stay identical to the library's: test/unit/testing-kit.spec.ts finds every `new LuaScript(...)`
// in lib/ and fails when one has no emulation here.

registerInMemoryScript(
  `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('INCRBY', KEYS[1], ARGV[1])
return redis.call('GET', KEYS[1])`,
  (redis, keys, argv) => {
    if (redis.call('EXISTS', keys[0]!) === 0) return null;
    redis.call('INCRBY', keys[0]!, argv[0]!);
    return redis.call('GET', keys[0]!);
  },
);

registerInMemoryScript(
  `redis.call('INCRBY', KEYS[1], ARGV[1])
return redis.call('GET', KEYS[1])`,
  (redis, keys, argv) => {
    redis.call('INCRBY', keys[0]!, argv[0]!);
    return redis.call('GET', keys[0]!);
  },
);

registerInMemoryScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
  (redis, keys, argv) =>
    sameBytes(redis.call('GET', keys[0]!), argv[0]) ? redis.call('DEL', keys[0]!) : 0,
);

registerInMemoryScript(
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local remaining = redis.call('PTTL', KEYS[1])
if remaining < 0 then return 0 end
local ttl = tonumber(ARGV[2])
if ARGV[3] ~= '1' then ttl = ttl + remaining end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`,
  (redis, keys, argv) => {
    if (!sameBytes(redis.call('GET', keys[0]!), argv[0])) return 0;
    const remaining = redis.call('PTTL', keys[0]!) as number;
    if (remaining < 0) return 0;
    let ttl = Number(argv[1]!.toString());
    if (argv[2]?.toString() !== '1') ttl += remaining;
    redis.call('PEXPIRE', keys[0]!, Math.trunc(ttl));
    return 1;
  },
);

// The throttler storage's fixed-window counter (lib/adapters/throttler.storage.ts).
registerInMemoryScript(
  `
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { tonumber(redis.call('GET', KEYS[2]) or '0'), blockLeft, 1, blockLeft }
end
if block <= 0 then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current >= limit then
    local left = redis.call('PTTL', KEYS[1])
    if left < 0 then left = ttl end
    return { current + 1, left, 1, left }
  end
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  left = ttl
end
if block > 0 and hits > limit then
  redis.call('SET', KEYS[2], hits, 'PX', block)
  redis.call('DEL', KEYS[1])
  return { hits, block, 1, block }
end
return { hits, left, 0, 0 }`,
  (redis, keys, argv) => {
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
  },
);
