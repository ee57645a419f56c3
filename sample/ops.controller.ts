import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import {
  InjectCache,
  InjectSentinelClient,
  type SentinelClient,
  type SentinelTopologySnapshot,
  type ValkeyCache,
} from '../lib/index.js';
import { ValkeyHealthIndicator } from '../lib/health/index.js';
import { SAMPLE_ALIASES } from './sample.config.js';

/** Bound of each cache's health check, in milliseconds. */
export const HEALTH_TIMEOUT_MS = 1000;

/** Body of `GET /topology`. */
export interface TopologyBody extends SentinelTopologySnapshot {
  /** The Sentinel service name (the host part of the cache's location). */
  readonly service: string;
}

/** Operations endpoints: Terminus health of every cache, and the Sentinel topology. */
@Controller()
export class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly valkey: ValkeyHealthIndicator,
    @InjectCache('sentinel') private readonly sentinelCache: ValkeyCache,
    @InjectSentinelClient('sentinel') private readonly sentinelClient: SentinelClient,
  ) {}

  /**
   * `200` with `status: "ok"` when every cache answers within {@link HEALTH_TIMEOUT_MS} ms (and,
   * for the Sentinel caches, at least one sentinel answers), else `503` naming the cache down.
   */
  @Get('health')
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check(
      SAMPLE_ALIASES.map(
        (alias) => () => this.valkey.isHealthy(alias, { timeoutMs: HEALTH_TIMEOUT_MS }),
      ),
    );
  }

  /** Where the Sentinel primary and the healthy replicas are right now, as the sentinels say. */
  @Get('topology')
  async topology(): Promise<TopologyBody> {
    const service = new URL(this.sentinelCache.config.locations[0] ?? '').hostname;
    return { service, ...(await this.sentinelClient.topology()) };
  }
}
