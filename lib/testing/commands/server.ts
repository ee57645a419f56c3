// Connection and server commands: PING, ECHO, SELECT, TIME, ROLE, INFO, CLIENT.
import { err, int, NOT_SUPPORTED, ok, replyError, status, text, upper } from './protocol.js';
import type { CommandSpec } from './types.js';

/** The connection and server commands (PING, SELECT, TIME, ROLE, INFO, CLIENT). */
export const SERVER_COMMANDS: Record<string, CommandSpec> = {
  ping: { arity: -1, run: (_ctx, [msg]) => (msg === undefined ? status('PONG') : msg) },
  echo: { arity: 2, run: (_ctx, [msg]) => msg! },
  select: {
    arity: 2,
    run(ctx, [db]) {
      const n = int(db);
      if (n < 0) throw replyError('ERR DB index is out of range');
      ctx.session.db = n;
      return ok();
    },
  },
  quit: { arity: -1, run: () => ok() },
  readonly: { arity: 1, run: () => ok() },
  readwrite: { arity: 1, run: () => ok() },
  time: {
    arity: 1,
    run(ctx) {
      const ms = ctx.now;
      return [status(String(Math.floor(ms / 1000))), status(String((ms % 1000) * 1000))];
    },
  },
  role: {
    arity: 1,
    run: (ctx) =>
      ctx.session.readOnly
        ? [status('slave'), status(ctx.server.name), 0, status('connected'), 0]
        : [status('master'), 0, []],
  },
  info: {
    arity: -1,
    run: (ctx, sections) => Buffer.from(ctx.server.info(sections.map(text), ctx)),
  },
  client: {
    arity: -2,
    run(ctx, [sub, ...rest]) {
      switch (upper(sub)) {
        case 'SETNAME':
          if (rest.length !== 1) throw err.syntax();
          ctx.session.name = text(rest[0]!);
          return ok();
        case 'GETNAME':
          return ctx.session.name === undefined ? null : Buffer.from(ctx.session.name);
        case 'ID':
          return ctx.session.id;
        case 'LIST':
          return Buffer.from(ctx.server.clientList(ctx.now));
        case 'INFO':
          return Buffer.from(ctx.server.clientLine(ctx.session, ctx.now) + '\n');
        case 'SETINFO':
        case 'NO-EVICT':
        case 'NO-TOUCH':
          return ok();
        default:
          throw replyError(`ERR unknown subcommand '${text(sub!)}' (${NOT_SUPPORTED})`);
      }
    },
  },
};
