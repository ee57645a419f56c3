import {
  Injectable,
  Logger,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { from, lastValueFrom, of, switchMap, type Observable } from 'rxjs';
import type { Timeout } from '../cache/cache-options.js';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { CacheArgumentError, CacheError } from '../errors.js';
import { CacheHandler } from '../module/cache-handler.js';
import type { RouteKeyFactory, RouteTimeoutFactory } from './cache-route-decorators.js';
import {
  DEFAULT_CACHE_ALIAS,
  ROUTE_CACHE_ALIAS,
  ROUTE_CACHE_DISABLED,
  ROUTE_CACHE_KEY,
  ROUTE_CACHE_TIMEOUT,
  X_CACHE_HEADER,
} from './caching-constants.js';
import { FlightGroups } from '../util/single-flight.js';

/** Where a response came from, as the `X-Cache` header says. */
export type CacheStatus = 'HIT' | 'MISS';

/** What one run of a route (or one cache read) produced, shared with coalesced requests. */
interface Outcome {
  readonly source: CacheStatus;
  readonly value: unknown;
  /** Whether requests that waited for this run may answer with `value`. */
  readonly shared: boolean;
}

/** The adapter calls the interceptor uses (Express and Fastify both implement them). */
interface HttpAdapterCalls {
  getRequestMethod(request: unknown): string;
  getRequestUrl(request: unknown): string;
  setHeader(response: unknown, name: string, value: string): unknown;
  isHeadersSent?(response: unknown): boolean;
}

/** `@Sse()` metadata key (`SSE_METADATA` of `@nestjs/common/constants`, not exported by the index). */
const SSE_METADATA = '__sse__';
const MISSING: unique symbol = Symbol('nestjs-valkey-cache:missing');
const flights = new FlightGroups<Outcome>();

/**
 * Caches the responses of GET routes in a named cache (the equivalent of
 * `@nestjs/cache-manager`'s `CacheInterceptor`). Use it per controller or route with
 * `@UseInterceptors(CacheInterceptor)`, or for every route with
 * `{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }`; works on the Express and Fastify
 * adapters. It finds the application's `CacheModule` by itself (no import needed where it is
 * used).
 *
 * - Key: the request URL (path and query, as received) unless the route has
 *   {@link CacheRouteKey}; the cache's `keyPrefix` and `version` apply. Alias: the route's or
 *   its controller's {@link UseCache}, else `'default'`. Timeout: {@link CacheRouteTimeout}
 *   (seconds), else the cache's default.
 * - Only GET responses are stored; HEAD requests are answered from the cache when the GET
 *   response is there. Other methods, `@Sse()` routes, non-HTTP contexts and routes with
 *   {@link NoRouteCache} pass through untouched.
 * - Stored: what the handler returned, when the response status is 2xx and the value is not
 *   `undefined`, a `StreamableFile` or a stream, and the handler did not send the response itself.
 *   Headers the handler set on the response are not stored.
 * - Every cached route's response carries `X-Cache: HIT` (served from the cache) or `MISS`.
 * - Concurrent requests for one key in this process share one cache read and one handler run
 *   (the first request's); they get its result, error included, and `X-Cache` of that run. When
 *   that result cannot be shared (not storable, see above) each waiting request runs its handler.
 * - Cache errors follow the cache's options: with `ignoreExceptions` an unreachable server is a
 *   miss and the handler answers; otherwise the request fails with the typed `CacheError`. A
 *   value the cache's serializer refuses (e.g. a `Buffer` with JSON) is sent uncached, with a
 *   warning logged that names the route's path (never its query string, which may hold tokens).
 *
 * Subclass it to change {@link trackBy} (the key) or {@link defaultAlias}.
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  /** Alias used when neither the route nor its controller has `@UseCache`. */
  protected readonly defaultAlias: string = DEFAULT_CACHE_ALIAS;
  private handler: CacheHandler | undefined;
  private readonly logger = new Logger('CacheInterceptor');

  constructor(
    private readonly moduleRef: ModuleRef,
    protected readonly reflector: Reflector,
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Serves the request from the cache, or runs the handler and stores its result. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const adapter = this.adapterHost?.httpAdapter as unknown as HttpAdapterCalls | undefined;
    if (context.getType() !== 'http' || !adapter) return next.handle();
    const method = adapter.getRequestMethod(context.switchToHttp().getRequest());
    if (method !== 'GET' && method !== 'HEAD') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(ROUTE_CACHE_DISABLED, targets) === true)
      return next.handle();
    if (this.reflector.get<boolean>(SSE_METADATA, context.getHandler())) return next.handle();
    return from(this.serve(context, next, adapter, method)).pipe(switchMap((out) => out));
  }

  /**
   * The cache key of a request (before the cache's prefix and version): the route's
   * {@link CacheRouteKey}, else the request URL. `undefined` leaves the request uncached.
   */
  protected trackBy(context: ExecutionContext): string | undefined {
    const meta = this.reflector.get<string | RouteKeyFactory | undefined>(
      ROUTE_CACHE_KEY,
      context.getHandler(),
    );
    if (typeof meta === 'function') return meta(context);
    if (typeof meta === 'string') return meta;
    const adapter = this.adapterHost.httpAdapter as unknown as HttpAdapterCalls;
    return adapter.getRequestUrl(context.switchToHttp().getRequest());
  }

  private async serve(
    context: ExecutionContext,
    next: CallHandler,
    adapter: HttpAdapterCalls,
    method: string,
  ): Promise<Observable<unknown>> {
    const key = this.trackBy(context);
    if (key === undefined || key === '') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    const alias =
      this.reflector.getAllAndOverride<string | undefined>(ROUTE_CACHE_ALIAS, targets) ??
      this.defaultAlias;
    const cache = this.cacheOf(alias);
    const response: unknown = context.switchToHttp().getResponse();
    const mark = (status: CacheStatus): void => {
      if (adapter.isHeadersSent?.(response) !== true)
        adapter.setHeader(response, X_CACHE_HEADER, status);
    };

    if (method === 'HEAD') {
      const hit = await cache.get<unknown, typeof MISSING>(key, MISSING);
      mark(hit === MISSING ? 'MISS' : 'HIT');
      return hit === MISSING ? next.handle() : of(hit);
    }
    const timeout = this.timeoutOf(context);
    const { result, leader } = flights
      .of(cache)
      .run(key, () => this.fill(cache, key, timeout, next, response, mark, context));
    const outcome = await result;
    if (leader) return of(outcome.value);
    mark(outcome.source);
    return outcome.shared ? of(outcome.value) : next.handle();
  }

  /** The leader's run: read the cache, else run the handler and store what it returned. */
  private async fill(
    cache: ValkeyCache,
    key: string,
    timeout: Timeout,
    next: CallHandler,
    response: unknown,
    mark: (status: CacheStatus) => void,
    context: ExecutionContext,
  ): Promise<Outcome> {
    const hit = await cache.get<unknown, typeof MISSING>(key, MISSING);
    if (hit !== MISSING) {
      mark('HIT');
      return { source: 'HIT', value: hit, shared: true };
    }
    mark('MISS');
    const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
    if (!this.storable(value, response)) return { source: 'MISS', value, shared: false };
    try {
      await cache.set(key, value, timeout);
    } catch (err) {
      if (!(err instanceof CacheArgumentError)) throw err;
      // Never the key: it is the URL with its query string, which may carry tokens.
      this.logger.warn(`response of ${this.routeOf(context)} not cached: ${err.message}`);
    }
    return { source: 'MISS', value, shared: true };
  }

  /** `GET /path (Controller.method)`: the request path without its query string. */
  private routeOf(context: ExecutionContext): string {
    const adapter = this.adapterHost.httpAdapter as unknown as HttpAdapterCalls;
    const req: unknown = context.switchToHttp().getRequest();
    const path = adapter.getRequestUrl(req).split(/[?#]/, 1)[0];
    return `${adapter.getRequestMethod(req)} ${path} (${context.getClass().name}.${context.getHandler().name})`;
  }

  private storable(value: unknown, response: unknown): boolean {
    if (value === undefined || value instanceof StreamableFile) return false;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { pipe?: unknown }).pipe === 'function'
    )
      return false;
    const adapter = this.adapterHost.httpAdapter as unknown as HttpAdapterCalls;
    if (adapter.isHeadersSent?.(response) === true) return false;
    const status = (response as { statusCode?: unknown }).statusCode;
    return typeof status !== 'number' || (status >= 200 && status < 300);
  }

  private timeoutOf(context: ExecutionContext): Timeout {
    const meta = this.reflector.getAllAndOverride<number | null | RouteTimeoutFactory | undefined>(
      ROUTE_CACHE_TIMEOUT,
      [context.getHandler(), context.getClass()],
    );
    return typeof meta === 'function' ? meta(context) : meta;
  }

  private cacheOf(alias: string): ValkeyCache {
    const handler = (this.handler ??= this.findHandler(alias));
    try {
      return handler.get(alias);
    } catch {
      throw new CacheError(
        `CacheInterceptor: no such cache; configured aliases: ${handler.aliases().join(', ')}; ` +
          'name one with @UseCache(alias)',
        alias,
      );
    }
  }

  private findHandler(alias: string): CacheHandler {
    try {
      return this.moduleRef.get(CacheHandler, { strict: false });
    } catch (err) {
      throw new CacheError(
        'CacheInterceptor: no CacheModule in this application; import CacheModule.forRoot(...)',
        alias,
        { cause: err },
      );
    }
  }
}
