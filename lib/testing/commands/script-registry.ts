// The registry of Lua script emulations: what EVAL and EVALSHA look a script up in. The
// module's own scripts are registered in ../in-memory-scripts.ts; users add theirs with
// registerInMemoryScript().
import type { InMemoryReply } from './types.js';

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
