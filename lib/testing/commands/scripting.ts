// Scripting commands: SCRIPT LOAD/EXISTS/FLUSH and EVAL/EVALSHA, run by the emulations of
// script-registry.ts.
import { type InMemoryScriptApi, normalizeScript, scriptHandler } from './script-registry.js';
import { err, int, NOT_SUPPORTED, ok, replyError, text, toArg, upper } from './protocol.js';
import type { CommandSpec, Context, InMemoryReply } from './types.js';

function runScriptBySha(ctx: Context, args: Buffer[]): InMemoryReply {
  const sha = text(args[0]!).toLowerCase();
  const source = ctx.server.scriptSource(sha);
  if (source === undefined) throw replyError('NOSCRIPT No matching script.');
  return runScript(ctx, source, args);
}

function runScript(ctx: Context, source: string, args: Buffer[]): InMemoryReply {
  const sha = ctx.server.loadScript(source);
  const numkeys = int(args[1]);
  if (numkeys < 0) throw replyError("ERR Number of keys can't be negative");
  if (numkeys > args.length - 2)
    throw replyError("ERR Number of keys can't be greater than number of args");
  const handler = scriptHandler(source);
  if (!handler) {
    throw replyError(
      `ERR this Lua script is ${NOT_SUPPORTED} (sha1 ${sha}: '${normalizeScript(source).slice(0, 80)}'); ` +
        `emulate it with registerInMemoryScript() from 'nestjs-valkey-cache/testing'`,
    );
  }
  const api: InMemoryScriptApi = {
    call: (command, ...callArgs) => ctx.server.run(ctx, command.toLowerCase(), callArgs.map(toArg)),
  };
  let reply;
  try {
    reply = handler(api, args.slice(2, 2 + numkeys), args.slice(2 + numkeys));
  } catch (e) {
    if (e instanceof Error && e.name === 'ReplyError')
      throw replyError(`${e.message} script: ${sha}, on @user_script.`);
    throw e;
  }
  return fromLua(reply);
}

/** Lua's conversion of a script's return value to a reply. */
function fromLua(value: InMemoryReply | string | boolean): InMemoryReply {
  if (value === true) return 1;
  if (value === false) return null;
  if (typeof value === 'string') return Buffer.from(value);
  if (typeof value === 'number') return Math.trunc(value);
  if (Array.isArray(value)) {
    const out: InMemoryReply[] = [];
    for (const v of value) {
      if (v === null) break; // a Lua array stops at the first nil
      out.push(fromLua(v));
    }
    return out;
  }
  return value;
}

/** The scripting commands (SCRIPT, EVAL, EVALSHA and their read-only forms). */
export const SCRIPTING_COMMANDS: Record<string, CommandSpec> = {
  script: {
    arity: -2,
    run(ctx, [sub, ...rest]) {
      switch (upper(sub)) {
        case 'LOAD':
          if (rest.length !== 1) throw err.syntax();
          return Buffer.from(ctx.server.loadScript(text(rest[0]!)));
        case 'EXISTS':
          return rest.map((sha) => (ctx.server.scriptSource(text(sha)) === undefined ? 0 : 1));
        case 'FLUSH':
          ctx.server.flushScripts();
          return ok();
        default:
          throw replyError(`ERR unknown subcommand '${text(sub!)}' (${NOT_SUPPORTED})`);
      }
    },
  },
  eval: { arity: -3, run: (ctx, args) => runScript(ctx, text(args[0]!), args) },
  eval_ro: { arity: -3, run: (ctx, args) => runScript(ctx, text(args[0]!), args) },
  evalsha: { arity: -3, run: (ctx, args) => runScriptBySha(ctx, args) },
  evalsha_ro: { arity: -3, run: (ctx, args) => runScriptBySha(ctx, args) },
};
