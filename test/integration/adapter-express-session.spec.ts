/**
 * The express-session store (`nestjs-valkey-cache/express-session`) in a real express app with
 * the express-session middleware, driven over HTTP with supertest agents (cookies kept), on a
 * standalone server of this spec's own. Expiries are read back from the server (PTTL).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import express, { type Express } from 'express';
import session, { type SessionData } from 'express-session';
import { Valkey } from 'iovalkey';
import request from 'supertest';
import { Test, type TestingModule } from '@nestjs/testing';
import { ValkeySessionStore } from '../../lib/adapters/express-session-store.js';
import {
  CacheArgumentError,
  CacheDecodeError,
  CacheModule,
  getCacheToken,
  type ValkeyCache,
} from '../../lib/index.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/topology.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    views?: number;
  }
}

let server: StandaloneServer;
let moduleRef: TestingModule;
let cache: ValkeyCache;
let raw: Valkey;

/** An express app with express-session on `store`; `cookie` overrides the session cookie. */
function webApp(store: ValkeySessionStore, cookie: session.CookieOptions = {}): Express {
  const app = express();
  app.use(
    session({
      store,
      secret: 'test-secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 60_000, ...cookie },
    }),
  );
  app.post('/login', (req, res) => {
    req.session.user = 'ada';
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ user: req.session.user ?? null, views: req.session.views });
  });
  app.get('/peek', (req, res) => {
    res.json({ user: req.session.user ?? null }); // unmodified: express-session calls touch()
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  return app;
}

/** The stored session keys (`web:1:sess:<sid>`). */
async function sessionKeys(prefix = 'sess:'): Promise<string[]> {
  return raw.keys(`web:1:${prefix}*`);
}

/** Promisified store calls (the callbacks receive errors, never throws). */
function call<T>(fn: (cb: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startStandalone();
  raw = new Valkey({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
  moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ sessions: { location: server.url(0), keyPrefix: 'web' } })],
  }).compile();
  await moduleRef.init();
  cache = moduleRef.get<ValkeyCache>(getCacheToken('sessions'));
});

afterAll(async () => {
  await moduleRef?.close();
  await raw?.quit().catch(() => raw.disconnect());
  await server?.stop();
});

beforeEach(async () => {
  await raw.flushdb();
});

