import type { CachesConfig } from '../lib/index.js';

/** The caches the sample injects: a plain server, a Sentinel service, and its replicas only. */
export const SAMPLE_ALIASES = ['default', 'sentinel', 'readonly'] as const;

/** One of {@link SAMPLE_ALIASES}. */
export type SampleAlias = (typeof SAMPLE_ALIASES)[number];

/**
 * Command and connect timeout of every sample cache, in seconds (the library's default is 5):
 * bounds how long a request waits for Valkey, e.g. during a failover.
 */
export const SAMPLE_SOCKET_TIMEOUT_SECONDS = 2;

/**
 * The sample's caches, in the TypeScript form of the seed's Sentinel examples (`sentinel` and
 * `default` from "Use sentinel and normal servers together", `readonly` from "a minimal example
 * only using replicas in read only mode"), read from the environment so the same app runs
 * against the local topology that `npm run sample` starts, or against `docker/compose.yaml`:
 * - `VALKEY_URL` (default `valkey://127.0.0.1:6379/0`): a plain server for the `default` cache;
 * - `SENTINELS` (default `127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381`) and
 *   `SENTINEL_SERVICE` (default `mymaster`): the Sentinel group of the `sentinel` cache (writes
 *   on the primary, reads on the replicas) and of the `readonly` cache (replicas only; it reads
 *   what `sentinel` writes: same key prefix, same database);
 * - `SENTINEL_DB` (default `0`): the database of both Sentinel caches.
 */
export function sampleCaches(env: NodeJS.ProcessEnv = process.env): CachesConfig {
  const sentinels = (env['SENTINELS'] ?? '127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381')
    .split(',')
    .map((hp) => {
      const [host, port] = hp.trim().split(':');
      return [host ?? '127.0.0.1', Number(port)] as [string, number];
    });
  const service = env['SENTINEL_SERVICE'] ?? 'mymaster';
  const db = Number(env['SENTINEL_DB'] ?? 0);
  return {
    default: {
      location: env['VALKEY_URL'] ?? 'valkey://127.0.0.1:6379/0',
      keyPrefix: 'sample',
      timeout: 60,
      options: {
        clientClass: 'DefaultClient',
        socketTimeout: SAMPLE_SOCKET_TIMEOUT_SECONDS,
        socketConnectTimeout: SAMPLE_SOCKET_TIMEOUT_SECONDS,
      },
    },
    sentinel: {
      location: `valkey://${service}/${db}`,
      keyPrefix: 'sample',
      timeout: 60,
      options: {
        clientClass: 'SentinelClient',
        sentinels,
        connectionPoolClass: 'SentinelConnectionPool',
        connectionFactory: 'SentinelConnectionFactory',
        socketTimeout: SAMPLE_SOCKET_TIMEOUT_SECONDS,
        socketConnectTimeout: SAMPLE_SOCKET_TIMEOUT_SECONDS,
      },
    },
    readonly: {
      location: `valkey://${service}/${db}?is_master=0`,
      keyPrefix: 'sample',
      timeout: 60,
      options: {
        sentinels,
        connectionFactory: 'SentinelConnectionFactory',
        socketTimeout: SAMPLE_SOCKET_TIMEOUT_SECONDS,
        socketConnectTimeout: SAMPLE_SOCKET_TIMEOUT_SECONDS,
      },
    },
  };
}
