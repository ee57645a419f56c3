import 'reflect-metadata';
import net from 'node:net';
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheModule,
  type CacheConfig,
  getCacheToken,
  ValkeyCache,
  type CachesConfig,
} from '../../lib/index.js';
import { sharedTopology } from '../harness/shared-topology.js';

// Every way out of bootstrap leaves no socket behind, against the real sentinels: this file
// owns database 8 of the Sentinel group.
const DB = 8;
const SETTLE_MS = 3000;
const topology = sharedTopology();
const CACHES: CachesConfig = {
  sentinel: {
    location: topology.sentinelUrl(DB),
    keyPrefix: 'bootstrap-cleanup',
    options: {
      connectionFactory: 'SentinelConnectionFactory',
      sentinels: topology.sentinelPairs.map(([h, p]) => [h, p] as [string, number]),
    },
  },
};

/** Every socket this process starts to connect while the spy is on. */
const opened: net.Socket[] = [];
const realConnect = net.Socket.prototype.connect;
beforeAll(() => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    opened.push(this);
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = realConnect;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sockets opened since `from` that are still open `SETTLE_MS` later, and how many were opened. */
async function leftOpen(from: number): Promise<{ open: string[]; openedAfterClose: number }> {
  const atClose = opened.length;
  await sleep(SETTLE_MS);
  return {
    open: opened
      .slice(from)
      .filter((s) => !s.destroyed)
      .map((s) => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`),
    openedAfterClose: opened.length - atClose,
  };
}

@Injectable()
class Broken {
  constructor(@Inject(getCacheToken('sentinel')) cache: ValkeyCache) {
    throw new Error(`Broken cannot start (it was given cache '${cache.alias}')`);
  }
}

@Injectable()
class UsesCacheOnInit implements OnModuleInit {
  constructor(@Inject(getCacheToken('sentinel')) private readonly cache: ValkeyCache) {}
  async onModuleInit(): Promise<void> {
    await this.cache.set('warm', 1, 60);
  }
}

@Injectable()
class FailsOnInit implements OnModuleInit {
  onModuleInit(): void {
    throw new Error('FailsOnInit refuses to start');
  }
}

async function goodAppRoundTrip(): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot(CACHES)],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  const cache = app.get<ValkeyCache>(getCacheToken('sentinel'));
  await cache.set('k', { ok: true }, 60);
  expect(await cache.get('k')).toEqual({ ok: true });
  await app.close();
}

it('a DI error after a Sentinel cache was built, then a good app used and closed: 0 sockets left', async () => {
  const from = opened.length;
  await expect(
    Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)], providers: [Broken] })
      .compile()
      .then((m) => m.createNestApplication().init()),
  ).rejects.toThrow(/Broken cannot start \(it was given cache 'sentinel'\)/);
  expect(opened.length).toBe(from); // building a cache opens nothing
  await goodAppRoundTrip();
  expect(opened.length).toBeGreaterThan(from); // the good app did reach the servers
  expect(await leftOpen(from)).toEqual({ open: [], openedAfterClose: 0 });
});

it('a config error opens nothing', async () => {
  const from = opened.length;
  await expect(
    Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          sentinel: {
            ...CACHES['sentinel']!,
            options: { connectionFactory: 'SentinelConnectionFactory' },
          },
        }),
      ],
    }).compile(),
  ).rejects.toBeInstanceOf(CacheConfigError);
  expect(await leftOpen(from)).toEqual({ open: [], openedAfterClose: 0 });
});

it('a config error beside a good Sentinel cache opens nothing either', async () => {
  const from = opened.length;
  await expect(
    Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          sentinel: CACHES['sentinel']!,
          broken: { location: 'valkey://127.0.0.1:1/0', ttl: 60 } as CacheConfig,
        }),
      ],
    }).compile(),
  ).rejects.toThrow(/caches\.broken\.ttl: unknown option/);
  expect(await leftOpen(from)).toEqual({ open: [], openedAfterClose: 0 });
});

it('an onModuleInit that fails before any cache is used leaves nothing open, even without close()', async () => {
  const from = opened.length;
  @Module({ imports: [CacheModule.forRoot(CACHES)], providers: [FailsOnInit] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await expect(moduleRef.createNestApplication().init()).rejects.toThrow(/refuses to start/);
  expect(await leftOpen(from)).toEqual({ open: [], openedAfterClose: 0 });
});

it('an onModuleInit that fails after a cache was used: close() releases every socket', async () => {
  const from = opened.length;
  // Nest runs the hooks of the deeper module first: the cache is used before FailsOnInit runs
  @Module({ providers: [UsesCacheOnInit] })
  class WarmModule {}
  @Module({
    imports: [CacheModule.forRoot(CACHES, { isGlobal: true }), WarmModule],
    providers: [FailsOnInit],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication();
  await expect(app.init()).rejects.toThrow(/refuses to start/);
  expect(opened.length).toBeGreaterThan(from);
  await app.close();
  expect(await leftOpen(from)).toEqual({ open: [], openedAfterClose: 0 });
});
