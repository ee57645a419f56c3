import type { Logger } from '@nestjs/common';
import type { SentinelKwargs } from '../../config/cache-config.js';
import { connectionKey } from '../connection-key.js';
import type { NodeAddress } from '../node-address.js';
import { sentinelConnectionOptions } from './sentinel-connection-options.js';
import { SentinelMonitor } from './sentinel-monitor.js';

/**
 * The Sentinel monitors of one owner (a `SentinelConnectionFactory`, or a pool built on its
 * own): pools watching the same service through the same sentinels share one monitor, counted by
 * user and closed by its last user or by {@link close}. Nothing is shared across owners, so two
 * apps in one process share monitors only when they share a factory instance.
 */
export class SentinelMonitors {
  private readonly monitors = new Map<string, SentinelMonitor>();

  acquire(
    service: string,
    sentinels: readonly NodeAddress[],
    kwargs: SentinelKwargs | undefined,
    refreshIntervalMs: number,
    followPromotion: boolean,
    logger: Logger,
  ): SentinelMonitor {
    const key = connectionKey([
      service,
      sentinels,
      kwargs ?? null,
      refreshIntervalMs,
      followPromotion,
    ]);
    let monitor = this.monitors.get(key);
    if (!monitor || monitor.isClosed) {
      const options = sentinelConnectionOptions(kwargs);
      monitor = new SentinelMonitor(
        key,
        service,
        sentinels,
        options,
        refreshIntervalMs,
        followPromotion,
        logger,
      );
      this.monitors.set(key, monitor);
    }
    monitor.users++;
    return monitor;
  }

  async release(monitor: SentinelMonitor): Promise<void> {
    if (--monitor.users > 0) return;
    if (this.monitors.get(monitor.key) === monitor) this.monitors.delete(monitor.key);
    await monitor.close();
  }

  /** Closes every monitor, whatever its users. */
  async close(): Promise<void> {
    const all = [...this.monitors.values()];
    this.monitors.clear();
    await Promise.allSettled(all.map((m) => m.close()));
  }
}
