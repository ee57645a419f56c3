import { createHash } from 'node:crypto';
import type { Valkey } from 'iovalkey';

/**
 * A Lua script run with `EVALSHA`, falling back to `EVAL` once when the server has not cached it
 * (after a restart or a failover to a node that never saw it).
 */
export class LuaScript {
  /** SHA1 of {@link source} (hex), the name `EVALSHA` runs the script by. */
  readonly sha: string;

  constructor(
    /** The script's Lua source, as sent with `EVAL` (the testing kit recognises scripts by it). */
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: Valkey,
    keys: readonly string[],
    args: ReadonlyArray<string | number | Buffer>,
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return client.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}
