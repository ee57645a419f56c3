/**
 * The public `CacheModule` brings the `@Cached` binder of lib/caching: an app needs no setup of
 * its own, in memory (`CacheTestingModule`) as on servers; the module layer's `BaseCacheModule`
 * builds the caches without it.
 */
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cached } from '../../lib/caching/index.js';
import { CacheError, CacheModule } from '../../lib/index.js';
import { CachingBinder } from '../../lib/caching/caching-binder.js';
import { BaseCacheModule } from '../../lib/module/cache-module.js';
import { CacheTestingModule } from '../../lib/testing/index.js';

const LOCATION = 'valkey://127.0.0.1:6379/0';

@Injectable()
class Counter {
  runs = 0;

  @Cached({ key: 'count:{0}', timeout: 30 })
  async count(id: number): Promise<number> {
    this.runs++;
    return id * 10;
  }
}

@Injectable()
class Misnamed {
  @Cached({ cache: 'nope' })
  async find(): Promise<number> {
    return 1;
  }
}

describe('CacheModule and the caching binder', () => {
  it('binds @Cached providers of the app with no setup (CacheTestingModule)', async () => {
    const ref = await Test.createTestingModule({
      imports: [CacheTestingModule.forRoot({ default: { location: LOCATION } })],
      providers: [Counter],
    }).compile();
    await ref.init();
    const counter = ref.get(Counter);
    expect(await counter.count(2)).toBe(20);
    expect(await counter.count(2)).toBe(20);
    expect(counter.runs).toBe(1);
    await ref.close();
  });

  it('fails the boot when a @Cached method names an alias no CacheModule configures', async () => {
    const ref = await Test.createTestingModule({
      imports: [CacheTestingModule.forRoot({ default: { location: LOCATION } })],
      providers: [Misnamed],
    }).compile();
    const err = await ref.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CacheError);
    expect((err as Error).message).toContain(
      "@Cached Misnamed.find names the cache 'nope' (configured: default)",
    );
    await ref.close();
  });

  it('adds the binder in the caching layer, not in the module layer', () => {
    const caches = { default: { location: LOCATION } };
    expect(CacheModule.forRoot(caches).providers).toContain(CachingBinder);
    expect(CacheModule.forRoot(caches).module).toBe(CacheModule);
    expect(BaseCacheModule.forRoot(caches).providers).not.toContain(CachingBinder);
    expect(BaseCacheModule.forRoot(caches).module).toBe(BaseCacheModule);
  });
});
