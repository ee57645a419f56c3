/**
 * Keeps the sample app honest: it boots against the shared topology (without disturbing it) and
 * answers every endpoint over HTTP. This file owns database 13 of the shared standalone server
 * and database 13 of the shared Sentinel group. The failover is in sample-failover.spec.ts, on
 * private servers.
 */
import 'reflect-metadata';
import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { adminCommand } from '../harness/admin-command.js';
import { allocatePort } from '../harness/ports.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { appUrl, bootstrap } from '../../sample/main.js';
import { GREETING_TIMEOUT_SECONDS } from '../../sample/greeting.controller.js';
import { NOTE_TIMEOUT_SECONDS } from '../../sample/notes.controller.js';
import { sampleCaches } from '../../sample/sample.config.js';
import { callsByNode, delta } from './sentinel-support.js';
import { addr, call } from './sample-support.js';

jest.setTimeout(30_000);
const DB = 13;
const topo = sharedTopology();
const env = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  VALKEY_URL: topo.valkeyUrl(DB),
  SENTINELS: topo.sentinels.map(addr).join(','),
  SENTINEL_SERVICE: topo.serviceName,
  SENTINEL_DB: String(DB),
  ...overrides,
});
/** Waits until both replicas have what the primary has (WAIT 2). */
const replicated = (): Promise<unknown> =>
  adminCommand(topo.primary, ['WAIT', 2, 1000], { timeoutMs: 2000 });
const onPrimary = (command: (string | number)[]): Promise<unknown> =>
  adminCommand(topo.primary, command, { clientOptions: { db: DB } });

describe('sample app on the shared topology', () => {
  let app: INestApplication;
  let url: string;
  const run = `r${Date.now()}${process.pid}`;

  beforeAll(async () => {
    app = await bootstrap({ port: 0, env: env(), logger: false });
    url = await appUrl(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('configures the seed caches: plain default, Sentinel sentinel, replicas-only readonly', () => {
    const caches = sampleCaches(env());
    expect(caches['default']?.location).toBe(topo.valkeyUrl(DB));
    expect(caches['sentinel']?.location).toBe(`valkey://${topo.serviceName}/${DB}`);
    expect(caches['sentinel']?.options?.clientClass).toBe('SentinelClient');
    expect(caches['readonly']?.location).toBe(`valkey://${topo.serviceName}/${DB}?is_master=0`);
    expect(caches['readonly']?.options?.sentinels).toEqual(topo.sentinelPairs);
  });

  it('caches GET /greeting/:name with CacheInterceptor in the sentinel cache: MISS, then HIT', async () => {
    const name = `${run}-greet`;
    const first = await call(url, 'GET', `/greeting/${name}`);
    expect(first.status).toBe(200);
    expect(first.xCache).toBe('MISS');
    expect(first.body).toEqual({ greeting: `Hello, ${name}!`, computedAt: expect.any(String) });
    // stored on the Sentinel primary, in db 13, with the route's timeout
    const key = `sample:1:/greeting/${name}`;
    expect(JSON.parse(String(await onPrimary(['GET', key])))).toEqual(first.body);
    const pttl = Number(await onPrimary(['PTTL', key]));
    expect(pttl).toBeGreaterThan((GREETING_TIMEOUT_SECONDS - 5) * 1000);
    expect(pttl).toBeLessThanOrEqual(GREETING_TIMEOUT_SECONDS * 1000);
    // reads go to the replicas: let them catch up, then the handler does not run again
    await replicated();
    const second = await call(url, 'GET', `/greeting/${name}`);
    expect(second).toEqual({ status: 200, xCache: 'HIT', body: first.body });
  });

  it('counts visits with INCR in the default cache (the plain server, db 13)', async () => {
    const a = await call(url, 'POST', '/visits');
    const b = await call(url, 'POST', '/visits');
    expect(a.status).toBe(201);
    expect(b.body.visits).toBe(a.body.visits + 1);
    const stored = await adminCommand(topo.standalone, ['GET', 'sample:1:visits'], {
      clientOptions: { db: DB },
    });
    expect(Number(stored)).toBeGreaterThanOrEqual(b.body.visits);
  });

  it('writes notes on the primary (sentinel) and reads them on the replicas (readonly)', async () => {
    const id = `${run}-note`;
    const put = await call(url, 'PUT', `/notes/${id}`, { text: 'on the primary' });
    expect(put).toEqual({ status: 200, xCache: null, body: { id, text: 'on the primary' } });
    expect(await onPrimary(['GET', `sample:1:note:${id}`])).toBe(JSON.stringify('on the primary'));
    const ttl = Number(await onPrimary(['TTL', `sample:1:note:${id}`]));
    expect(ttl).toBeGreaterThan(NOTE_TIMEOUT_SECONDS - 5);
    await replicated();
    const nodes = [topo.primary, ...topo.replicas];
    const before = await callsByNode(nodes, 'get');
    const n = 20;
    for (let i = 0; i < n; i++)
      expect(await call(url, 'GET', `/notes/${id}`)).toEqual({
        status: 200,
        xCache: null,
        body: { id, text: 'on the primary' },
      });
    const gets = delta(before, await callsByNode(nodes, 'get'));
    const onReplicas = topo.replicas.reduce((sum, r) => sum + (gets.get(addr(r)) ?? 0), 0);
    expect(onReplicas).toBeGreaterThanOrEqual(n);
    const missing = await call(url, 'GET', `/notes/${run}-nothing`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`no note '${run}-nothing' on the replicas`);
  });

  it('shows the Sentinel topology', async () => {
    const t = await call(url, 'GET', '/topology');
    expect(t.status).toBe(200);
    expect(t.body.service).toBe(topo.serviceName);
    expect(t.body.primary).toEqual(topo.primary);
    expect(t.body.replicas.map(addr).sort()).toEqual(topo.replicas.map(addr).sort());
  });

  it('answers /health with every cache up and the Sentinel details', async () => {
    const h = await call(url, 'GET', '/health');
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('ok');
    expect(Object.keys(h.body.details).sort()).toEqual(['default', 'readonly', 'sentinel']);
    for (const alias of ['default', 'sentinel', 'readonly']) {
      expect(h.body.details[alias]).toMatchObject({ status: 'up', alias });
      expect(typeof h.body.details[alias].pingMs).toBe('number');
    }
    expect(h.body.details.sentinel.sentinel).toMatchObject({
      service: topo.serviceName,
      primary: addr(topo.primary),
      sentinels: { answered: 3, total: 3 },
      replicas: { up: 2, total: 2 },
    });
  });
});

describe('sample app with its plain server unreachable', () => {
  it('answers 503 naming the cache, and /health says which cache is down', async () => {
    const dead = `valkey://127.0.0.1:${await allocatePort()}/0`;
    const app = await bootstrap({ port: 0, env: env({ VALKEY_URL: dead }), logger: false });
    try {
      const url = await appUrl(app);
      const visit = await call(url, 'POST', '/visits');
      expect(visit.status).toBe(503);
      expect(visit.body).toMatchObject({ statusCode: 503, alias: 'default' });
      expect(visit.body.message).toMatch(/^cache 'default': /);
      // the Sentinel caches still work
      expect((await call(url, 'GET', `/greeting/${Date.now()}-dead`)).status).toBe(200);
      const h = await call(url, 'GET', '/health');
      expect(h.status).toBe(503);
      expect(h.body.status).toBe('error');
      expect(Object.keys(h.body.error)).toEqual(['default']);
      expect(h.body.details.sentinel.status).toBe('up');
    } finally {
      await app.close();
    }
  });
});
