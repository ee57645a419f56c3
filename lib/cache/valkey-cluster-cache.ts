import { ValkeyCache } from './valkey-cache.js';

/**
 * The cache of `backend: 'ValkeyClusterCache'` (a `ClusterClient`): the whole `ValkeyCache` API
 * on a Valkey Cluster. Single-key calls go to the key's slot; `getMany`/`setMany`/`deleteMany`
 * run one command per slot in parallel (`setMany` keeps its timeout, unlike Django's cluster
 * `set_many`); `mset`, set operations across keys, `smove`, `lmove`, and `blpop`/`brpop`/
 * `blmove` over several keys need their keys in one slot (a common `{tag}`; a
 * `CacheArgumentError` otherwise); `keys`/`iterKeys`/`deletePattern`/`clear` cover every primary.
 */
export class ValkeyClusterCache extends ValkeyCache {}
