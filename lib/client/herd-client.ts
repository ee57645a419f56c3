import type { ConfigProblem } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import type { ValkeyConnectionFactory } from '../connection/connection-factory-types.js';
import { DefaultClient } from './default-client.js';

type Problem = Omit<ConfigProblem, 'alias'>;

/**
 * django-valkey's `HerdClient` (thundering-herd protection): connections and routing of a
 * {@link DefaultClient} (primary + replicas), with the value semantics of `HerdCache`, which
 * the cache module builds around it: values stored with their logical expiry and a real TTL
 * longer by `options.herdTimeout` (default 60 s), stale values served to all but the caller
 * that refreshes, single-flight `getOrSet`, `incr`/`decr` refused.
 */
export class HerdClient extends DefaultClient {
  /** Boot checks: `options.herdTimeout` must be a number of seconds >= 0. */
  static override validateCacheConfig(
    config: ResolvedCacheConfig,
    _factory: ValkeyConnectionFactory,
  ): Problem[] {
    const problems: Problem[] = [];
    if (config.earlyRecompute !== undefined) {
      problems.push({
        path: 'options.earlyRecompute',
        message:
          'is not used by HerdClient, whose getOrSet has its own herd protection; use one or the other',
      });
    }
    const t = config.herdTimeout;
    if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t >= 0)) {
      problems.push({
        path: 'options.herdTimeout',
        message: `HerdClient needs a herd timeout of 0 seconds or more, got ${String(t)}`,
      });
    }
    return problems;
  }
}
