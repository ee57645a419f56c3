import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BaseCacheModule, type CacheModuleExtension } from '../module/cache-module.js';
import { CachingBinder } from './caching-binder.js';

/**
 * The package's `CacheModule`: `BaseCacheModule` (every cache, factory and token) plus the
 * binder of this layer, so the application's `@Cached` methods and `@UseCache` routes reach its
 * caches with no setup of their own (see `CachingBinder`).
 */
@Module({})
export class CacheModule extends BaseCacheModule {
  protected static override extension(): CacheModuleExtension {
    return { imports: [DiscoveryModule], providers: [CachingBinder] };
  }
}
