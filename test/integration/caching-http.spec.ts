/**
 * CacheInterceptor through real HTTP requests (supertest) on the Express and Fastify adapters,
 * wired globally (APP_INTERCEPTOR) and per controller (@UseInterceptors), with the controllers in
 * a feature module that does not import CacheModule. Caches: the shared standalone server
 * (database 0), the shared Sentinel group, and a port where nothing listens.
 */
import {
  Controller,
  Get,
  Head,
  HttpCode,
  Injectable,
  Logger,
  Module,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
  StreamableFile,
  UseInterceptors,
  type DynamicModule,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { jest } from '@jest/globals';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import type { Valkey } from 'iovalkey';
import request from 'supertest';
import { CacheError, CacheModule } from '../../lib/index.js';
import {
  CacheInterceptor,
  CacheRouteKey,
  CacheRouteTimeout,
  NoRouteCache,
  UseCache,
} from '../../lib/caching/index.js';
import {
  DEFAULT_TIMEOUT_S,
  deadServerConfigs,
  fullKey,
  rawStandalone,
  replicatedToAll,
  sentinelPttl,
  sleep,
  standaloneAndSentinel,
  standaloneOnly,
  uniquePrefix,
} from './caching-support.js';

/** Counts handler runs by name. */
@Injectable()
class Calls {
  private readonly runs: Record<string, number> = {};
  hit(name: string): number {
    return (this.runs[name] = (this.runs[name] ?? 0) + 1);
  }
  of(name: string): number {
    return this.runs[name] ?? 0;
  }
}

const noop: ClassDecorator = () => undefined;

/** The controllers, intercepted per controller or not at all (the global wiring does it). */
function controllers(perController: boolean): Type[] {
  const Intercepted = perController ? UseInterceptors(CacheInterceptor) : noop;

  @Controller('items')
  @Intercepted
  class ItemsController {
    constructor(private readonly calls: Calls) {}

    @Get()
    list(@Query('page') page = '1'): object {
      const run = this.calls.hit(`list:${page}`);
      return { page, run, items: ['a', 'b'], at: new Date(0), nothing: null };
    }

    @Get('text')
    text(): string {
      return `plain text, run ${this.calls.hit('text')}`;
    }

    @Get('keyed')
    @CacheRouteKey('items-keyed')
    @CacheRouteTimeout(42)
    keyed(@Query('q') q: string): object {
      return { q, run: this.calls.hit('keyed') };
    }

    @Get('forever')
    @CacheRouteTimeout(null)
    forever(): object {
      return { run: this.calls.hit('forever') };
    }

    @Get('by-factory/:id')
    @CacheRouteKey((ctx) => {
      const id = ctx.switchToHttp().getRequest<Request>().params['id'];
      return id === 'skip' ? undefined : `item:${String(id)}`;
    })
    byFactory(@Param('id') id: string, @Query('v') v?: string): object {
      return { id, v, run: this.calls.hit(`factory:${id}`) };
    }

    @Get('slow/:id')
    async slow(@Param('id') id: string): Promise<object> {
      const run = this.calls.hit(`slow:${id}`);
      await sleep(150);
      return { id, run };
    }

    @Get('flaky')
    flaky(): object {
      if (this.calls.hit('flaky') === 1) throw new ServiceUnavailableException('try again');
      return { ok: true };
    }

    @Get('teapot')
    @HttpCode(418)
    teapot(): object {
      return { run: this.calls.hit('teapot') };
    }

    @Get('file')
    file(): StreamableFile {
      this.calls.hit('file');
      return new StreamableFile(Buffer.from('file body'), { type: 'text/plain' });
    }

    @Get('off')
    @NoRouteCache()
    off(): object {
      return { run: this.calls.hit('off') };
    }

    @Post()
    create(): object {
      return { run: this.calls.hit('create') };
    }

    @Head('only-head')
    onlyHead(): void {
      this.calls.hit('only-head');
    }
  }

  @Controller('s')
  @UseCache('sentinel')
  @Intercepted
  class SentinelController {
    constructor(private readonly calls: Calls) {}
    @Get(':id')
    get(@Param('id') id: string): object {
      return { id, run: this.calls.hit(`s:${id}`) };
    }
  }

  @Controller('down')
  @Intercepted
  class DownController {
    constructor(private readonly calls: Calls) {}
    @Get('lenient')
    @UseCache('lenient')
    lenient(): object {
      return { run: this.calls.hit('lenient') };
    }
    @Get('strict')
    @UseCache('strict')
    strict(): object {
      return { run: this.calls.hit('strict') };
    }
  }

  return [ItemsController, SentinelController, DownController];
}

/** A feature module with the controllers: it does not import CacheModule. */
function itemsModule(perController: boolean): DynamicModule {
  @Module({})
  class ItemsModule {}
  return { module: ItemsModule, controllers: controllers(perController), providers: [Calls] };
}

type Adapter = 'express' | 'fastify';
type Wiring = 'global' | 'per-controller';

interface HttpApp {
  app: INestApplication;
  url: string;
  calls: Calls;
}

async function startApp(
  adapter: Adapter,
  wiring: Wiring,
  prefix: string,
  sprefix: string,
): Promise<HttpApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot({
        ...standaloneAndSentinel(prefix, sprefix),
        ...(await deadServerConfigs()),
      }),
      itemsModule(wiring === 'per-controller'),
    ],
    providers:
      wiring === 'global' ? [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }] : [],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, calls: app.get(Calls) };
}

