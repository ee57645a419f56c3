import { EventEmitter } from 'node:events';
import type { Valkey } from 'iovalkey';
import { Registry } from 'prom-client';
import {
  CACHE_OPERATIONS,
  type ConnectionErrorEvent,
  type ConnectionEvent,
} from '../../lib/extend/index.js';
import { CacheEvents, CacheMetrics, type ValkeyCache } from '../../lib/index.js';
import { LATENCY_BUCKETS_MS } from '../../lib/cache/cache-metrics.js';
import { ConnectionReports } from '../../lib/connection/connection-events.js';
import { completesFailover } from '../../lib/cache/observe.js';
import { registerCacheMetrics } from '../../lib/prometheus/index.js';

describe('CacheMetrics', () => {
  it('counts, buckets latencies in ms, snapshots a copy and resets', () => {
    const m = new CacheMetrics('a');
    m.hits += 3;
    m.misses++;
    m.sets += 2;
    m.deletes++;
    m.errors += 2;
    m.ignoredErrors++;
    m.failovers++;
    m.observeDuration('get', 0.1); // first bucket (<= 0.25 ms)
    m.observeDuration('get', 1); // bound is inclusive: the 1 ms bucket
    m.observeDuration('get', 7); // 10 ms bucket
    m.observeDuration('get', 60_000); // above the last bound: +Inf
    const s = m.snapshot();
    expect(s).toMatchObject({
      alias: 'a',
      hits: 3,
      misses: 1,
      sets: 2,
      deletes: 1,
      errors: 2,
      ignoredErrors: 1,
      failovers: 1,
    });
    const get = s.latency.get;
    expect(get.count).toBe(4);
    expect(get.sumMs).toBeCloseTo(60_008.1);
    expect(get.maxMs).toBe(60_000);
    expect(get.meanMs).toBeCloseTo(60_008.1 / 4);
    expect(get.buckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
    expect(get.buckets[0]).toBe(1);
    expect(get.buckets[LATENCY_BUCKETS_MS.indexOf(1)]).toBe(1);
    expect(get.buckets[LATENCY_BUCKETS_MS.indexOf(10)]).toBe(1);
    expect(get.buckets[LATENCY_BUCKETS_MS.length]).toBe(1);
    expect(s.latency.set.count).toBe(0);
    expect(Object.keys(s.latency).sort()).toEqual([...CACHE_OPERATIONS].sort());
    m.hits++;
    expect(s.hits).toBe(3); // a snapshot is a copy
    m.reset();
    const r = m.snapshot();
    expect([r.hits, r.errors, r.failovers, r.latency.get.count, r.latency.get.maxMs]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    expect(r.latency.get.buckets.every((b) => b === 0)).toBe(true);
  });

  it('observe() measures from a performance.now() start', async () => {
    const m = new CacheMetrics('a');
    const t0 = CacheMetrics.now();
    await new Promise((r) => setTimeout(r, 20));
    m.observe('set', t0);
    expect(m.snapshot().latency.set.sumMs).toBeGreaterThanOrEqual(15);
  });

  it('counts a failover only when it completes', () => {
    const base = { id: 1, alias: 'a', service: 's', at: 0 };
    expect(completesFailover({ ...base, phase: 'end', reason: '+failover-end' })).toBe(true);
    expect(completesFailover({ ...base, phase: 'start', reason: '+try-failover' })).toBe(false);
    expect(
      completesFailover({ ...base, phase: 'end', reason: '-failover-abort-no-good-slave' }),
    ).toBe(false);
  });
});

describe('CacheEvents', () => {
  const fakeClient = (): Valkey => new EventEmitter() as unknown as Valkey;

  it("routes a connection's lifecycle to the cache that holds it, only while someone listens", () => {
    const mine = fakeClient();
    const other = fakeClient();
    const reports = new ConnectionReports();
    reports.watch(mine, '127.0.0.1:1/0');
    reports.watch(other, '127.0.0.1:2/0');
    let held: Valkey[] = [mine];
    const events = new CacheEvents('a', { clients: () => held, reports });
    const seen: Array<[string, ConnectionEvent]> = [];
    const onConnect = (e: ConnectionEvent): void => void seen.push(['connect', e]);
    const onError = (e: ConnectionErrorEvent): void => void seen.push(['error', e]);
    // nobody listens yet: nothing is routed
    (mine as unknown as EventEmitter).emit('ready');
    events.on('connect', onConnect);
    events.on('connection-error', onError);
    (mine as unknown as EventEmitter).emit('ready');
    (other as unknown as EventEmitter).emit('ready');
    (mine as unknown as EventEmitter).emit('error', new Error('connect ECONNREFUSED'));
    // a connection the pool dropped since (retired) still reports under this cache
    held = [];
    (mine as unknown as EventEmitter).emit('ready');
    expect(seen.map(([k, e]) => [k, e.alias, e.connection])).toEqual([
      ['connect', 'a', '127.0.0.1:1/0'],
      ['error', 'a', '127.0.0.1:1/0'],
      ['connect', 'a', '127.0.0.1:1/0'],
    ]);
    expect((seen[1]![1] as ConnectionErrorEvent).message).toBe('connect ECONNREFUSED');
    events.off('connect', onConnect);
    events.off('connection-error', onError);
    (mine as unknown as EventEmitter).emit('ready');
    expect(seen).toHaveLength(3);
    expect(reports.listenerCount).toBe(0);
  });

  it('a cache whose factory reports nothing gets no connection events', () => {
    const c = fakeClient();
    new ConnectionReports().watch(c, 'x');
    const events = new CacheEvents('a', { clients: () => [c] });
    const connects: ConnectionEvent[] = [];
    events.on('connect', (e) => connects.push(e));
    (c as unknown as EventEmitter).emit('ready');
    expect(connects).toEqual([]);
  });

  it('an error with no connection-error listener does not throw', () => {
    const c = fakeClient();
    const reports = new ConnectionReports();
    reports.watch(c, 'x');
    const events = new CacheEvents('a', { clients: () => [c], reports });
    const connects: ConnectionEvent[] = [];
    events.on('connect', (e) => connects.push(e));
    expect(() => (c as unknown as EventEmitter).emit('error', new Error('boom'))).not.toThrow();
    (c as unknown as EventEmitter).emit('ready');
    expect(connects).toHaveLength(1);
  });
});

describe('registerCacheMetrics (prom-client)', () => {
  it('exports counters and a latency histogram labelled by alias', async () => {
    const a = new CacheMetrics('a');
    const b = new CacheMetrics('b');
    a.hits = 5;
    a.misses = 2;
    b.sets = 7;
    b.ignoredErrors = 1;
    a.observeDuration('get', 0.4); // <= 0.5 ms bucket
    a.observeDuration('get', 3); // <= 5 ms bucket
    const caches = [{ metrics: a }, { metrics: b }] as unknown as ValkeyCache[];
    const registry = new Registry();
    const registered = registerCacheMetrics(caches, { registry });
    const text = await registry.metrics();
    expect(text).toContain('valkey_cache_hits_total{alias="a"} 5');
    expect(text).toContain('valkey_cache_hits_total{alias="b"} 0');
    expect(text).toContain('valkey_cache_misses_total{alias="a"} 2');
    expect(text).toContain('valkey_cache_sets_total{alias="b"} 7');
    expect(text).toContain('valkey_cache_ignored_errors_total{alias="b"} 1');
    expect(text).toContain('# TYPE valkey_cache_operation_duration_seconds histogram');
    const h = 'valkey_cache_operation_duration_seconds';
    expect(text).toContain(`${h}_bucket{alias="a",operation="get",le="0.00025"} 0`);
    expect(text).toContain(`${h}_bucket{alias="a",operation="get",le="0.0005"} 1`);
    expect(text).toContain(`${h}_bucket{alias="a",operation="get",le="0.005"} 2`);
    expect(text).toContain(`${h}_bucket{alias="a",operation="get",le="+Inf"} 2`);
    expect(text).toContain(`${h}_count{alias="a",operation="get"} 2`);
    expect(text).toContain(`${h}_sum{alias="a",operation="get"} 0.0034`);
    // values are read at scrape time
    a.hits = 9;
    expect(await registry.metrics()).toContain('valkey_cache_hits_total{alias="a"} 9');
    expect(registered.names).toHaveLength(8);
    registered.unregister();
    expect(await registry.metrics()).not.toContain('valkey_cache_');
  });

  it('takes a prefix', async () => {
    const registry = new Registry();
    registerCacheMetrics([{ metrics: new CacheMetrics('x') }] as unknown as ValkeyCache[], {
      registry,
      prefix: 'app_cache_',
    });
    expect(await registry.metrics()).toContain('app_cache_errors_total{alias="x"} 0');
  });
});

describe('registerCacheMetrics called twice', () => {
  it('throws before registering anything and leaves the first registration intact', async () => {
    const registry = new Registry();
    const first = new CacheMetrics('first');
    first.hits = 4;
    const registered = registerCacheMetrics([{ metrics: first }] as unknown as ValkeyCache[], {
      registry,
    });
    const before = registry.getMetricsAsArray().map((m) => m.name);
    // a clash on the histogram only (the counters are free): nothing may be registered either
    const other = new Registry();
    registerCacheMetrics([] as ValkeyCache[], { registry: other, prefix: 'p_' });
    other.removeSingleMetric('p_hits_total');
    expect(() =>
      registerCacheMetrics([] as ValkeyCache[], { registry: other, prefix: 'p_' }),
    ).toThrow(/already has p_misses_total, .*p_operation_duration_seconds/);
    expect(other.getSingleMetric('p_hits_total')).toBeUndefined();
    expect(() =>
      registerCacheMetrics(
        [{ metrics: new CacheMetrics('intruder') }] as unknown as ValkeyCache[],
        {
          registry,
        },
      ),
    ).toThrow(
      'registerCacheMetrics: the registry already has valkey_cache_hits_total, valkey_cache_misses_total',
    );
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual(before);
    const text = await registry.metrics();
    expect(text).toContain('valkey_cache_hits_total{alias="first"} 4');
    expect(text).not.toContain('intruder');
    // after unregister() the same names can be registered again
    registered.unregister();
    expect(() => registerCacheMetrics([] as ValkeyCache[], { registry })).not.toThrow();
  });
});

describe('CacheEvents.dispose', () => {
  it("unsubscribes from the factory's connection reports and removes every listener", () => {
    const c = new EventEmitter() as unknown as Valkey;
    const reports = new ConnectionReports();
    reports.watch(c, 'x');
    const events = new CacheEvents('a', { clients: () => [c], reports });
    const seen: string[] = [];
    events.on('connect', () => seen.push('connect'));
    events.on('end', () => seen.push('end'));
    expect(reports.listenerCount).toBe(1);
    events.dispose();
    expect(reports.listenerCount).toBe(0);
    expect(events.listenerCount('connect') + events.listenerCount('end')).toBe(0);
    (c as unknown as EventEmitter).emit('ready');
    expect(seen).toEqual([]);
    events.dispose(); // idempotent
    expect(reports.listenerCount).toBe(0);
  });
});
