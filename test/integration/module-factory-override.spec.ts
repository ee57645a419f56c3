/**
 * Which test override reaches which cache, against the real servers: the seed's mixed config (a
 * plain `default` cache on the standalone server, a `sentinel` cache naming its own
 * `SentinelConnectionFactory`, a `ShardClient` cache) with (a) every
 * `getConnectionFactoryToken(alias)` overridden, (b) only `VALKEY_CONNECTION_FACTORY`
 * overridden, (c) `useInMemoryCaches(builder)` on an app module. A spy on
 * `net.Socket.prototype.connect` counts the sockets. Only (b) reaches a server: database 2 of
 * the Sentinel group, under a key prefix unique to the run.
 */
import 'reflect-metadata';
import net from 'node:net';
import { Injectable, Logger, Module, type INestApplication } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { Valkey } from 'iovalkey';
import {
  CacheModule,
  getCacheToken,
  getConnectionFactoryToken,
  InjectCache,
  SentinelConnectionFactory,
  SentinelConnectionPool,
  VALKEY_CONNECTION_FACTORY,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { ValkeyClusterCache } from '../../lib/extend/index.js';
import {
  InMemoryClusterClient,
  InMemoryConnectionFactory,
  useInMemoryCaches,
} from '../../lib/testing/index.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { sentinelPairs, uniquePrefix } from './sentinel-support.js';

const DB = 2;
const SETTLE_MS = 2000;
const topology = sharedTopology();
const PREFIX = uniquePrefix('factory-override');

/** The seed's "sentinel and normal servers together" example, plus shards. */
const CACHES: CachesConfig = {
  default: {
    location: topology.valkeyUrl(DB),
    keyPrefix: PREFIX,
    options: { clientClass: 'DefaultClient' },
  },
  sentinel: {
    location: topology.sentinelUrl(DB),
    keyPrefix: PREFIX,
    options: {
      clientClass: 'SentinelClient',
      sentinels: sentinelPairs(topology.sentinels),
      connectionPoolClass: 'SentinelConnectionPool',
      connectionFactory: 'SentinelConnectionFactory',
    },
  },
  shards: {
    location: [topology.valkeyUrl(DB), topology.valkeyUrl(DB + 1)],
    keyPrefix: PREFIX,
    options: { clientClass: 'ShardClient' },
  },
};
const ALIASES = Object.keys(CACHES);

/** Every socket this process starts to connect while the spy is on, with its target. */
const opened: Array<{ socket: net.Socket; target: string }> = [];
const realConnect = net.Socket.prototype.connect;
beforeAll(() => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    opened.push({ socket: this, target: targetOf(args) });
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = realConnect;
});