describe('ValkeySessionStore behind express-session', () => {
  it('keeps a session across requests, in Valkey', async () => {
    const agent = request.agent(webApp(new ValkeySessionStore(cache)));
    const login = await agent.post('/login').expect(200);
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    const cookie = setCookie[0]!.split(';')[0]!;
    expect(cookie).toMatch(/^connect\.sid=/);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: 'ada', views: 1 });
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: 'ada', views: 2 });
    const keys = await sessionKeys();
    expect(keys).toHaveLength(1);
    const stored = await cache.get<SessionData>(keys[0]!.slice('web:1:'.length));
    expect(stored).toMatchObject({ user: 'ada', views: 2 });
    expect(typeof stored?.cookie.expires).toBe('string'); // its JSON form, as express-session expects
    // A second app instance on the same alias (another process, in production) sees the session.
    const other = request(webApp(new ValkeySessionStore(cache)));
    const res = await other.get('/me').set('Cookie', cookie).expect(200);
    expect(res.body).toEqual({ user: 'ada', views: 3 });
  });

  it("stores the cookie's maxAge (milliseconds) as the key's expiry, to the millisecond", async () => {
    const agent = request.agent(webApp(new ValkeySessionStore(cache), { maxAge: 1500 }));
    await agent.post('/login').expect(200);
    const [key] = await sessionKeys();
    const pttl = await raw.pttl(key!);
    expect(pttl).toBeGreaterThan(1350);
    expect(pttl).toBeLessThanOrEqual(1500);
    // A browser-session cookie (no maxAge) uses the ttl option, in seconds.
    await raw.flushdb();
    const noExpiry = request.agent(
      webApp(new ValkeySessionStore(cache, { ttl: 120 }), { maxAge: undefined }),
    );
    await noExpiry.post('/login').expect(200);
    const [key2] = await sessionKeys();
    const pttl2 = await raw.pttl(key2!);
    expect(pttl2).toBeGreaterThan(119_000);
    expect(pttl2).toBeLessThanOrEqual(120_000);
  });

  it('destroy() removes the session from Valkey', async () => {
    const agent = request.agent(webApp(new ValkeySessionStore(cache)));
    await agent.post('/login').expect(200);
    expect(await sessionKeys()).toHaveLength(1);
    await agent.post('/logout').expect(200);
    expect(await sessionKeys()).toHaveLength(0);
    expect((await agent.get('/peek').expect(200)).body).toEqual({ user: null });
  });

  it('touch() (an unmodified session) pushes the expiry back without rewriting the value', async () => {
    const agent = request.agent(webApp(new ValkeySessionStore(cache), { maxAge: 3000 }));
    await agent.post('/login').expect(200);
    const [key] = await sessionKeys();
    await sleep(500);
    const before = await raw.pttl(key!);
    expect(before).toBeLessThanOrEqual(2500);
    const sets = await setCalls();
    await agent.get('/peek').expect(200);
    const after = await raw.pttl(key!);
    expect(after).toBeGreaterThan(2800);
    expect(await setCalls()).toBe(sets); // PEXPIRE, no SET
    // disableTouch: the expiry keeps running down.
    await raw.flushdb();
    const still = request.agent(
      webApp(new ValkeySessionStore(cache, { disableTouch: true }), { maxAge: 3000 }),
    );
    await still.post('/login').expect(200);
    const [key2] = await sessionKeys();
    await sleep(500);
    await still.get('/peek').expect(200);
    expect(await raw.pttl(key2!)).toBeLessThanOrEqual(2500);
  });

  it('all, length and clear see only their prefix', async () => {
    const store = new ValkeySessionStore(cache, { itersize: 2 });
    const app = webApp(store);
    for (let i = 0; i < 3; i++) await request.agent(app).post('/login').expect(200);
    const admin = new ValkeySessionStore(cache, { prefix: 'admin:' });
    await request.agent(webApp(admin)).post('/login').expect(200);
    await cache.set('sessionless', 'kept');
    await raw.set('foreign', 'kept');
    expect(await call<number>((cb) => store.length(cb))).toBe(3);
    const all = await call<Record<string, SessionData>>((cb) => store.all(cb));
    expect(Object.keys(all!)).toHaveLength(3);
    for (const sess of Object.values(all!)) expect(sess.user).toBe('ada');
    await call((cb) => store.clear(cb));
    expect(await call<number>((cb) => store.length(cb))).toBe(0);
    expect(await call<number>((cb) => admin.length(cb))).toBe(1);
    expect((await raw.keys('*')).sort()).toEqual([
      'foreign',
      expect.stringMatching(/^web:1:admin:/),
      'web:1:sessionless',
    ]);
  });

  it('a cookie that already expired deletes the session instead of storing it', async () => {
    const store = new ValkeySessionStore(cache);
    await cache.set('sess:old', { cookie: {} }, 60);
    const sess = { cookie: { expires: new Date(Date.now() - 1000), originalMaxAge: 1 } };
    await call((cb) => store.set('old', sess as unknown as SessionData, cb));
    expect(await raw.exists('web:1:sess:old')).toBe(0);
  });

  it('hands errors to the callbacks (never throws), and express answers 500', async () => {
    const store = new ValkeySessionStore(cache);
    await raw.set('web:1:sess:bad', Buffer.from([0x00, 0xff, 0x7b, 0x01])); // not decodable
    let thrown: unknown = null;
    const err = await new Promise<unknown>((resolve) => {
      try {
        store.get('bad', (e) => resolve(e));
      } catch (e) {
        thrown = e;
        resolve(null);
      }
    });
    expect(thrown).toBeNull();
    expect(err).toBeInstanceOf(CacheDecodeError);
    expect((err as CacheDecodeError).alias).toBe('sessions');
    // A session that cannot be serialized: the TypeError goes to the callback too.
    const unserializable = { cookie: {}, big: 1n } as unknown as SessionData;
    const setErr = await new Promise<unknown>((resolve) => store.set('x', unserializable, resolve));
    expect(setErr).toBeInstanceOf(TypeError);
    expect(await raw.exists('web:1:sess:x')).toBe(0);
    // Through the middleware: the store error reaches express's error handler.
    const app = webApp(store);
    const res = await request(app)
      .get('/me')
      .set('Cookie', `connect.sid=${signedSid('bad')}`);
    expect(res.status).toBe(500);
  });
});

