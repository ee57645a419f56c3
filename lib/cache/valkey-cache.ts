import { ListCommands } from './commands/lists.js';

/**
 * A named cache (django-valkey's `ValkeyCache`), what `@InjectCache(alias)` hands a service.
 *
 * - Keys are strings; stored keys are `${keyPrefix}:${version}:${key}` unless a `keyFunction`
 *   says otherwise, so a Django service using django-valkey with the same prefix shares them.
 * - Timeouts are in **seconds** (fractions kept, stored with `PX`) unless the method name starts
 *   with `p` (milliseconds): omitted means the cache's default `timeout` (300 s unless
 *   configured), `null` never expires, `<= 0` deletes the key.
 * - Integers are stored as raw ASCII digits (`INCR` works from any client); integers beyond 2^53
 *   come back as `bigint`.
 *
 * With `options.ignoreExceptions`, connection and timeout errors of `get`, `getMany`/`mget`,
 * `set`, `add`, `setMany`, `mset`, `delete`, `deleteMany`, `hasKey`, `touch` and `getOrSet`
 * return a fallback (the default value, `{}`, `false`, `0`, every key, or the computed value)
 * instead of throwing, logged at warn level when `logIgnoredExceptions` is on; every other call,
 * and every non-connection error, throws a typed `CacheError` naming the alias.
 */
export class ValkeyCache extends ListCommands {
  /**
   * Django's `close()`: releases this cache's connections when `options.closeConnection` is set;
   * otherwise a no-op (connections are closed on application shutdown).
   */
  async close(): Promise<void> {
    if (this.config.closeConnection) await this.client.close();
  }
}