/** `host:port` of a `connect(...)` call (options object, normalized array, or port, host). */
function targetOf(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number | string; path?: string };
    return o.path ?? `${o.host ?? 'localhost'}:${String(o.port)}`;
  }
  return `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${String(first)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sockets opened since `from` that are still open `SETTLE_MS` later. */
async function leftOpen(from: number): Promise<string[]> {
  await sleep(SETTLE_MS);
  return opened
    .slice(from)
    .filter((o) => !o.socket.destroyed)
    .map((o) => o.target);
}

/** Sets then gets one value on each alias. */
async function roundTrips(get: (alias: string) => ValkeyCache, aliases: string[]): Promise<void> {
  for (const alias of aliases) {
    const cache = get(alias);
    expect(await cache.set('k', { alias }, 60)).toBe(true);
    expect(await cache.get('k')).toEqual({ alias });
  }
}

/** Starts the app of `builder`; closed after the test even when it fails. */
const apps: INestApplication[] = [];
async function start(builder: TestingModuleBuilder): Promise<INestApplication> {
  const app = (await builder.compile()).createNestApplication();
  apps.push(app);
  await app.init();
  return app;
}

/** Closes `app` now (the test goes on to count the sockets left). */
async function stop(app: INestApplication): Promise<void> {
  apps.splice(apps.indexOf(app), 1);
  await app.close();
}

let warnSpy: ReturnType<typeof jest.spyOn>;
beforeEach(() => {
  warnSpy = jest.spyOn(Logger.prototype, 'warn');
});
afterEach(async () => {
  warnSpy.mockRestore();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
const factoryWarnings = (): string[] => {
  const all: string[] = warnSpy.mock.calls.map((c: unknown[]) => String(c[0]));
  return all.filter((w) => w.includes('VALKEY_CONNECTION_FACTORY'));
};

it('(a) getConnectionFactoryToken(alias) overridden for every alias: 0 sockets, every cache works', async () => {
  const from = opened.length;
  const memory = new InMemoryConnectionFactory();
  let builder = Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)] });
  for (const alias of ALIASES) {
    builder = builder.overrideProvider(getConnectionFactoryToken(alias)).useValue(memory);
  }
  const app = await start(builder);
  await roundTrips((a) => app.get(getCacheToken(a)), ALIASES);
  // The Sentinel cache's data is in memory, under its service name.
  expect(await memory.client(topology.sentinelUrl(DB)).get(`${PREFIX}:1:k`)).toBe(
    '{"alias":"sentinel"}',
  );
  await stop(app);
  expect(opened.slice(from).map((o) => o.target)).toEqual([]);
  expect(factoryWarnings()).toEqual([]);
});

it('(b) only VALKEY_CONNECTION_FACTORY overridden: the cache with its own factory stays on it, reaches the real servers, and one warning names it', async () => {
  const from = opened.length;
  const memory = new InMemoryConnectionFactory();
  const app = await start(
    Test.createTestingModule({ imports: [CacheModule.forRoot(CACHES)] })
      .overrideProvider(VALKEY_CONNECTION_FACTORY)
      .useValue(memory),
  );
  expect(factoryWarnings()).toEqual([
    expect.stringMatching(
      /^caches\.sentinel: VALKEY_CONNECTION_FACTORY was overridden, but this cache's own options\.connectionFactory \('SentinelConnectionFactory'\) wins.*getConnectionFactoryToken\('sentinel'\)/,
    ),
  ]);
  expect(app.get(getConnectionFactoryToken('default'))).toBe(memory);
  expect(app.get(getConnectionFactoryToken('shards'))).toBe(memory);
  expect(app.get(getConnectionFactoryToken('sentinel'))).toBeInstanceOf(SentinelConnectionFactory);

  await roundTrips((a) => app.get(getCacheToken(a)), ['default', 'shards']);
  expect(opened.length).toBe(from); // the in-memory caches opened nothing
  const sentinel = app.get<ValkeyCache>(getCacheToken('sentinel'));
  expect(sentinel.client.primary).toBeInstanceOf(SentinelConnectionPool);
  await roundTrips(() => sentinel, ['sentinel']);
  // The Sentinel cache connected for real: to the sentinels and the group's data nodes only.
  const targets = new Set(opened.slice(from).map((o) => o.target));
  expect(targets.size).toBeGreaterThan(0);
  const sentinelGroup = [...topology.sentinels, topology.primary, ...topology.replicas].map(
    (n) => `${n.host}:${n.port}`,
  );
  expect([...targets].filter((t) => !sentinelGroup.includes(t))).toEqual([]);
  expect(await memory.client(topology.sentinelUrl(DB)).dbsize()).toBe(0);

  // And the value is on the real primary.
  const raw = new Valkey({
    ...topology.primary,
    db: DB,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    expect(await raw.get(`${PREFIX}:1:k`)).toBe('{"alias":"sentinel"}');
  } finally {
    raw.disconnect();
  }
  expect(await sentinel.delete('k')).toBe(true);
  await stop(app);
  expect(await leftOpen(from)).toEqual([]);
});

@Injectable()
class Sessions {
  constructor(
    @InjectCache('sentinel') readonly sentinel: ValkeyCache,
    @InjectCache('cluster') readonly cluster: ValkeyCache,
  ) {}
}

/** A user's app module, with the seed's caches plus a Valkey Cluster cache. */
@Module({
  imports: [
    CacheModule.forRoot({
      ...CACHES,
      cluster: { backend: 'ValkeyClusterCache', location: topology.valkeyUrl(0) },
    }),
  ],
  providers: [Sessions],
})
class AppModule {}

it('(c) useInMemoryCaches(builder) on an app module: 0 sockets, every cache works', async () => {
  const from = opened.length;
  const memory = new InMemoryConnectionFactory();
  const app = await start(
    useInMemoryCaches(Test.createTestingModule({ imports: [AppModule] }), { factory: memory }),
  );
  const sessions = app.get(Sessions);
  expect(sessions.cluster).toBeInstanceOf(ValkeyClusterCache);
  expect(sessions.cluster.client).toBeInstanceOf(InMemoryClusterClient);
  await roundTrips((a) => app.get(getCacheToken(a)), [...ALIASES, 'cluster']);
  expect(await sessions.sentinel.get('k')).toEqual({ alias: 'sentinel' });
  for (const alias of [...ALIASES, 'cluster']) {
    expect(app.get(getConnectionFactoryToken(alias))).toBe(memory);
  }
  await stop(app);
  expect(opened.slice(from).map((o) => o.target)).toEqual([]);
  expect(factoryWarnings()).toEqual([]);
});
