/**
 * The per-alias connection factory token and the testing kit's one call, without a server:
 * `getConnectionFactoryToken(alias)` (shape, precedence of its default value, overriding it for
 * one cache whatever factory that cache names, closing), the warning when an overridden global
 * token loses to a cache's own factory, and `useInMemoryCaches(builder)` on an app module with
 * Sentinel, shard, cluster and `forRootAsync` caches. A spy on `net.Socket.prototype.connect`
 * proves no socket is opened.
 */
import 'reflect-metadata';
import net from 'node:net';
import { Logger, Module } from '@nestjs/common';
import { Test, type TestingModule, type TestingModuleBuilder } from '@nestjs/testing';
import { jest } from '@jest/globals';
import {
  CacheConfigError,
  CacheHandler,
  CacheModule,
  ConnectionFactory,
  getCacheToken,
  getConnectionFactoryToken,
  getSentinelClientToken,
  SentinelClient,
  SentinelConnectionFactory,
  ShardClient,
  VALKEY_CONNECTION_FACTORY,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import {
  ValkeyClusterCache,
  type ResolvedCacheConfig,
  type ValkeyConnectionFactory,
  type ValkeyPool,
} from '../../lib/extend/index.js';
import {
  InMemoryClusterClient,
  InMemoryConnectionFactory,
  useInMemoryCaches,
} from '../../lib/testing/index.js';

/** The kit's factory, recording which caches connected and how often it was closed. */
class RecordingFactory extends InMemoryConnectionFactory {
  readonly connected: string[] = [];
  closes = 0;
  override connect(url: string, cache: ResolvedCacheConfig): ValkeyPool {
    this.connected.push(cache.alias);
    return super.connect(url, cache);
  }
  override async close(): Promise<void> {
    this.closes++;
    await super.close();
  }
}

const SENTINELS: Array<[string, number]> = [['sentinel-1', 26379]];

/** The seed's mixed config: a plain cache, a Sentinel cache naming its own factory, shards. */
const CACHES: CachesConfig = {
  default: { location: 'valkey://127.0.0.1:6399/1', keyPrefix: 'app' },
  sentinel: {
    location: 'valkey://mymaster/1',
    options: {
      clientClass: 'SentinelClient',
      sentinels: SENTINELS,
      connectionPoolClass: 'SentinelConnectionPool',
      connectionFactory: 'SentinelConnectionFactory',
    },
  },
  shards: {
    location: ['valkey://127.0.0.1:6398/0', 'valkey://127.0.0.1:6397/0'],
    options: { clientClass: 'ShardClient' },
  },
};
const ALIASES = Object.keys(CACHES);

let connectSpy: ReturnType<typeof jest.spyOn>;
let warnSpy: ReturnType<typeof jest.spyOn>;
beforeEach(() => {
  connectSpy = jest.spyOn(net.Socket.prototype, 'connect');
  warnSpy = jest.spyOn(Logger.prototype, 'warn');
});
afterEach(() => {
  connectSpy.mockRestore();
  warnSpy.mockRestore();
});

/** Compiled modules still open; a failing test's are closed after it (no client left retrying). */
const open = new Set<TestingModule>();
function track(moduleRef: TestingModule): TestingModule {
  open.add(moduleRef);
  return moduleRef;
}
async function closeModule(moduleRef: TestingModule): Promise<void> {
  open.delete(moduleRef);
  await moduleRef.close();
}
afterEach(async () => {
  await Promise.all([...open].map((m) => closeModule(m)));
});

const warnings = (): string[] => warnSpy.mock.calls.map((c: unknown[]) => String(c[0]));

/** Sets then gets one value on each alias. */
async function roundTrips(get: (alias: string) => ValkeyCache, aliases: string[]): Promise<void> {
  for (const alias of aliases) {
    const cache = get(alias);
    expect(await cache.set('k', { alias }, 60)).toBe(true);
    expect(await cache.get('k')).toEqual({ alias });
  }
}

describe('getConnectionFactoryToken', () => {
  it('is one stable string per alias, distinct from the other tokens', () => {
    expect(getConnectionFactoryToken('sentinel')).toBe(
      'nestjs-valkey-cache:connection-factory:sentinel',
    );
    expect(getConnectionFactoryToken('sentinel')).toBe(getConnectionFactoryToken('sentinel'));
    expect(getConnectionFactoryToken()).toBe(getConnectionFactoryToken('default'));
    expect(getConnectionFactoryToken('a')).not.toBe(getConnectionFactoryToken('b'));
    expect(getConnectionFactoryToken('a')).not.toBe(getCacheToken('a'));
    expect(getConnectionFactoryToken('a')).not.toBe(getSentinelClientToken('a'));
  });

  it('resolves per alias by precedence: own factory > global set by the app > client default', async () => {
    const global = new ConnectionFactory();
    const moduleRef = track(
      await Test.createTestingModule({
        imports: [
          CacheModule.forRoot(
            {
              ...CACHES,
              other: { location: 'valkey://127.0.0.1:6399/2' },
              sentinel2: { ...CACHES['sentinel']!, location: 'valkey://other/1' },
            },
            { connectionFactory: global },
          ),
        ],
      }).compile(),
    );
    const token = (alias: string): ValkeyConnectionFactory =>
      moduleRef.get(getConnectionFactoryToken(alias));
    expect(token('default')).toBe(global);
    expect(token('other')).toBe(global);
    expect(token('sentinel')).toBeInstanceOf(SentinelConnectionFactory);
    // One instance per class within the module.
    expect(token('sentinel2')).toBe(token('sentinel'));
    // The cache is built with the factory under its token.
    expect(moduleRef.get(CacheHandler).client('sentinel').primary).toBeDefined();
    await closeModule(moduleRef);
    expect(warnings()).toEqual([]); // the app's own configuration warns about nothing
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('without any global factory, a SentinelClient cache gets its class default', async () => {
    const moduleRef = track(
      await Test.createTestingModule({
        imports: [
          CacheModule.forRoot({
            default: CACHES['default']!,
            s: {
              location: 'valkey://mymaster/0',
              options: { clientClass: 'SentinelClient', sentinels: SENTINELS },
            },
          }),
        ],
      }).compile(),
    );
    expect(moduleRef.get(getConnectionFactoryToken('s'))).toBeInstanceOf(SentinelConnectionFactory);
    expect(moduleRef.get(getConnectionFactoryToken('default')).constructor).toBe(ConnectionFactory);
    await closeModule(moduleRef);
  });

  it('overridden for every alias: each cache runs on it, own Sentinel factory included, with no socket', async () => {
    const fake = new RecordingFactory();
    let builder = Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)] });
    for (const alias of ALIASES) {
      builder = builder.overrideProvider(getConnectionFactoryToken(alias)).useValue(fake);
    }
    const moduleRef = track(await builder.compile());
    const handler = moduleRef.get(CacheHandler);
    expect(handler.client('sentinel')).toBeInstanceOf(SentinelClient);
    expect(handler.client('shards')).toBeInstanceOf(ShardClient);
    await roundTrips((a) => handler.get(a), ALIASES);
    expect([...new Set(fake.connected)].sort()).toEqual([...ALIASES].sort());
    await closeModule(moduleRef);
    // An overriding value is closed by the module (once), like every factory a cache uses.
    expect(fake.closes).toBe(1);
    // Closing an in-memory factory only ends its connections: the data stays readable.
    expect(await fake.client('valkey://127.0.0.1:6399/1').get('app:1:k')).toBe(
      '{"alias":"default"}',
    );
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('overridden for one alias: only that cache moves; the others keep their factories', async () => {
    const fake = new RecordingFactory();
    const moduleRef = track(
      await Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)] })
        .overrideProvider(getConnectionFactoryToken('sentinel'))
        .useValue(fake)
        .compile(),
    );
    const handler = moduleRef.get(CacheHandler);
    await roundTrips((a) => handler.get(a), ['sentinel']);
    expect(fake.connected).toEqual(['sentinel', 'sentinel']); // primary and replica pools
    expect(moduleRef.get(getConnectionFactoryToken('default')).constructor).toBe(ConnectionFactory);
    await closeModule(moduleRef);
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('the Sentinel boot checks still run, against the overriding factory', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          sentinel: {
            location: 'valkey://mymaster/1',
            options: {
              clientClass: 'SentinelClient',
              connectionPoolClass: 'ConnectionPool',
              connectionFactory: 'SentinelConnectionFactory',
            },
          },
        }),
      ],
    })
      .overrideProvider(getConnectionFactoryToken('sentinel'))
      .useValue(new InMemoryConnectionFactory())
      .compile();
    await expect(compiling).rejects.toBeInstanceOf(CacheConfigError);
    await expect(compiling).rejects.toThrow(
      /caches\.sentinel\.options\.connectionPoolClass: SentinelClient needs Sentinel pools, but 'InMemoryConnectionFactory'/,
    );
  });

  it('a cluster cache under an in-memory per-alias override fails boot, saying what to do', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          sessions: { backend: 'ValkeyClusterCache', location: 'valkey://node1:7000' },
        }),
      ],
    })
      .overrideProvider(getConnectionFactoryToken('sessions'))
      .useValue(new InMemoryConnectionFactory())
      .compile();
    await expect(compiling).rejects.toBeInstanceOf(CacheConfigError);
    await expect(compiling).rejects.toThrow(
      /caches\.sessions\.backend: .*useInMemoryCaches\(builder\)/,
    );
  });

  it('forRootAsync registers one token per declared alias', async () => {
    const fake = new RecordingFactory();
    const moduleRef = track(
      await Test.createTestingModule({
        imports: [CacheModule.forRootAsync({ aliases: ALIASES, useFactory: () => CACHES })],
      })
        .overrideProvider(getConnectionFactoryToken('sentinel'))
        .useValue(fake)
        .compile(),
    );
    expect(moduleRef.get(getConnectionFactoryToken('sentinel'))).toBe(fake);
    expect(moduleRef.get(getConnectionFactoryToken('shards'))).toBeInstanceOf(ConnectionFactory);
    await roundTrips((a) => moduleRef.get(getCacheToken(a)), ['sentinel']);
    await closeModule(moduleRef);
    expect(connectSpy).not.toHaveBeenCalled();
  });
});

