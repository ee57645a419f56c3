import type { ValkeyCache } from '../cache/valkey-cache.js';

/** A set of caches for an export: a `CacheHandler` (every alias), or a list of caches. */
export type CacheSource =
  | {
      /** Every alias of the module. */
      aliases(): string[];
      /** The cache of `alias`. */
      get(alias: string): ValkeyCache;
    }
  | Iterable<ValkeyCache>;

/** The caches of `source`, in its order. */
export function cachesOf(source: CacheSource): ValkeyCache[] {
  return 'aliases' in source && typeof source.aliases === 'function'
    ? source.aliases().map((a) => source.get(a))
    : [...(source as Iterable<ValkeyCache>)];
}
