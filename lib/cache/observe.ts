import type { Valkey } from 'iovalkey';
import type { DefaultClient } from '../client/default-client.js';
import type { ValkeyPool } from '../connection/connection-pool-types.js';
import type { FailoverEvent } from '../connection/sentinel/sentinel-pool-events.js';
import { CacheEvents, type CacheEventMap } from './cache-events.js';
import { CacheMetrics } from './cache-metrics.js';

type SentinelEvent = 'failover' | 'primary-changed' | 'replicas-changed';

/** What a `SentinelClient` offers to subscribe to its pools' events. */
interface SentinelEvents {
  on<K extends SentinelEvent>(event: K, listener: (...args: CacheEventMap[K]) => void): unknown;
}

/** The pools of `client` (none for a cluster client, which keeps its own connections). */
function poolsOf(client: DefaultClient): ValkeyPool[] {
  const pools: ValkeyPool[] = [];
  const primary = client.primary as ValkeyPool | undefined;
  if (primary) pools.push(primary);
  for (const p of client.replicas) if (p) pools.push(p);
  return pools;
}

/** Whether a failover event ends a failover that happened (not an aborted one). */
export function completesFailover(e: FailoverEvent): boolean {
  return e.phase === 'end' && !e.reason.startsWith('-failover-abort');
}

/**
 * The metrics and the events emitter of one cache (`cache.metrics`, `cache.events`). For a
 * Sentinel cache it counts completed failovers and forwards the pools' Sentinel events.
 */
export function observeCache(
  alias: string,
  client: DefaultClient,
): { metrics: CacheMetrics; events: CacheEvents } {
  const metrics = new CacheMetrics(alias);
  const events = new CacheEvents(alias, {
    clients: (): Valkey[] => poolsOf(client).flatMap((p) => [...p.clients()]),
    reports: client.connectionReports,
  });
  if (client.isSentinel) {
    const sentinel = client as unknown as SentinelEvents;
    sentinel.on('failover', (e) => {
      if (completesFailover(e)) metrics.failovers++;
      events.emit('failover', e);
    });
    sentinel.on('primary-changed', (e) => events.emit('primary-changed', e));
    sentinel.on('replicas-changed', (e) => events.emit('replicas-changed', e));
  }
  return { metrics, events };
}