describe('overriding only VALKEY_CONNECTION_FACTORY', () => {
  it('leaves a cache with its own factory on it, and warns once naming the alias', async () => {
    const fake = new RecordingFactory();
    const moduleRef = track(
      await Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)] })
        .overrideProvider(VALKEY_CONNECTION_FACTORY)
        .useValue(fake)
        .compile(),
    );
    expect(moduleRef.get(getConnectionFactoryToken('default'))).toBe(fake);
    expect(moduleRef.get(getConnectionFactoryToken('shards'))).toBe(fake);
    expect(moduleRef.get(getConnectionFactoryToken('sentinel'))).toBeInstanceOf(
      SentinelConnectionFactory,
    );
    const found = warnings().filter((w) => w.includes('VALKEY_CONNECTION_FACTORY'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /caches\.sentinel: VALKEY_CONNECTION_FACTORY was overridden, but this cache's own options\.connectionFactory \('SentinelConnectionFactory'\) wins.*getConnectionFactoryToken\('sentinel'\)/,
    );
    await closeModule(moduleRef);
    expect(connectSpy).not.toHaveBeenCalled(); // nothing used: nothing connected
  });

  it('does not warn when no cache names its own factory', async () => {
    const moduleRef = track(
      await Test.createTestingModule({
        imports: [CacheModule.forRoot({ default: CACHES['default']!, shards: CACHES['shards']! })],
      })
        .overrideProvider(VALKEY_CONNECTION_FACTORY)
        .useValue(new InMemoryConnectionFactory())
        .compile(),
    );
    await closeModule(moduleRef);
    expect(warnings()).toEqual([]);
  });
});

