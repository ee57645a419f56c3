import type { ValkeyCache } from '../cache/valkey-cache.js';
import type { CacheHandler } from '../module/cache-handler.js';
import { CacheError } from '../errors.js';

/**
 * Where `@Cached` methods find their caches. `CacheModule` registers its `CacheHandler` here
 * once its `onModuleInit` checks passed and binds every singleton provider and controller of its application that has
 * `@Cached` methods to it at `onModuleInit`; it unregisters when the application closes.
 */

/** Instances bound to the caches of their application (one handler per `CacheModule`). */
const bound = new WeakMap<object, CacheHandler[]>();
/** Handlers of the applications that are running in this process. */
const running = new Set<CacheHandler>();
/** Handlers whose application has been closed. */
const closed = new WeakSet<CacheHandler>();

/** Records that `handler`'s application runs (called once its `CacheModule` booted). */
export function registerRunningHandler(handler: CacheHandler): void {
  running.add(handler);
}

/** Records that `handler`'s application is closing. */
export function unregisterRunningHandler(handler: CacheHandler): void {
  running.delete(handler);
  closed.add(handler);
}

/** Binds `instance` (a provider or controller) to the caches of its application. */
export function bindToHandlers(instance: object, handlers: readonly CacheHandler[]): void {
  bound.set(instance, [...handlers]);
}

function pick(
  handlers: readonly CacheHandler[],
  alias: string,
  where: string,
  instanceIsBound: boolean,
): ValkeyCache {
  if (handlers.length === 1) {
    try {
      return handlers[0]!.get(alias);
    } catch {
      // not configured: reported below with every alias
    }
  }
  const having = handlers.filter((h) => h.aliases().includes(alias));
  if (having.length === 1 || (having.length > 1 && instanceIsBound)) return having[0]!.get(alias);
  if (having.length > 1) {
    throw new CacheError(
      `${where}: ${having.length} running applications configure this cache and this object ` +
        'belongs to none of them; make its class a (singleton) provider of one application',
      alias,
    );
  }
  const known = [...new Set(handlers.flatMap((h) => h.aliases()))];
  throw new CacheError(
    `${where}: no such cache; configured aliases: ${known.join(', ') || '(none)'}`,
    alias,
  );
}

/**
 * The cache `alias` for a `@Cached` call on `self`: through the application `self` is bound to,
 * else the one running `CacheModule` of the process. Throws a {@link CacheError} naming the
 * alias and `where` when the alias is not configured, when no `CacheModule` runs (or the
 * instance's application was closed), or when several applications could serve an unbound object.
 */
export function cacheFor(self: unknown, alias: string, where: string): ValkeyCache {
  const handlers =
    (typeof self === 'object' && self !== null) || typeof self === 'function'
      ? bound.get(self)
      : undefined;
  if (handlers) {
    if (handlers.every((h) => closed.has(h))) {
      throw new CacheError(`${where}: the application of this object has been closed`, alias);
    }
    return pick(handlers, alias, where, true);
  }
  if (running.size === 0) {
    throw new CacheError(
      `${where}: no CacheModule is running in this process; import CacheModule.forRoot(...) ` +
        'in the application and call this method while the application runs',
      alias,
    );
  }
  return pick([...running], alias, where, false);
}
