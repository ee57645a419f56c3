/**
 * The @nestjs/throttler storage (`nestjs-valkey-cache/throttler`) in real Nest HTTP apps with
 * ThrottlerModule + ThrottlerGuard, driven with supertest, on a standalone server of this spec's
 * own; two apps on one server share their limits. One case runs on the shared Sentinel group
 * (its primary, a unique key prefix, no failover).
 */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import * as mockNestCommon from '@nestjs/common';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import * as mockNestCore from '@nestjs/core';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { ThrottlerOptions } from '@nestjs/throttler';
import { Valkey } from 'iovalkey';
import request from 'supertest';
import { ValkeyThrottlerStorage } from '../../lib/adapters/throttler-storage.js';
import { CacheModule, getCacheToken, type CacheConfig, type ValkeyCache } from '../../lib/index.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/topology.js';

// @nestjs/throttler 6 is CommonJS and requires @nestjs/common, which is ESM-only since Nest 12.
// Plain Node (>= 20.19) loads it (require of ESM); jest's module runtime cannot before Node 24.9,
// so its two Nest requires are answered with the ESM modules this spec already loaded (the same
// instances the app uses). The library itself is not changed.
jest.mock('@nestjs/common', () => mockNestCommon);
jest.mock('@nestjs/core', () => mockNestCore);
const { ThrottlerGuard, ThrottlerModule } = await import('@nestjs/throttler');

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

let server: StandaloneServer;
let raw: Valkey;
const apps: INestApplication[] = [];

/** A Nest HTTP app whose ThrottlerGuard counts in Valkey through the alias `rl`. */
async function throttledApp(
  throttlers: ThrottlerOptions[],
  config: CacheConfig = { location: server.url(0), keyPrefix: 'api' },
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot({ rl: config }, { isGlobal: true }),
      ThrottlerModule.forRootAsync({
        inject: [getCacheToken('rl')],
        useFactory: (cache: ValkeyCache) => ({
          throttlers,
          storage: new ValkeyThrottlerStorage(cache),
        }),
      }),
    ],
    controllers: [PingController],
    providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  apps.push(app);
  return app;
}

const ping = (app: INestApplication): request.Test => request(app.getHttpServer()).get('/ping');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startStandalone();
  raw = new Valkey({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await raw.flushdb();
});

afterAll(async () => {
  await raw?.quit().catch(() => raw.disconnect());
  await server?.stop();
});

describe('ValkeyThrottlerStorage behind ThrottlerGuard', () => {
  it('lets `limit` requests through, then answers 429 with Retry-After', async () => {
    const app = await throttledApp([{ ttl: 10_000, limit: 3 }]);
    for (let i = 0; i < 3; i++) {
      const res = await ping(app).expect(200);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(2 - i));
      expect(Number(res.headers['x-ratelimit-reset'])).toBe(10); // seconds, rounded up
    }
    const refused = await ping(app).expect(429);
    expect(Number(refused.headers['retry-after'])).toBe(10); // blockDuration defaults to ttl
    // The counters are on the server, under the cache prefix, with the window as expiry.
    const keys = await raw.keys('*');
    expect(keys).toHaveLength(1); // the hits key was replaced by the block key
    expect(keys[0]).toMatch(/^api:1:throttler:\{[0-9a-f]{64}:default\}:block$/);
    const pttl = await raw.pttl(keys[0]!);
    expect(pttl).toBeGreaterThan(9000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('two app instances on one server share the limit', async () => {
    const a = await throttledApp([{ ttl: 10_000, limit: 3 }]);
    const b = await throttledApp([{ ttl: 10_000, limit: 3 }]);
    await ping(a).expect(200);
    await ping(b).expect(200);
    await ping(a).expect(200);
    await ping(b).expect(429);
    await ping(a).expect(429);
  });

  it('blockDuration (ms) is honoured: refused until it ends, then counted from zero', async () => {
    const app = await throttledApp([{ ttl: 30_000, limit: 2, blockDuration: 1200 }]);
    await ping(app).expect(200);
    await ping(app).expect(200);
    const refused = await ping(app).expect(429);
    expect(Number(refused.headers['retry-after'])).toBe(2); // ceil(1.2 s)
    const [blockKey] = await raw.keys('*:block');
    const pttl = await raw.pttl(blockKey!);
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(1200);
    await ping(app).expect(429);
    await sleep(1300); // the block is over; the 30 s window would not be
    const again = await ping(app).expect(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('1');
  });

  it('a window that ends resets the count (blockDuration 0: no block)', async () => {
    const app = await throttledApp([{ ttl: 700, limit: 2, blockDuration: 0 }]);
    await ping(app).expect(200);
    await ping(app).expect(200);
    const refused = await ping(app).expect(429);
    expect(Number(refused.headers['retry-after'])).toBe(1); // the rest of the 0.7 s window
    expect(await raw.keys('*:block')).toEqual([]);
    await sleep(800);
    const again = await ping(app).expect(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('1');
  });
});

describe('ValkeyThrottlerStorage.increment', () => {
  let fixture: { close(): Promise<void>; cache: ValkeyCache };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ rl: { location: server.url(0), keyPrefix: 'direct' } })],
    }).compile();
    await moduleRef.init();
    fixture = { close: () => moduleRef.close(), cache: moduleRef.get(getCacheToken('rl')) };
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('is atomic: 60 concurrent hits from two storages count 1..60 exactly once', async () => {
    const s1 = new ValkeyThrottlerStorage(fixture.cache);
    const s2 = new ValkeyThrottlerStorage(fixture.cache);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? s1 : s2).increment('k', 10_000, 1000, 10_000, 'default'),
      ),
    );
    expect(results.map((r) => r.totalHits).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    expect(results.every((r) => !r.isBlocked && r.timeToBlockExpire === 0)).toBe(true);
    expect(await fixture.cache.get('throttler:{k:default}:hits')).toBe(60);
  });

  it('with blockDuration 0 refuses over the limit without counting, until the window ends', async () => {
    const s = new ValkeyThrottlerStorage(fixture.cache, { prefix: 'rl0' });
    expect(await s.increment('k', 2500, 2, 0, 'n')).toEqual({
      totalHits: 1,
      timeToExpire: 3,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    await s.increment('k', 2500, 2, 0, 'n');
    const refused = await s.increment('k', 2500, 2, 0, 'n');
    expect(refused).toEqual({
      totalHits: 3,
      timeToExpire: 3,
      isBlocked: true,
      timeToBlockExpire: 3,
    });
    expect(await fixture.cache.get('rl0:{k:n}:hits')).toBe(2);
    // Another throttler name counts apart.
    expect((await s.increment('k', 2500, 2, 0, 'other')).totalHits).toBe(1);
  });
});

describe('on the shared Sentinel group', () => {
  it('counts on the primary the sentinels name', async () => {
    const topo = sharedTopology();
    const prefix = `thr-${randomUUID().slice(0, 8)}`;
    const app = await throttledApp([{ ttl: 5000, limit: 2 }], {
      location: topo.sentinelUrl(0),
      keyPrefix: prefix,
      options: { clientClass: 'SentinelClient', sentinels: [...topo.sentinelPairs] },
    });
    await ping(app).expect(200);
    await ping(app).expect(200);
    await ping(app).expect(429);
    const primary = new Valkey({ host: topo.primary.host, port: topo.primary.port });
    try {
      const keys = await primary.keys(`${prefix}:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/:block$/);
      await primary.del(...keys);
    } finally {
      primary.disconnect();
    }
  });
});