describe('ValkeySessionStore callbacks and options', () => {
  it('a callback runs outside the promise chain: what it throws is not a rejection', async () => {
    const store = new ValkeySessionStore(cache);
    await cache.set('sess:thrower', { cookie: {} as never, user: 'ada' }, 60);
    // Every function scheduled with process.nextTick meanwhile runs as usual, but what the
    // callback throws there is recorded: inside a promise reaction it would be a rejection instead.
    const realNextTick = process.nextTick.bind(process);
    const thrownOnTick: string[] = [];
    const spy = jest.spyOn(process, 'nextTick').mockImplementation(((
      fn: (...a: unknown[]) => void,
      ...args: unknown[]
    ) =>
      realNextTick(() => {
        try {
          fn(...args);
        } catch (e) {
          if ((e as Error).message !== 'callback boom') throw e;
          thrownOnTick.push((e as Error).message);
        }
      })) as typeof process.nextTick);
    const got: unknown[] = [];
    try {
      store.get('thrower', (err, sess) => {
        got.push(err, sess?.user);
        throw new Error('callback boom');
      });
      await sleep(100);
    } finally {
      spy.mockRestore();
    }
    expect(got).toEqual([null, 'ada']);
    expect(thrownOnTick).toEqual(['callback boom']);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses ttl %p (it would delete every session on save), naming the alias',
    (ttl) => {
      expect(() => new ValkeySessionStore(cache, { ttl })).toThrow(CacheArgumentError);
      expect(() => new ValkeySessionStore(cache, { ttl })).toThrow(
        `cache 'sessions': ValkeySessionStore: option ttl must be a finite number of seconds > 0, got ${String(ttl)}`,
      );
    },
  );

  it('a valid ttl (seconds) is the expiry of a session whose cookie has none', async () => {
    const store = new ValkeySessionStore(cache, { ttl: 30 });
    await call((cb) => store.set('browser', { cookie: {} } as unknown as SessionData, cb));
    const pttl = await raw.pttl('web:1:sess:browser');
    expect(pttl).toBeGreaterThan(28_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });
});

describe('ValkeySessionStore on the shared Sentinel group', () => {
  it('with a primary-only location, a session is read back right after it is written', async () => {
    const topo = sharedTopology();
    const prefix = `sess-${randomUUID().slice(0, 8)}`;
    const sentinelModule = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          primaryOnly: {
            location: [`valkey://${topo.serviceName}/0?is_master=1`],
            keyPrefix: prefix,
            options: {
              sentinels: [...topo.sentinelPairs],
              connectionFactory: 'SentinelConnectionFactory',
            },
          },
        }),
      ],
    }).compile();
    await sentinelModule.init();
    const store = new ValkeySessionStore(sentinelModule.get(getCacheToken('primaryOnly')));
    const primary = new Valkey({ host: topo.primary.host, port: topo.primary.port });
    try {
      const app = webApp(store);
      for (let i = 0; i < 10; i++) {
        const agent = request.agent(app);
        await agent.post('/login').expect(200);
        expect((await agent.get('/me').expect(200)).body).toEqual({ user: 'ada', views: 1 });
      }
      expect(await primary.keys(`${prefix}:1:sess:*`)).toHaveLength(10);
      await call((cb) => store.clear(cb));
      expect(await primary.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      primary.disconnect();
      await sentinelModule.close();
    }
  });
});

/** `calls` of `cmdstat_set` on the server. */
async function setCalls(): Promise<number> {
  const info = await raw.info('commandstats');
  const match = /^cmdstat_set:calls=(\d+)/m.exec(info);
  return match ? Number(match[1]) : 0;
}

/** The `connect.sid` cookie value express-session accepts for `sid` (signed with the secret). */
function signedSid(sid: string): string {
  // cookie-signature: 's:' + sid + '.' + base64(hmac-sha256(secret, sid)) without '=' padding.
  const mac = createHmac('sha256', 'test-secret').update(sid).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${sid}.${mac}`);
}
