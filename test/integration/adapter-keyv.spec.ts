/**
 * The Keyv store adapter (`nestjs-valkey-cache/keyv`) with its host libraries, on a standalone
 * server of this spec's own: Keyv 6 (the application's `keyv`), Keyv 5 (the copy cache-manager 7
 * bundles) and `@nestjs/cache-manager`'s CacheModule + CacheInterceptor in a Nest HTTP app.
 * TTLs are read back from the server (PTTL), keys with KEYS on a plain client.
 */
import { createRequire } from 'node:module';
import { Controller, Get, type INestApplication, UseInterceptors } from '@nestjs/common';
import {
  CACHE_MANAGER,
  CacheInterceptor,
  CacheModule as NestCacheModule,
  CacheTTL,
} from '@nestjs/cache-manager';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Valkey } from 'iovalkey';
import Keyv, { type KeyvBridgeStore, type KeyvStoreAdapter } from 'keyv';
import request from 'supertest';
import { msToSeconds } from '../../lib/adapters/adapter-time.js';
import { ValkeyKeyvStore } from '../../lib/adapters/keyv-store.js';
import { CacheDecodeError, CacheModule, getCacheToken, type ValkeyCache } from '../../lib/index.js';
import { startStandalone, type StandaloneServer } from '../harness/topology.js';

/** Keyv 5.6 as cache-manager 7 bundles it (CommonJS build, so no ESM loader quirks). */
interface Keyv5Like {
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  get(key: string): Promise<unknown>;
  clear(): Promise<void>;
  iterator?: () => AsyncGenerator<[string, unknown]>;
}
type Keyv5Ctor = new (opts: Record<string, unknown>) => Keyv5Like;
const Keyv5 = (
  createRequire(import.meta.url)(
    '../../node_modules/cache-manager/node_modules/keyv/dist/index.cjs',
  ) as {
    Keyv: Keyv5Ctor;
  }
).Keyv;

// Compile-time: the store fits the contracts Keyv 6 accepts for promise-based stores.
const fitsBridge = (s: ValkeyKeyvStore): KeyvBridgeStore => s;
const fitsAdapter = (s: ValkeyKeyvStore): KeyvStoreAdapter => s;

let server: StandaloneServer;
let app: INestApplication;
let cache: ValkeyCache;
let raw: Valkey;

@Controller()
class ClockController {
  calls = 0;
  @Get('clock')
  @UseInterceptors(CacheInterceptor)
  @CacheTTL(4000)
  clock(): { n: number } {
    this.calls += 1;
    return { n: this.calls };
  }
}

beforeAll(async () => {
  server = await startStandalone();
  raw = new Valkey({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot(
        { kv: { location: server.url(0), keyPrefix: 'app' } },
        { isGlobal: true },
      ),
      NestCacheModule.registerAsync({
        inject: [getCacheToken('kv')],
        // The store itself, not `new Keyv({ store })`: @nestjs/cache-manager 12 does not
        // recognise a Keyv 6 instance (it has no `opts`) and would wrap it in a second Keyv.
        useFactory: (kv: ValkeyCache) => ({
          stores: [new ValkeyKeyvStore(kv, { namespace: 'cm' })],
        }),
      }),
    ],
    controllers: [ClockController],
  }).compile();
  app = moduleRef.createNestApplication();
  await app.init();
  cache = app.get<ValkeyCache>(getCacheToken('kv'));
});

afterAll(async () => {
  await app?.close();
  await raw?.quit().catch(() => raw.disconnect());
  await server?.stop();
});

beforeEach(async () => {
  await raw.flushdb();
});

