/**
 * Helpers of the `caching-*.spec.ts` files (@Cached and CacheInterceptor): cache configs on the
 * shared standalone server (database 0) and the shared Sentinel group (database 0), each with a
 * key prefix unique to the run, and plain clients to look at what the server holds.
 */
import { randomUUID } from 'node:crypto';
import { Valkey } from 'iovalkey';
import type { CacheConfig, CachesConfig } from '../../lib/index.js';
import { adminCommand } from '../harness/admin-command.js';
import { allocatePort } from '../harness/ports.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { waitFor } from '../harness/wait.js';

/** Database of the shared standalone server (and of the Sentinel group) these specs use. */
export const CACHING_DB = 0;
/** Default timeout of the caches these specs configure, in seconds. */
export const DEFAULT_TIMEOUT_S = 120;

/** A key prefix unique to this run. */
export function uniquePrefix(tag: string): string {
  return `${tag}-${randomUUID().slice(0, 8)}`;
}

/** The full key the server holds for `key` under `prefix` (version 1). */
export function fullKey(prefix: string, key: string): string {
  return `${prefix}:1:${key}`;
}

/** A cache on the shared standalone server's database {@link CACHING_DB}. */
export function standaloneConfig(prefix: string): CacheConfig {
  return {
    location: sharedTopology().valkeyUrl(CACHING_DB),
    keyPrefix: prefix,
    timeout: DEFAULT_TIMEOUT_S,
  };
}

/** A Sentinel cache on the shared group (reads go to the replicas). */
export function sentinelConfig(prefix: string): CacheConfig {
  const shared = sharedTopology();
  return {
    location: shared.sentinelUrl(CACHING_DB),
    keyPrefix: prefix,
    timeout: DEFAULT_TIMEOUT_S,
    options: {
      clientClass: 'SentinelClient',
      sentinels: shared.sentinelPairs.map(([h, p]) => [h, p] as [string, number]),
      socketTimeout: 2,
    },
  };
}

/** Only a `default` cache (standalone), with a key prefix {@link uniquePrefix} makes of `tag`. */
export function standaloneOnly(tag: string): CachesConfig {
  return { default: standaloneConfig(uniquePrefix(tag)) };
}

/** The `default` cache (standalone, key prefix `prefix`) and the `sentinel` cache (`sprefix`). */
export function standaloneAndSentinel(prefix: string, sprefix: string): CachesConfig {
  return { default: standaloneConfig(prefix), sentinel: sentinelConfig(sprefix) };
}

/**
 * Caches on a free port (from {@link allocatePort}) where nothing listens: `lenient` ignores
 * exceptions, `strict` does not.
 */
export async function deadServerConfigs(): Promise<Record<'lenient' | 'strict', CacheConfig>> {
  const port = await allocatePort();
  const location = `valkey://127.0.0.1:${port}/0`;
  const options = {
    socketTimeout: 0.3,
    socketConnectTimeout: 0.3,
    // iovalkey's disconnect() of a socket that never connected arms a 2 s timer by default.
    connectionPoolKwargs: { disconnectTimeout: 50 },
  };
  return {
    lenient: { location, options: { ...options, ignoreExceptions: true } },
    strict: { location, options },
  };
}

/** A plain client on the shared standalone server's database {@link CACHING_DB}. */
export function rawStandalone(): Valkey {
  const { host, port } = sharedTopology().standalone;
  return new Valkey({ host, port, db: CACHING_DB, lazyConnect: true, maxRetriesPerRequest: 1 });
}

/** `PTTL` of `key` on the Sentinel group's primary (database 0). */
export async function sentinelPttl(key: string): Promise<number> {
  return Number(await adminCommand(sharedTopology().primary, ['PTTL', key]));
}

/** Waits until every replica of the Sentinel group holds `key` (database 0). */
export async function replicatedToAll(key: string): Promise<void> {
  const { replicas } = sharedTopology();
  await waitFor(
    async () => {
      const found = await Promise.all(replicas.map((r) => adminCommand(r, ['EXISTS', key])));
      return found.every((n) => Number(n) === 1) ? true : undefined;
    },
    { timeoutMs: 5000, intervalMs: 20, what: `${key} on every replica` },
  );
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