describe.each<[Adapter, Wiring]>([
  ['express', 'global'],
  ['express', 'per-controller'],
  ['fastify', 'global'],
  ['fastify', 'per-controller'],
])('CacheInterceptor on %s, %s', (adapter, wiring) => {
  const prefix = uniquePrefix(`http-${adapter}`);
  const sprefix = uniquePrefix(`http-${adapter}-s`);
  let h: HttpApp;
  let raw: Valkey;
  const get = (path: string): request.Test => request(h.url).get(path);

  beforeAll(async () => {
    h = await startApp(adapter, wiring, prefix, sprefix);
    raw = rawStandalone();
  });
  afterAll(async () => {
    await h?.app.close();
    await raw?.quit();
  });

  it('answers MISS then HIT with an identical body; the key is the URL with its query', async () => {
    const miss = await get('/items?page=2').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(miss.body).toEqual({
      page: '2',
      run: 1,
      items: ['a', 'b'],
      at: '1970-01-01T00:00:00.000Z',
      nothing: null,
    });
    const hit = await get('/items?page=2').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.text).toBe(miss.text);
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expect(h.calls.of('list:2')).toBe(1);

    const key = fullKey(prefix, '/items?page=2');
    expect(await raw.exists(key)).toBe(1);
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan((DEFAULT_TIMEOUT_S - 1) * 1000);
    expect(pttl).toBeLessThanOrEqual(DEFAULT_TIMEOUT_S * 1000);

    const other = await get('/items?page=3').expect(200);
    expect(other.headers['x-cache']).toBe('MISS');
    expect(other.body.run).toBe(1);
  });

  it('a string body comes back identical, with its content type', async () => {
    const miss = await get('/items/text').expect(200);
    const hit = await get('/items/text').expect(200);
    expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(hit.text).toBe('plain text, run 1');
    expect(hit.text).toBe(miss.text);
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
  });

  it('@CacheRouteKey and @CacheRouteTimeout(seconds) set the key and its TTL on the server', async () => {
    const first = await get('/items/keyed?q=1').expect(200);
    const second = await get('/items/keyed?q=2').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual({ q: '1', run: 1 });
    const pttl = await raw.pttl(fullKey(prefix, 'items-keyed'));
    expect(pttl).toBeGreaterThan(41_000);
    expect(pttl).toBeLessThanOrEqual(42_000);

    await get('/items/forever').expect(200);
    expect((await get('/items/forever').expect(200)).headers['x-cache']).toBe('HIT');
    expect(await raw.pttl(fullKey(prefix, '/items/forever'))).toBe(-1);
  });

  it('a key factory builds the key from the request, or leaves it uncached', async () => {
    await get('/items/by-factory/5?v=a').expect(200);
    const hit = await get('/items/by-factory/5?v=b').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ id: '5', v: 'a', run: 1 });
    expect(await raw.exists(fullKey(prefix, 'item:5'))).toBe(1);

    const a = await get('/items/by-factory/skip').expect(200);
    const b = await get('/items/by-factory/skip').expect(200);
    expect(a.headers['x-cache']).toBeUndefined();
    expect(b.body.run).toBe(2);
  });

  it('only GET responses are stored; HEAD is answered from them', async () => {
    await request(h.url).post('/items').expect(201);
    const post = await request(h.url).post('/items').expect(201);
    expect(post.headers['x-cache']).toBeUndefined();
    expect(post.body.run).toBe(2);
    expect(await raw.exists(fullKey(prefix, '/items'))).toBe(0);

    await get('/items?page=head').expect(200);
    const head = await request(h.url).head('/items?page=head').expect(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(h.calls.of('list:head')).toBe(1);

    await request(h.url).head('/items/only-head').expect(200);
    const headMiss = await request(h.url).head('/items/only-head').expect(200);
    expect(headMiss.headers['x-cache']).toBe('MISS');
    expect(h.calls.of('only-head')).toBe(2);
    expect(await raw.exists(fullKey(prefix, '/items/only-head'))).toBe(0);
  });

  it('errors and non-2xx responses are not cached', async () => {
    await get('/items/flaky').expect(503);
    expect(await raw.exists(fullKey(prefix, '/items/flaky'))).toBe(0);
    expect((await get('/items/flaky').expect(200)).headers['x-cache']).toBe('MISS');
    expect((await get('/items/flaky').expect(200)).headers['x-cache']).toBe('HIT');
    expect(h.calls.of('flaky')).toBe(2);

    const t1 = await get('/items/teapot').expect(418);
    const t2 = await get('/items/teapot').expect(418);
    expect([t1.headers['x-cache'], t2.headers['x-cache']]).toEqual(['MISS', 'MISS']);
    expect(t2.body).toEqual({ run: 2 });
    expect(await raw.exists(fullKey(prefix, '/items/teapot'))).toBe(0);
  });

  it('a StreamableFile is streamed every time and never cached', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await get('/items/file').buffer(true).expect(200);
      expect(res.headers['x-cache']).toBe('MISS');
      expect(Buffer.from(res.text ?? res.body).toString()).toBe('file body');
    }
    expect(h.calls.of('file')).toBe(2);
    expect(await raw.exists(fullKey(prefix, '/items/file'))).toBe(0);
  });

  it('@NoRouteCache leaves a route alone', async () => {
    const a = await get('/items/off').expect(200);
    const b = await get('/items/off').expect(200);
    expect(a.headers['x-cache']).toBeUndefined();
    expect(b.body).toEqual({ run: 2 });
  });

  it('20 concurrent requests on a cold key run the handler once', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => get('/items/slow/cold').expect(200)),
    );
    expect(h.calls.of('slow:cold')).toBe(1);
    // requests that joined the first run share its MISS; on a loaded machine a request may
    // arrive after that run stored its value, and reads it (HIT): the handler still ran once
    for (const r of responses) {
      expect(r.body).toEqual({ id: 'cold', run: 1 });
      expect(['MISS', 'HIT']).toContain(r.headers['x-cache']);
    }
    expect(responses.filter((r) => r.headers['x-cache'] === 'MISS').length).toBeGreaterThan(0);
    expect((await get('/items/slow/cold').expect(200)).headers['x-cache']).toBe('HIT');
    expect(h.calls.of('slow:cold')).toBe(1);
  });

  it('@UseCache on a controller caches in the Sentinel alias', async () => {
    const miss = await get('/s/a').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    const key = fullKey(sprefix, '/s/a');
    const pttl = await sentinelPttl(key);
    expect(pttl).toBeGreaterThan((DEFAULT_TIMEOUT_S - 1) * 1000);
    expect(pttl).toBeLessThanOrEqual(DEFAULT_TIMEOUT_S * 1000);
    expect(await raw.exists(key)).toBe(0); // not on the standalone server
    await replicatedToAll(key);
    const hit = await get('/s/a').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.text).toBe(miss.text);
    expect(h.calls.of('s:a')).toBe(1);
  });

  if (wiring === 'per-controller') {
    it('with ignoreExceptions an unreachable cache falls back to the handler; without, 500', async () => {
      const a = await get('/down/lenient').expect(200);
      const b = await get('/down/lenient').expect(200);
      expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['MISS', 'MISS']);
      expect(b.body).toEqual({ run: 2 });

      await get('/down/strict').expect(500);
      expect(h.calls.of('strict')).toBe(0);
    });
  }
});