describe('ValkeyKeyvStore with Keyv 6', () => {
  it('stores under the cache prefix and namespace, reads back, has and deletes', async () => {
    expect(fitsBridge(new ValkeyKeyvStore(cache))).toBeInstanceOf(ValkeyKeyvStore);
    expect(fitsAdapter(new ValkeyKeyvStore(cache))).toBeInstanceOf(ValkeyKeyvStore);
    const keyv = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'users' }) });
    expect(await keyv.set('42', { name: 'Ada', tags: ['x'] })).toBe(true);
    expect(await raw.keys('*')).toEqual(['app:1:users:42']);
    expect(await raw.pttl('app:1:users:42')).toBe(-1); // no ttl: never expires
    expect(await keyv.get('42')).toEqual({ name: 'Ada', tags: ['x'] });
    expect(await keyv.has('42')).toBe(true);
    expect(await keyv.has('nope')).toBe(false);
    expect(await keyv.get('nope')).toBeUndefined();
    expect(await keyv.delete('42')).toBe(true);
    expect(await keyv.delete('42')).toBe(false);
    expect(await raw.exists('app:1:users:42')).toBe(0);
  });

  it('writes Keyv ttl (milliseconds) to the server to the millisecond, and it expires', async () => {
    const keyv = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'ttl' }) });
    await keyv.set('short', 'v', 1500);
    const pttl = await raw.pttl('app:1:ttl:short');
    expect(pttl).toBeGreaterThan(1400);
    expect(pttl).toBeLessThanOrEqual(1500); // 1.5 s, not rounded to whole seconds
    await keyv.set('gone', 'v', 150);
    await new Promise((r) => setTimeout(r, 300));
    expect(await raw.exists('app:1:ttl:gone')).toBe(0); // expired on the server, not just in Keyv
    expect(await keyv.get('gone')).toBeUndefined();
    // Keyv's default ttl option applies when set() has none.
    const withDefault = new Keyv({
      store: new ValkeyKeyvStore(cache, { namespace: 'ttl2' }),
      ttl: 30_000,
    });
    await withDefault.set('k', 1);
    expect(await raw.pttl('app:1:ttl2:k')).toBeGreaterThan(29_000);
  });

  it('converts every whole millisecond exactly (the cache truncates seconds * 1000)', () => {
    const wrong: number[] = [];
    for (let ms = 1; ms <= 200_000; ms++) {
      const seconds = msToSeconds(ms);
      if (Math.trunc(seconds * 1000) !== ms || Math.round(seconds * 1000) !== ms) wrong.push(ms);
    }
    expect(wrong).toEqual([]);
    // Without the correction, 1001 ms would be stored as 1000 ms.
    expect(Math.trunc((1001 / 1000) * 1000)).toBe(1000);
  });

  it('getMany, setMany with a ttl per entry, deleteMany', async () => {
    const keyv = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'm' }) });
    const done = await keyv.setMany<unknown>([
      { key: 'a', value: 1, ttl: 5000 },
      { key: 'b', value: 'two', ttl: 60_000 },
      { key: 'c', value: { three: 3 } },
    ]);
    expect(done).toEqual([true, true, true]);
    const [pa, pb, pc] = await Promise.all(['a', 'b', 'c'].map((k) => raw.pttl(`app:1:m:${k}`)));
    expect(pa).toBeGreaterThan(4000);
    expect(pa).toBeLessThanOrEqual(5000);
    expect(pb).toBeGreaterThan(59_000);
    expect(pc).toBe(-1);
    expect(await keyv.getMany(['a', 'missing', 'b', 'c'])).toEqual([
      1,
      undefined,
      'two',
      { three: 3 },
    ]);
    expect(await keyv.hasMany(['a', 'missing'])).toEqual([true, false]);
    expect(await keyv.deleteMany(['a', 'missing'])).toEqual([true, false]);
    expect((await raw.keys('*')).sort()).toEqual(['app:1:m:b', 'app:1:m:c']);
  });

  it('clear() deletes only its namespace (SCAN, no FLUSHDB), even with glob characters', async () => {
    const a = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'n*' }) });
    const b = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'nx' }) });
    await a.set('1', 'a1');
    await a.set('2', 'a2');
    await b.set('1', 'b1');
    await cache.set('plain', 'not keyv', null);
    await raw.set('foreign', 'other app');
    await a.clear();
    expect((await raw.keys('*')).sort()).toEqual(['app:1:nx:1', 'app:1:plain', 'foreign']);
    expect(await b.get('1')).toBe('b1');
    expect(await cache.get('plain')).toBe('not keyv');
  });

  it('iterates its namespace only, with the keys Keyv handed over', async () => {
    const keyv = new Keyv({
      store: new ValkeyKeyvStore(cache, { namespace: 'it', itersize: 2 }),
    });
    const other = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'itx' }) });
    for (let i = 0; i < 5; i++) await keyv.set(`k${i}`, i);
    await other.set('k0', 'other');
    const seen: Array<[string, unknown]> = [];
    for await (const [k, v] of keyv.iterator!()) seen.push([k as string, v]);
    expect(seen.sort()).toEqual([
      ['k0', 0],
      ['k1', 1],
      ['k2', 2],
      ['k3', 3],
      ['k4', 4],
    ]);
  });

  it('with serialization: false stores the envelope with the cache serializer', async () => {
    const keyv = new Keyv({
      store: new ValkeyKeyvStore(cache, { namespace: 'obj' }),
      serialization: false,
    });
    await keyv.set('k', { deep: { n: 1 } }, 10_000);
    const stored = await cache.get<{ value: unknown; expires: number }>('obj:k');
    expect(stored?.value).toEqual({ deep: { n: 1 } });
    expect(stored?.expires).toBeGreaterThan(Date.now());
    expect(await keyv.get('k')).toEqual({ deep: { n: 1 } });
  });

  it("a cache error reaches Keyv's error event, typed and naming the alias", async () => {
    const keyv = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'err' }) });
    const errors: unknown[] = [];
    keyv.on('error', (e: unknown) => errors.push(e));
    await raw.set('app:1:err:bad', Buffer.from([0x00, 0xff, 0x7b, 0x01])); // not decodable
    expect(await keyv.get('bad')).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CacheDecodeError);
    expect((errors[0] as CacheDecodeError).alias).toBe('kv');
    expect((errors[0] as Error).message).toContain("cache 'kv'");
  });
});

