import type { CachesConfig } from '../lib/index.js';

/**
 * The sample's caches, from the environment so the same app runs against the local topology
 * that `npm run sample` starts, or against `docker/compose.yaml`:
 * - `VALKEY_URL` (default `valkey://127.0.0.1:6379/0`): a plain server for the `default` cache;
 * - `SENTINELS` (default `127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381`) and
 *   `SENTINEL_SERVICE` (default `mymaster`): the Sentinel group of the `sentinel` cache.
 */
export function sampleCaches(env: NodeJS.ProcessEnv = process.env): CachesConfig {
  const sentinels = (env['SENTINELS'] ?? '127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381')
    .split(',')
    .map((hp) => {
      const [host, port] = hp.trim().split(':');
      return [host ?? '127.0.0.1', Number(port)] as const;
    });
  return {
    default: {
      location: env['VALKEY_URL'] ?? 'valkey://127.0.0.1:6379/0',
      keyPrefix: 'sample',
      timeout: 60,
    },
    sentinel: {
      location: `valkey://${env['SENTINEL_SERVICE'] ?? 'mymaster'}/0`,
      keyPrefix: 'sample',
      timeout: 60,
      options: {
        clientClass: 'SentinelClient',
        sentinels,
        socketTimeout: 2,
      },
    },
  };
}