describe('CacheInterceptor configuration errors', () => {
  it('@UseCache naming an unknown alias fails the boot, naming the route and the alias', async () => {
    @Controller('bad')
    @UseInterceptors(CacheInterceptor)
    class BadController {
      @Get()
      @UseCache('nope')
      get(): string {
        return 'x';
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneOnly('bad'))],
      controllers: [BadController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const err = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close();
    expect(err).toBeInstanceOf(CacheError);
    expect((err as Error).message).toContain(
      "@UseCache on BadController.get names the cache 'nope' (configured: default)",
    );
  });
});

describe('CacheInterceptor warnings', () => {
  it('a refused value is logged with the route path, never the query string (tokens)', async () => {
    @Controller('leaky')
    @UseInterceptors(CacheInterceptor)
    class LeakyController {
      @Get(':id')
      get(@Param('id') id: string): Map<string, string> {
        // JSON (the default serializer) refuses a Map: the response is sent uncached.
        return new Map([['id', id]]);
      }
    }
    const warnings: string[] = [];
    const spy = jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation((message: unknown) => void warnings.push(String(message)));
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneOnly('leaky'))],
      controllers: [LeakyController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      await request(app.getHttpServer())
        .get('/leaky/7?token=s3cr3t-token&x=1')
        .expect(200)
        .expect('X-Cache', 'MISS');
      const mine = warnings.filter((w) => w.includes('not cached'));
      expect(mine).toHaveLength(1);
      expect(mine[0]).toContain('response of GET /leaky/7 (LeakyController.get) not cached');
      expect(mine[0]).not.toContain('s3cr3t');
      expect(mine[0]).not.toContain('?');
    } finally {
      spy.mockRestore();
      await app.close();
    }
  });
});