describe('ValkeyKeyvStore with Keyv 5 (as bundled by cache-manager 7)', () => {
  it('takes Keyv 5 ttl in milliseconds, clears and iterates its namespace', async () => {
    const keyv = new Keyv5({
      store: new ValkeyKeyvStore(cache),
      namespace: 'v5',
      useKeyPrefix: false,
    });
    const other = new Keyv5({ store: new ValkeyKeyvStore(cache), namespace: 'v5b' });
    expect(await keyv.set('k', { n: 5 }, 2500)).toBe(true);
    await keyv.set('j', 'jay');
    await other.set('k', 'other');
    const pttl = await raw.pttl('app:1:v5:k');
    expect(pttl).toBeGreaterThan(2400);
    expect(pttl).toBeLessThanOrEqual(2500);
    expect(await keyv.get('k')).toEqual({ n: 5 });
    // Keyv 5 with its default key prefix adds its namespace too.
    expect(await raw.exists('app:1:v5b:v5b:k')).toBe(1);
    expect(await other.get('k')).toBe('other');
    expect(keyv.iterator).toBeDefined();
    const seen: string[] = [];
    for await (const [k] of keyv.iterator!()) seen.push(k);
    expect(seen.sort()).toEqual(['j', 'k']);
    await keyv.clear();
    expect(await raw.keys('*')).toEqual(['app:1:v5b:v5b:k']);
  });
});

describe('@nestjs/cache-manager CacheModule on an alias', () => {
  it('reads back what cache-manager set, with its ttl (milliseconds) on the server', async () => {
    const manager = app.get<Cache>(CACHE_MANAGER);
    await manager.set('user:1', { name: 'Ada', born: 1815 }, 2500);
    expect(await raw.keys('*')).toEqual(['app:1:cm:user:1']);
    const pttl = await raw.pttl('app:1:cm:user:1');
    expect(pttl).toBeGreaterThan(2400);
    expect(pttl).toBeLessThanOrEqual(2500);
    expect(await manager.get('user:1')).toEqual({ name: 'Ada', born: 1815 });
    // Another Keyv on the same alias and namespace sees it: the data is on the server.
    const keyv = new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'cm' }) });
    expect(await keyv.get('user:1')).toEqual({ name: 'Ada', born: 1815 });
    expect(await manager.del('user:1')).toBe(true);
    expect(await raw.exists('app:1:cm:user:1')).toBe(0);
  });

  it("clear() leaves the alias's other keys alone", async () => {
    const manager = app.get<Cache>(CACHE_MANAGER);
    await manager.set('a', 1, 10_000);
    await manager.set('b', 2, 10_000);
    await cache.set('mine', 'kept');
    await new Keyv({ store: new ValkeyKeyvStore(cache, { namespace: 'cm2' }) }).set('x', 'kept');
    expect(await manager.clear()).toBe(true);
    expect((await raw.keys('*')).sort()).toEqual(['app:1:cm2:x', 'app:1:mine']);
  });

  it('backs CacheInterceptor over HTTP: the second GET is served from Valkey', async () => {
    const http = request(app.getHttpServer());
    const first = await http.get('/clock').expect(200);
    const second = await http.get('/clock').expect(200);
    expect(first.body).toEqual({ n: 1 });
    expect(second.body).toEqual({ n: 1 });
    expect(app.get(ClockController).calls).toBe(1);
    const pttl = await raw.pttl('app:1:cm:/clock');
    expect(pttl).toBeGreaterThan(3500);
    expect(pttl).toBeLessThanOrEqual(4000);
  });
});
