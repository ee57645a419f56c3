/**
 * `nestjs-valkey-cache/opentelemetry` without a server: the options are checked at boot with
 * the option path in the error, the module instruments the caches of the application on the
 * in-memory store (spans, durations, counters), and detaches on shutdown.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheModule,
  getCacheToken,
  VALKEY_CONNECTION_FACTORY,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import {
  CacheTelemetry,
  instrumentCaches,
  OpenTelemetryConfigError,
  ValkeyCacheOpenTelemetryModule,
  type ValkeyCacheOpenTelemetryOptions,
} from '../../lib/opentelemetry/index.js';
import { InMemoryConnectionFactory } from '../../lib/testing/index.js';
import { SpanObserver } from '../../lib/opentelemetry/span-observer.js';
import { CacheConnectionError } from '../../lib/index.js';
import { MEMORY_LOCATION } from '../integration/cache-support.js';
import {
  counterValue,
  spansOf,
  spanText,
  startTelemetry,
  type Telemetry,
} from '../integration/otel-support.js';

async function boot(
  caches: CachesConfig,
  otel: ValkeyCacheOpenTelemetryOptions,
): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [CacheModule.forRoot(caches), ValkeyCacheOpenTelemetryModule.forRoot(otel)],
  })
    .overrideProvider(VALKEY_CONNECTION_FACTORY)
    .useClass(InMemoryConnectionFactory)
    .compile();
  await app.init();
  return app;
}

describe('OpenTelemetry options', () => {
  it.each([
    [{ recordKeys: 'yes' }, /recordKeys: must be a boolean, got a string/],
    [{ recordKey: true }, /recordKey: unknown option \(did you mean 'recordKeys'\?\)/],
    [{ caches: { s: { traces: 1 } } }, /caches\.s\.traces: must be a boolean, got a number/],
    [{ caches: { s: true } }, /caches\.s: must be an object or false/],
    [{ caches: [] }, /caches: must be an object by alias, got an array/],
    [{ tracerProvider: {} }, /tracerProvider: must have a getTracer\(\) method/],
  ])('refuses %j naming the option path', (options, message) => {
    expect(() => ValkeyCacheOpenTelemetryModule.forRoot(options as never)).toThrow(
      OpenTelemetryConfigError,
    );
    expect(() => ValkeyCacheOpenTelemetryModule.forRoot(options as never)).toThrow(message);
  });

  it('fails the boot on a per-alias setting naming no configured cache', async () => {
    await expect(
      boot({ default: { location: MEMORY_LOCATION } }, { caches: { defualt: {} } }),
    ).rejects.toThrow(
      /caches\.defualt: no cache 'defualt' is configured \(did you mean 'default'\?\)/,
    );
  });
});

describe('ValkeyCacheOpenTelemetryModule.forRootAsync', () => {
  const caches = { default: { location: MEMORY_LOCATION, keyPrefix: 'a' } };
  const bootAsync = (useFactory: () => Promise<ValkeyCacheOpenTelemetryOptions>) =>
    Test.createTestingModule({
      imports: [
        CacheModule.forRoot(caches),
        ValkeyCacheOpenTelemetryModule.forRootAsync({ useFactory }),
      ],
    })
      .overrideProvider(VALKEY_CONNECTION_FACTORY)
      .useClass(InMemoryConnectionFactory)
      .compile();

  it('takes the options from the factory and checks them at boot', async () => {
    const telemetry = startTelemetry();
    const app = await bootAsync(async () => ({
      tracerProvider: telemetry.tracerProvider,
      recordKeys: true,
    }));
    await app.init();
    await app.get<ValkeyCache>(getCacheToken('default')).get('x');
    expect(telemetry.spans()[0]!.attributes['valkey.cache.key']).toBe('a:1:x');
    await app.close();
    await telemetry.shutdown();
    await expect(bootAsync(async () => ({ traces: 'no' }) as never)).rejects.toThrow(
      /traces: must be a boolean, got a string/,
    );
  });
});

describe('ValkeyCacheOpenTelemetryModule on the in-memory store', () => {
  let telemetry: Telemetry;
  let app: TestingModule;
  let cache: ValkeyCache;

  beforeEach(async () => {
    telemetry = startTelemetry();
    app = await boot(
      {
        default: { location: MEMORY_LOCATION, keyPrefix: 'u' },
        keys: { location: MEMORY_LOCATION, keyPrefix: 'k' },
        off: { location: MEMORY_LOCATION, keyPrefix: 'o' },
      },
      {
        tracerProvider: telemetry.tracerProvider,
        meterProvider: telemetry.meterProvider,
        caches: { keys: { recordKeys: true }, off: false },
      },
    );
    cache = app.get<ValkeyCache>(getCacheToken('default'));
  });
  afterEach(async () => {
    await app.close();
    await telemetry.shutdown();
  });

  it('makes one CLIENT span per call with the database attributes, and no key by default', async () => {
    expect([...app.get(CacheTelemetry).aliases].sort()).toEqual(['default', 'keys']);
    await cache.get('a');
    await cache.set('a', 1);
    await cache.get('a');
    await cache.getMany(['a', 'b']);
    const [miss, hit] = spansOf(telemetry, 'get');
    expect(miss!.kind).toBe(SpanKind.CLIENT);
    expect(miss!.name).toBe('get');
    expect(miss!.attributes).toMatchObject({
      'db.system.name': 'valkey',
      'db.operation.name': 'get',
      'db.namespace': '0',
      'valkey.cache.alias': 'default',
      'valkey.cache.hit': false,
    });
    expect(hit!.attributes['valkey.cache.hit']).toBe(true);
    expect(spansOf(telemetry, 'get_many')[0]!.attributes).toMatchObject({
      'db.operation.batch.size': 2,
      'valkey.cache.hits': 1,
      'valkey.cache.misses': 1,
    });
    expect(telemetry.spans()).toHaveLength(4);
    for (const span of telemetry.spans()) expect(spanText(span)).not.toContain('u:1:a');

    const keys = app.get<ValkeyCache>(getCacheToken('keys'));
    await keys.get('x');
    await keys.getMany(['x', 'y']);
    const recorded = telemetry.spans().filter((s) => s.attributes['valkey.cache.alias'] === 'keys');
    expect(
      recorded.map((s) => s.attributes['valkey.cache.key'] ?? s.attributes['valkey.cache.keys']),
    ).toEqual(['k:1:x', ['k:1:x', 'k:1:y']]);

    await app.get<ValkeyCache>(getCacheToken('off')).get('x');
    expect(telemetry.spans().filter((s) => s.attributes['valkey.cache.alias'] === 'off')).toEqual(
      [],
    );
  });

  it('records a typed error with status ERROR, the key replaced, and the counters', async () => {
    await cache.client.getClient(true).set('u:1:bad', Buffer.from([0xff, 0x00]));
    await expect(cache.get('bad')).rejects.toThrow(/cannot decode/);
    const [span] = spansOf(telemetry, 'get');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('CacheDecodeError');
    const exception = span!.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.type']).toBe('CacheDecodeError');
    expect(String(exception?.attributes?.['exception.message'])).toContain("key '<key>'");
    expect(spanText(span!)).not.toContain('u:1:bad');

    await cache.get('nope');
    await cache.set('yes', 1);
    await cache.get('yes');
    expect(await counterValue(telemetry, 'valkey.cache.hits', 'default')).toBe(1);
    expect(await counterValue(telemetry, 'valkey.cache.misses', 'default')).toBe(1);
    expect(await counterValue(telemetry, 'valkey.cache.errors', 'default')).toBe(1);
    expect(await counterValue(telemetry, 'valkey.cache.sets', 'default')).toBe(1);
    const durations = await telemetry.collect('db.client.operation.duration');
    const gets = durations.find(
      (p) =>
        p.attributes['db.operation.name'] === 'get' &&
        p.attributes['valkey.cache.alias'] === 'default' &&
        p.attributes['error.type'] === undefined,
    );
    expect((gets?.value as { count: number }).count).toBe(2);
  });

  it('refuses to instrument a cache twice', () => {
    expect(() => instrumentCaches([cache])).toThrow(/another call observer is attached/);
    // the refused call left the first instrumentation in place
    expect(cache.metrics.observer).toBeDefined();
  });

  it('detaches on shutdown', async () => {
    await app.close();
    expect(cache.metrics.observer).toBeUndefined();
    // instrumentCaches attaches again afterwards: nothing was left behind
    const again = instrumentCaches([cache], { tracerProvider: telemetry.tracerProvider });
    expect(again.aliases).toEqual(['default']);
    again.detach();
  });
});

describe('SpanObserver', () => {
  it('never lets a password, a URL password or (by default) a key reach the span', async () => {
    const telemetry = startTelemetry();
    const observer = new SpanObserver({
      alias: 'a',
      tracer: telemetry.tracerProvider.getTracer('t'),
      duration: undefined,
      recordKeys: false,
      secrets: ['s3cret-pw'],
    });
    const error = new CacheConnectionError(
      "auth s3cret-pw failed on valkey://app:url-pw@h:1/0?password=q-pw for key 'p:1:k'",
      'a',
    );
    observer.start('get', 'p:1:k').fail(error, undefined, false);
    const [span] = telemetry.spans();
    const text = spanText(span!);
    for (const secret of ['s3cret-pw', 'url-pw', 'q-pw', 'p:1:k'])
      expect(text).not.toContain(secret);
    expect(text).toContain("for key '<key>'");
    expect(span!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "cache 'a': auth *** failed on valkey://app:***@h:1/0?password=*** for key '<key>'",
    });
    await telemetry.shutdown();
  });
});
