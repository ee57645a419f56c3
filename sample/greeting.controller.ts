import { Controller, Get, Param, Post, UseInterceptors } from '@nestjs/common';
import { CacheInterceptor, CacheRouteTimeout, UseCache } from '../lib/caching/index.js';
import { InjectCache, ValkeyCache } from '../lib/index.js';

/** Seconds a greeting stays in the `sentinel` cache. */
export const GREETING_TIMEOUT_SECONDS = 60;

/** Body of `GET /greeting/:name`. */
export interface GreetingBody {
  readonly greeting: string;
  /** When the handler ran (ISO 8601): the same on every `X-Cache: HIT`. */
  readonly computedAt: string;
}

/** A greeting cached by the HTTP interceptor, and a visit counter in the plain cache. */
@Controller()
export class GreetingController {
  constructor(@InjectCache() private readonly cache: ValkeyCache) {}

  /**
   * Computes a greeting once per name; `CacheInterceptor` keeps the response in the `sentinel`
   * cache for {@link GREETING_TIMEOUT_SECONDS} s (written on the primary, read on the replicas)
   * and answers `X-Cache: MISS` or `HIT`.
   */
  @Get('greeting/:name')
  @UseInterceptors(CacheInterceptor)
  @UseCache('sentinel')
  @CacheRouteTimeout(GREETING_TIMEOUT_SECONDS)
  greeting(@Param('name') name: string): GreetingBody {
    return { greeting: `Hello, ${name}!`, computedAt: new Date().toISOString() };
  }

  /** Counts visits in the plain `default` cache (a raw integer in Valkey, so `INCR` works). */
  @Post('visits')
  async visit(): Promise<{ visits: number | bigint }> {
    return { visits: await this.cache.incr('visits', 1, { ignoreKeyCheck: true }) };
  }
}