describe('useInMemoryCaches(builder)', () => {
  const ASYNC: CachesConfig = { sessions: { location: 'valkey://sessions:6379/0' } };
  @Module({
    imports: [
      CacheModule.forRoot({
        ...CACHES,
        cluster: {
          backend: 'ValkeyClusterCache',
          location: ['valkey://node1:7000', 'valkey://node2:7001'],
          options: { scaleReads: 'slave' },
        },
        herd: { location: 'valkey://127.0.0.1:6399/4', options: { clientClass: 'HerdClient' } },
        own: {
          location: 'valkey://127.0.0.1:6399/5',
          options: { connectionFactory: new ConnectionFactory() },
        },
      }),
    ],
  })
  class CachesModule {}
  @Module({
    imports: [
      CachesModule,
      CacheModule.forRootAsync({ aliases: ['sessions'], useFactory: async () => ASYNC }),
    ],
  })
  class AppModule {}
  const APP_ALIASES = [...ALIASES, 'cluster', 'herd', 'own'];

  it('runs every cache of an app module in memory, aliases found at boot, with no socket', async () => {
    const fake = new RecordingFactory();
    const builder: TestingModuleBuilder = useInMemoryCaches(
      Test.createTestingModule({ imports: [AppModule] }),
      { factory: fake },
    );
    const moduleRef = track(await builder.compile());
    // Aliases are unique across the two CacheModules: look each up wherever it is.
    const cacheOf = (alias: string): ValkeyCache =>
      moduleRef.get(getCacheToken(alias), { strict: false });
    expect(cacheOf('cluster')).toBeInstanceOf(ValkeyClusterCache);
    expect(cacheOf('cluster').client).toBeInstanceOf(InMemoryClusterClient);
    expect(cacheOf('sentinel').client).toBeInstanceOf(SentinelClient);
    await roundTrips(cacheOf, [...APP_ALIASES, 'sessions']);
    expect([...new Set(fake.connected)].sort()).toEqual([...APP_ALIASES, 'sessions'].sort());
    for (const alias of APP_ALIASES) {
      expect(moduleRef.get(getConnectionFactoryToken(alias), { strict: false })).toBe(fake);
    }
    expect(moduleRef.get(VALKEY_CONNECTION_FACTORY, { strict: false })).toBe(fake);
    // The data is where a real server would hold it.
    expect(await fake.client('valkey://127.0.0.1:6399/1').get('app:1:k')).toBe(
      '{"alias":"default"}',
    );
    await closeModule(moduleRef);
    expect(fake.closes).toBeGreaterThanOrEqual(1);
    expect(warnings().filter((w) => w.includes('VALKEY_CONNECTION_FACTORY'))).toEqual([]);
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('still reports the app config errors, naming the alias', async () => {
    @Module({
      imports: [
        CacheModule.forRoot({
          broken: {
            location: 'valkey://x:6379/0',
            options: { connectionFactory: 'NoSuchFactory' },
          },
        }),
      ],
    })
    class BrokenApp {}
    const compiling = useInMemoryCaches(
      Test.createTestingModule({ imports: [BrokenApp] }),
    ).compile();
    await expect(compiling).rejects.toBeInstanceOf(CacheConfigError);
    await expect(compiling).rejects.toThrow(/caches\.broken\.options\.connectionFactory/);
  });

  it('a per-alias override next to it still wins for that alias', async () => {
    const mine = new RecordingFactory();
    const moduleRef = track(
      await useInMemoryCaches(Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)] }))
        .overrideProvider(getConnectionFactoryToken('default'))
        .useValue(mine)
        .compile(),
    );
    await roundTrips((a) => moduleRef.get(getCacheToken(a)), ALIASES);
    expect([...new Set(mine.connected)]).toEqual(['default']);
    expect(moduleRef.get(getConnectionFactoryToken('sentinel'))).toBeInstanceOf(
      InMemoryConnectionFactory,
    );
    await closeModule(moduleRef);
    expect(connectSpy).not.toHaveBeenCalled();
  });
});
