import { THROTTLER_INCREMENT } from '../adapters/throttler-script.js';
import { EXTEND, RELEASE } from '../cache/cache-lock.js';
import { INCR_ANY, INCR_EXISTING } from '../cache/commands/counters.js';
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
 * Teaches every in-memory store to run a Lua script (sent with `EVAL`, `EVALSHA`, `SCRIPT LOAD`
 * or iovalkey's `defineCommand`) by calling `handler` instead. `script` is the script's source
 * text, or an object holding it in `source` (such as the library's `LuaScript`); the script is
 * recognised by its text (whitespace runs ignored). The module's own scripts are registered
 * already; any other script fails with a clear "not supported by the in-memory store" error
 * until it is registered.
 */
export function registerInMemoryScript(
  script: string | { readonly source: string },
  handler: InMemoryScriptHandler,
): void {
  handlers.set(normalizeScript(typeof script === 'string' ? script : script.source), handler);
}

/** The emulation of `source`, if one is registered. */
export function scriptHandler(source: string): InMemoryScriptHandler | undefined {
  return handlers.get(normalizeScript(source));
}

const sameBytes = (a: InMemoryReply, b: Buffer | undefined): boolean =>
  Buffer.isBuffer(a) && b !== undefined && a.equals(b);

// The module's own scripts (lib/cache/valkey-cache.ts, lib/cache/cache-lock.ts and, at the
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
