import type { Logger } from '@nestjs/common';
import type { SentinelKwargs } from '../../config/cache-config.js';
import { connectionKey } from '../connection-key.js';
import type { NodeAddress } from '../node-address.js';
import { sentinelConnectionOptions } from './sentinel-connection-options.js';
import { SentinelMonitor } from './sentinel-monitor.js';

const monitors = new Map<string, SentinelMonitor>();

export function acquireMonitor(
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
  let monitor = monitors.get(key);
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
    monitors.set(key, monitor);
  }
  monitor.users++;
  return monitor;
}

export async function releaseMonitor(monitor: SentinelMonitor): Promise<void> {
  if (--monitor.users > 0) return;
  if (monitors.get(monitor.key) === monitor) monitors.delete(monitor.key);
  await monitor.close();
}
