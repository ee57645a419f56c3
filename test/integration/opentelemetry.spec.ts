/**
 * `nestjs-valkey-cache/opentelemetry` against real servers, with the SDK's tracer and meter
 * providers registered as the global ones (as an app does) and spans kept in memory:
 * - a private standalone with a password: a get miss then hit makes two CLIENT spans naming the
 *   server's port and database, keys only with `recordKeys`, counters that follow;
 * - errors (a dead port, a wrong password, a hung server, an undecodable value): status ERROR,
 *   the typed error recorded, and no password anywhere in the span;
 * - a private Sentinel topology: a read's span names a replica, a write's the primary, and after
 *   a failover the new primary.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheModule,
  getCacheToken,
  SentinelConnectionPool,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { ValkeyCacheOpenTelemetryModule } from '../../lib/opentelemetry/index.js';
import type { ValkeyCacheOpenTelemetryOptions } from '../../lib/opentelemetry/index.js';
import { allocatePort } from '../harness/ports.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { waitFor } from '../harness/wait.js';
import { counterValue, spansOf, spanText, startTelemetry, type Telemetry } from './otel-support.js';
import { sentinelPairs, uniquePrefix } from './sentinel-support.js';

const PASSWORD = 'otel-Secret-pw-1';
const WRONG_PASSWORD = 'otel-Wrong-pw-2';
const DB = 3;

async function boot(
  caches: CachesConfig,
  otel: ValkeyCacheOpenTelemetryOptions = {},
): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [CacheModule.forRoot(caches), ValkeyCacheOpenTelemetryModule.forRoot(otel)],
  }).compile();
  await app.init();
  return app;
}

describe('OpenTelemetry spans and metrics on a standalone server with a password', () => {
  let server: StandaloneServer;
  let telemetry: Telemetry;
  let app: TestingModule;
  let deadPort: number;
  const prefix = uniquePrefix('otel');
  const cache = (alias: string): ValkeyCache => app.get<ValkeyCache>(getCacheToken(alias));

  beforeAll(async () => {
    server = await startStandalone({ requirepass: PASSWORD });
    deadPort = await allocatePort();
    telemetry = startTelemetry();
    telemetry.registerGlobally();
    const at = (pw: string, port = server.port): string =>
      `valkey://:${encodeURIComponent(pw)}@127.0.0.1:${port}/${DB}`;
    app = await boot(
      {
        default: { location: at(PASSWORD), keyPrefix: prefix },
        keys: { location: at(PASSWORD), keyPrefix: `${prefix}-k` },
        dead: {
          location: `valkey://127.0.0.1:${deadPort}/${DB}`,
          keyPrefix: prefix,
          options: { password: PASSWORD, socketConnectTimeout: 0.5, socketTimeout: 0.5 },
        },
        ignoring: {
          location: at(PASSWORD, deadPort),
          keyPrefix: prefix,
          options: { ignoreExceptions: true, socketConnectTimeout: 0.5, socketTimeout: 0.5 },
        },
        wrong: { location: at(WRONG_PASSWORD), keyPrefix: prefix, options: { socketTimeout: 1 } },
        slow: { location: at(PASSWORD), keyPrefix: prefix, options: { socketTimeout: 0.5 } },
      },
      { caches: { keys: { recordKeys: true } } },
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await telemetry?.shutdown();
    await server?.stop();
  });

  beforeEach(() => telemetry.exporter.reset());

  it('a get miss then a hit: two CLIENT spans naming the server, the database and hit or miss', async () => {
    const c = cache('default');
    expect(await c.get('user:1')).toBeNull();
    await c.set('user:1', { name: 'ada' }, 60);
    expect(await c.get('user:1')).toEqual({ name: 'ada' });
    const gets = spansOf(telemetry, 'get');
    expect(gets).toHaveLength(2);
    for (const span of gets) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.name).toBe('get');
      expect(span.attributes).toMatchObject({
        'db.system.name': 'valkey',
        'db.operation.name': 'get',
        'db.namespace': String(DB),
        'server.address': '127.0.0.1',
        'server.port': server.port,
        'network.peer.port': server.port,
        'valkey.cache.alias': 'default',
      });
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
      // keys are not recorded by default (and no password either)
      expect(spanText(span)).not.toContain('user:1');
      expect(spanText(span)).not.toContain(PASSWORD);
    }
    expect(gets.map((s) => s.attributes['valkey.cache.hit'])).toEqual([false, true]);
    const [set] = spansOf(telemetry, 'set');
    expect(set!.attributes['server.port']).toBe(server.port);
    expect(set!.attributes['valkey.cache.hit']).toBeUndefined();
    // the span covers the round trip: it starts before and ends after the reply
    expect(gets[0]!.duration[0] * 1e9 + gets[0]!.duration[1]).toBeGreaterThan(0);
  });

  it('records the stored keys only on the cache with recordKeys', async () => {
    const k = cache('keys');
    await k.get('user:2');
    await k.getMany(['user:2', 'user:3']);
    const [get] = spansOf(telemetry, 'get');
    const [many] = spansOf(telemetry, 'get_many');
    expect(get!.attributes['valkey.cache.key']).toBe(`${prefix}-k:1:user:2`);
    expect(many!.attributes['valkey.cache.keys']).toEqual([
      `${prefix}-k:1:user:2`,
      `${prefix}-k:1:user:3`,
    ]);
    expect(many!.attributes).toMatchObject({
      'db.operation.batch.size': 2,
      'valkey.cache.hits': 0,
      'valkey.cache.misses': 2,
      'server.port': server.port,
    });
  });

  it('the OpenTelemetry counters follow cache.metrics', async () => {
    const c = cache('default');
    const hits = await counterValue(telemetry, 'valkey.cache.hits', 'default');
    const misses = await counterValue(telemetry, 'valkey.cache.misses', 'default');
    await c.set('m', 1, 60);
    await c.get('m');
    await c.get('m');
    await c.get('absent');
    expect(await counterValue(telemetry, 'valkey.cache.hits', 'default')).toBe(hits + 2);
    expect(await counterValue(telemetry, 'valkey.cache.misses', 'default')).toBe(misses + 1);
    expect(await counterValue(telemetry, 'valkey.cache.hits', 'default')).toBe(
      c.metrics.snapshot().hits,
    );
    const durations = await telemetry.collect('db.client.operation.duration');
    const get = durations.find(
      (p) =>
        p.attributes['valkey.cache.alias'] === 'default' &&
        p.attributes['db.operation.name'] === 'get' &&
        p.attributes['error.type'] === undefined,
    );
    const histogram = get!.value as { count: number; sum: number };
    expect(histogram.count).toBeGreaterThanOrEqual(3);
    // seconds: a loopback get takes well under a second each
    expect(histogram.sum / histogram.count).toBeLessThan(0.5);
  });

  it('a call to a dead port: status ERROR, the typed error, no password', async () => {
    await expect(cache('dead').get('k')).rejects.toMatchObject({ name: 'CacheConnectionError' });
    const [span] = spansOf(telemetry, 'get');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('CacheConnectionError');
    const exception = span!.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.type']).toBe('CacheConnectionError');
    expect(String(exception?.attributes?.['exception.message'])).toMatch(/cache 'dead'/);
    expect(spanText(span!)).not.toContain(PASSWORD);
    expect(spanText(span!)).not.toContain(encodeURIComponent(PASSWORD));
  });

  it('an error ignoreExceptions answered is still an ERROR span, marked ignored', async () => {
    expect(await cache('ignoring').get('k', 'fallback')).toBe('fallback');
    const [span] = spansOf(telemetry, 'get');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['valkey.cache.error_ignored']).toBe(true);
    expect(spanText(span!)).not.toContain(PASSWORD);
  });

  it('a wrong password: status ERROR and neither password in the span', async () => {
    await expect(cache('wrong').set('k', 1)).rejects.toMatchObject({
      name: 'CacheConnectionError',
    });
    const [span] = spansOf(telemetry, 'set');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    const text = spanText(span!);
    expect(text).not.toContain(WRONG_PASSWORD);
    expect(text).not.toContain(PASSWORD);
  });

  it('a command timeout on a hung server: status ERROR on the server that did not answer', async () => {
    const slow = cache('slow');
    await slow.set('t', 1, 60); // connected before the server hangs
    telemetry.exporter.reset();
    server.node.pause();
    try {
      await expect(slow.get('t')).rejects.toMatchObject({ name: 'CacheConnectionError' });
    } finally {
      server.node.resume();
    }
    const [span] = spansOf(telemetry, 'get');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('CacheConnectionError');
    expect(span!.attributes['server.port']).toBe(server.port);
    expect(String(span!.status.message)).toMatch(/timed out|timeout/i);
    expect(spanText(span!)).not.toContain(PASSWORD);
  });

  it('an undecodable value: a CacheDecodeError span without the key', async () => {
    const c = cache('default');
    await c.getClient().set(c.makeKey('bad'), Buffer.from([0xff, 0x00, 0x13]));
    await expect(c.get('bad')).rejects.toMatchObject({ name: 'CacheDecodeError' });
    const [span] = spansOf(telemetry, 'get');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('CacheDecodeError');
    expect(span!.attributes['server.port']).toBe(server.port);
    expect(spanText(span!)).not.toContain(c.makeKey('bad'));
    expect(spanText(span!)).toContain('<key>');
  });
});

describe('OpenTelemetry spans on a Sentinel cache with replica reads', () => {
  let topology: SentinelTopology;
  let telemetry: Telemetry;
  let app: TestingModule;

  beforeAll(async () => {
    topology = await startSentinelTopology();
    telemetry = startTelemetry();
    telemetry.registerGlobally();
    app = await boot({
      s: {
        location: `valkey://${topology.serviceName}/${DB}`,
        keyPrefix: uniquePrefix('otel-s'),
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          socketTimeout: 2,
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await telemetry?.shutdown();
    await topology?.stop();
  });

  it("a read's span names a replica, a write's the primary; after a failover the new primary", async () => {
    const cache = app.get<ValkeyCache>(getCacheToken('s'));
    const pool = cache.client.replicas[0] ?? cache.client.primary;
    if (!(pool instanceof SentinelConnectionPool)) throw new Error('not a Sentinel pool');
    await cache.set('k', 'v', 600);
    await cache.get('k');
    await waitFor(async () => (pool.activeReplicas().length === 2 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'both replicas in the read rotation',
    });
    const primary = await topology.primary();
    const replicaPorts = (await topology.replicas()).map((r) => r.port);
    expect(replicaPorts).toHaveLength(2);

    telemetry.exporter.reset();
    await cache.set('k', 'v2', 600);
    for (let i = 0; i < 6; i++) await cache.get('k');
    const [write] = spansOf(telemetry, 'set');
    expect(write!.attributes['server.port']).toBe(primary.port);
    expect(write!.attributes['db.namespace']).toBe(String(DB));
    const reads = spansOf(telemetry, 'get');
    expect(reads).toHaveLength(6);
    const readPorts = new Set(reads.map((s) => s.attributes['server.port']));
    for (const port of readPorts) expect(replicaPorts).toContain(port);
    expect(readPorts.has(primary.port)).toBe(false);
    // reads rotate over both replicas
    expect(readPorts.size).toBe(2);
    for (const span of reads) expect(span.attributes['db.namespace']).toBe(String(DB));

    // after a failover, writes name the new primary
    const before = await topology.failover();
    const after = await topology.waitForPrimary({ not: before });
    expect(after.port).not.toBe(primary.port);
    const writePort = await waitFor(
      async () => {
        telemetry.exporter.reset();
        try {
          await cache.set('k', 'v3', 600);
        } catch {
          return undefined; // the switch may still be in progress
        }
        const port = spansOf(telemetry, 'set')[0]?.attributes['server.port'];
        return port === after.port ? port : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'a write span on the new primary' },
    );
    expect(writePort).toBe(after.port);
  }, 90_000);
});
