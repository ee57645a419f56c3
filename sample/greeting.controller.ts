import { Controller, Get, Param, Post } from '@nestjs/common';
import {
  InjectCache,
  InjectSentinelClient,
  type SentinelClient,
  ValkeyCache,
} from '../lib/index.js';

/** A tiny API over two caches: a plain one and a Sentinel one. */
@Controller()
export class GreetingController {
  constructor(
    @InjectCache() private readonly cache: ValkeyCache,
    @InjectCache('sentinel') private readonly sentinelCache: ValkeyCache,
    @InjectSentinelClient('sentinel') private readonly sentinelClient: SentinelClient,
  ) {}

  /** Computes a greeting once per name and serves it from the Sentinel cache for 60 s. */
  @Get('greeting/:name')
  async greeting(
    @Param('name') name: string,
  ): Promise<{ greeting: string; cachedFor: number | null }> {
    const greeting = await this.sentinelCache.getOrSet(
      `greeting:${name}`,
      () => `Hello, ${name}!`,
      60,
    );
    return { greeting, cachedFor: await this.sentinelCache.ttl(`greeting:${name}`) };
  }

  /** Counts visits in the plain cache (a raw integer in Valkey, so `INCR` works). */
  @Post('visits')
  async visit(): Promise<{ visits: number | bigint }> {
    return { visits: await this.cache.incr('visits', 1, { ignoreKeyCheck: true }) };
  }

  /** Where the Sentinel cache's primary and replicas are right now, as the sentinels say. */
  @Get('topology')
  topology(): ReturnType<SentinelClient['topology']> {
    return this.sentinelClient.topology();
  }
}
