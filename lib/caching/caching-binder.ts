import {
  Injectable,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CacheError } from '../errors.js';
import { CacheHandler } from '../module/cache-handler.js';
import { cachedMethodsOf } from './cached-decorator.js';
import { ROUTE_CACHE_ALIAS } from './caching-constants.js';
import {
  bindToHandlers,
  registerRunningHandler,
  unregisterRunningHandler,
} from './handler-registry.js';

/**
 * Part of every `CacheModule` (internal): registers the module's `CacheHandler` for `@Cached`
 * while the application runs (from the end of a successful `onModuleInit` to shutdown, so a boot
 * that fails leaves nothing registered), binds the application's singleton providers and controllers that
 * have `@Cached` methods to it, and fails the boot with one {@link CacheError} listing every
 * `@Cached` method and `@UseCache` route that names an alias no `CacheModule` of the application
 * configures.
 */
@Injectable()
export class CachingBinder implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly scanner = new MetadataScanner();

  constructor(
    private readonly handler: CacheHandler,
    private readonly discovery: DiscoveryService,
  ) {}

  onModuleInit(): void {
    const providers = this.discovery.getProviders();
    const controllers = this.discovery.getControllers();
    const handlers = [
      ...new Set(
        providers
          .map((w) => w.instance as unknown)
          .filter((i): i is CacheHandler => i instanceof CacheHandler),
      ),
    ];
    if (!handlers.includes(this.handler)) handlers.push(this.handler);
    const configured = new Set(handlers.flatMap((h) => h.aliases()));
    const problems: string[] = [];
    const unknown = (alias: string): string =>
      `'${alias}' (configured: ${[...configured].join(', ') || 'none'})`;

    for (const wrapper of [...providers, ...controllers]) {
      const instance = staticInstance(wrapper);
      if (!instance) continue;
      const methods = cachedMethodsOf(instance);
      if (methods.length === 0) continue;
      bindToHandlers(instance, handlers);
      for (const m of methods) {
        if (!configured.has(m.alias)) {
          problems.push(
            `@Cached ${instance.constructor.name}.${m.name} names the cache ${unknown(m.alias)}`,
          );
        }
      }
    }
    for (const wrapper of controllers) {
      const cls = wrapper.metatype as unknown;
      if (typeof cls !== 'function') continue;
      const onClass = getMetadata(ROUTE_CACHE_ALIAS, cls);
      if (typeof onClass === 'string' && !configured.has(onClass))
        problems.push(`@UseCache on ${cls.name} names the cache ${unknown(onClass)}`);
      const proto = (cls as { prototype: object }).prototype;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = (proto as Record<string, unknown>)[name];
        if (typeof method !== 'function') continue;
        const alias = getMetadata(ROUTE_CACHE_ALIAS, method);
        if (typeof alias === 'string' && !configured.has(alias))
          problems.push(`@UseCache on ${cls.name}.${name} names the cache ${unknown(alias)}`);
      }
    }
    if (problems.length > 0) {
      throw new CacheError(
        `caching decorators name caches that are not configured:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    }
    // Only once every check passed: a failed boot must not leave a handler in the running set.
    registerRunningHandler(this.handler);
  }

  onModuleDestroy(): void {
    unregisterRunningHandler(this.handler);
  }

  onApplicationShutdown(): void {
    unregisterRunningHandler(this.handler);
  }
}

type Wrapper = ReturnType<DiscoveryService['getProviders']>[number];

function staticInstance(wrapper: Wrapper): object | undefined {
  if (wrapper.isTransient || !wrapper.isDependencyTreeStatic()) return undefined;
  const instance = wrapper.instance as unknown;
  return typeof instance === 'object' && instance !== null ? instance : undefined;
}

function getMetadata(key: string, target: unknown): unknown {
  const reflect = Reflect as unknown as { getMetadata?: (k: string, t: object) => unknown };
  return reflect.getMetadata?.(key, target as object);
}
