/**
 * Which servers a Sentinel cache's pools say they use, without a Sentinel group: the rule that
 * picks them from the sentinels' answer, what `servers()` does when no sentinel answers, what
 * the pools' iovalkey clients show before they connect, and the testing kit's pools.
 */
import 'reflect-metadata';
import net from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheError,
  CacheModule,
  SentinelConnectionPool,
  SentinelError,
  getCacheToken,
  getSentinelClientToken,
  type CachesConfig,
  type SentinelClient,
  type ValkeyCache,
} from '../../lib/index.js';
import { CacheTestingModule } from '../../lib/testing/index.js';
import { poolServers } from '../../lib/connection/sentinel/sentinel-pool-servers.js';

const P = { host: '10.0.0.1', port: 7000 };
const R1 = { host: '10.0.0.2', port: 7001 };
const R2 = { host: '10.0.0.3', port: 7002 };

describe('poolServers', () => {
  const state = { primary: P, replicas: [R1, R2] };

  it('the primary pool uses the primary', () => {
    expect(poolServers('primary', state, undefined)).toEqual([P]);
    expect(poolServers('primary', state, [R1])).toEqual([P]);
    expect(poolServers('primary', { primary: null, replicas: [R1] }, undefined)).toEqual([]);
  });

  it('the replica pool uses its rotation, the healthy replicas before its first discovery', () => {
    expect(poolServers('replica', state, [R2])).toEqual([R2]);
    expect(poolServers('replica', state, undefined)).toEqual([R1, R2]);
  });

  it('the replica pool uses the primary while no replica is usable', () => {
    expect(poolServers('replica', state, [])).toEqual([P]);
    expect(poolServers('replica', { primary: P, replicas: [] }, undefined)).toEqual([P]);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function boot(caches: CachesConfig, testingKit = false): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [testingKit ? CacheTestingModule.forRoot(caches) : CacheModule.forRoot(caches)],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('SentinelClient pools when no sentinel answers', () => {
  let moduleRef: TestingModule;
  let client: SentinelClient;
  let cache: ValkeyCache;
  let sentinel: string;

  beforeAll(async () => {
    const port = await closedPort();
    sentinel = `127.0.0.1:${port}`;
    moduleRef = await boot({
      s: {
        location: 'valkey://svc/0',
        options: {
          clientClass: 'SentinelClient',
          sentinels: [['127.0.0.1', port]],
          socketConnectTimeout: 1,
        },
      },
    });
    client = moduleRef.get<SentinelClient>(getSentinelClientToken('s'));
    cache = moduleRef.get<ValkeyCache>(getCacheToken('s'));
  });
  afterAll(() => moduleRef?.close());

  it('primary and replica are one pool each', () => {
    expect(client.primary).toBeInstanceOf(SentinelConnectionPool);
    expect(client.primary.role).toBe('primary');
    expect(client.replica).toBeInstanceOf(SentinelConnectionPool);
    expect(client.replica.role).toBe('replica');
    expect(client.replica).not.toBe(client.primary);
  });

  it('servers() rejects with a SentinelError naming the sentinel, and opens no data connection', async () => {
    for (const pool of [client.primary, client.replica]) {
      const err = await pool.servers().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SentinelError);
      expect((err as Error).message).toContain(sentinel);
      expect(pool.clients()).toEqual([]);
    }
  });

  it('its clients show no address before they connect, not localhost:6379', () => {
    const primary = cache.getClient();
    const bootstrap = cache.getClient({ write: false });
    expect(client.primary.clients()).toEqual([primary]);
    expect(client.replica.clients()).toEqual([bootstrap]);
    for (const c of [primary, bootstrap]) {
      expect(c.options.host).toBeUndefined();
      expect(c.options.port).toBeUndefined();
    }
    expect(primary.options.role).toBe('master'); // iovalkey's Sentinel role: the primary
    expect(bootstrap.options.role).toBeUndefined(); // a replica or the primary: not known yet
  });
});

describe('SentinelClient pools under the testing kit', () => {
  it('serve commands, and servers() rejects with a CacheError: no sentinel is emulated', async () => {
    const moduleRef = await boot(
      {
        s: {
          location: 'valkey://mymaster/0',
          options: { clientClass: 'SentinelClient', sentinels: [['sentinel-1', 26379]] },
        },
      },
      true,
    );
    try {
      const client = moduleRef.get<SentinelClient>(getSentinelClientToken('s'));
      expect(client.primary.role).toBe('primary');
      expect(client.replica.role).toBe('replica');
      expect(client.primary).toBe(client.primary);
      await client.primary.acquire().set('k', 'v');
      expect(await client.replica.acquire().get('k')).toBe('v');
      await expect(client.primary.servers()).rejects.toBeInstanceOf(CacheError);
      await expect(client.replica.servers()).rejects.toThrow(/'s'.*do not resolve servers/);
    } finally {
      await moduleRef.close();
    }
  });
});
