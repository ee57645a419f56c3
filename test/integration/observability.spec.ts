/**
 * Observability against real servers: the counters of `cache.metrics` after real calls on the
 * shared standalone (dbs 11 and 12), ignored errors on a dead port, a failover counted on a
 * private Sentinel topology, connection events, and the prom-client export.
 */
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  CacheHandler,
  type ConnectionErrorEvent,
  type ConnectionEvent,
  type FailoverEvent,
  type PrimaryChangedEvent,
} from '../../lib/index.js';
import { registerCacheMetrics } from '../../lib/observability/prometheus.js';
import { allocatePort } from '../harness/ports.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { waitFor } from '../harness/wait.js';
import { openCache, openCaches, standalone } from './cache-support.js';
import { bootApp, sentinelPairs, uniquePrefix, type SentinelApp } from './sentinel-support.js';

describe('cache.metrics on the shared standalone (db 11)', () => {
  it('counts hits, misses, sets, deletes and latency of real calls', async () => {
    const fx = await openCache(11, { keyPrefix: uniquePrefix('obs') });
    const connects: ConnectionEvent[] = [];
    fx.cache.events.on('connect', (e) => connects.push(e));
    try {
      const { cache } = fx;
      await cache.set('a', 1);
      await cache.set('b', { x: 1 });
      await cache.add('b', 2); // answered (refused by NX): still a set call
      expect(await cache.get('a')).toBe(1); // hit
      expect(await cache.get('nope')).toBeNull(); // miss
      expect(await cache.getMany(['a', 'b', 'c'])).toEqual({ a: 1, b: { x: 1 } }); // 2 hits, 1 miss
      expect(await cache.setMany({ c: 3, d: 4 })).toEqual([]); // 2 sets
      expect(await cache.mset({ e: 5 })).toBe(true); // 1 set
      expect(await cache.getOrSet('f', () => 6)).toBe(6); // miss + set (add)
      expect(await cache.getOrSet('f', () => 7)).toBe(6); // hit
      expect(await cache.hasKey('a')).toBe(true);
      expect(await cache.delete('a')).toBe(true); // 1 delete
      expect(await cache.deleteMany(['b', 'c', 'zz'])).toBe(2); // 3 deletes asked
      expect(await cache.touch('d', 10)).toBe(true);
      // the server agrees with what the counters describe
      expect((await fx.rawKeys(`${cache.config.keyPrefix}:*`)).sort()).toEqual(
        ['d', 'e', 'f'].map((k) => `${cache.config.keyPrefix}:1:${k}`),
      );
      const s = cache.metrics.snapshot();
      expect(s).toMatchObject({
        alias: 'default',
        hits: 1 + 2 + 1,
        misses: 1 + 1 + 1,
        sets: 3 + 2 + 1 + 1,
        deletes: 1 + 3,
        errors: 0,
        ignoredErrors: 0,
        failovers: 0,
      });
      const count = (op: keyof typeof s.latency): number => s.latency[op].count;
      expect([
        count('get'),
        count('set'),
        count('getMany'),
        count('setMany'),
        count('mset'),
      ]).toEqual([2 + 2, 3 + 1, 1, 1, 1]);
      expect([count('delete'), count('deleteMany'), count('hasKey'), count('touch')]).toEqual([
        1, 1, 1, 1,
      ]);
      expect(s.latency.get.sumMs).toBeGreaterThan(0);
      expect(s.latency.get.maxMs).toBeGreaterThanOrEqual(s.latency.get.meanMs);
      expect(s.latency.get.buckets.reduce((a, b) => a + b, 0)).toBe(4);
      // one connection, ready once, described by address and db
      expect(connects.map((e) => [e.alias, e.connection])).toEqual([
        ['default', `${standalone().host}:${standalone().port}/11`],
      ]);
    } finally {
      await fx.close();
    }
  });
});

describe('ignored errors on a dead port', () => {
  it('counts errors and ignored errors, and reports connection errors without the password', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const port = await allocatePort(); // nothing listens there
    const options = {
      socketTimeout: 0.3,
      socketConnectTimeout: 0.3,
      connectionPoolKwargs: { disconnectTimeout: 50 },
    };
    const fx = await openCaches(11, {
      lenient: {
        location: `valkey://:obs-s3cret@127.0.0.1:${port}/0`,
        options: { ...options, ignoreExceptions: true },
      },
      strict: { location: `valkey://:obs-s3cret@127.0.0.1:${port}/0`, options },
    });
    const lenient = fx.caches['lenient']!;
    const strict = fx.caches['strict']!;
    const errors: ConnectionErrorEvent[] = [];
    lenient.events.on('connection-error', (e) => errors.push(e));
    try {
      const [got, stored, many] = await Promise.all([
        lenient.get('k', 'fallback'),
        lenient.set('k', 1),
        lenient.getMany(['a', 'b']),
        expect(strict.get('k')).rejects.toThrow(/strict/),
      ]);
      expect([got, stored, many]).toEqual(['fallback', false, {}]);
      const l = lenient.metrics.snapshot();
      expect([l.errors, l.ignoredErrors, l.hits, l.misses, l.sets]).toEqual([3, 3, 0, 0, 0]);
      expect([l.latency.get.count, l.latency.set.count, l.latency.getMany.count]).toEqual([
        1, 1, 1,
      ]);
      const s = strict.metrics.snapshot();
      expect([s.errors, s.ignoredErrors]).toEqual([1, 0]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.connection).toBe(`127.0.0.1:${port}/0`);
      expect(JSON.stringify(errors)).not.toContain('obs-s3cret');
    } finally {
      await fx.close();
      warn.mockRestore();
      error.mockRestore();
    }
  });
});

describe('prom-client export (db 12)', () => {
  it("registry.metrics() has the module's counters and latency by alias", async () => {
    const fx = await openCaches(12, {
      web: { keyPrefix: uniquePrefix('obs-web') },
      jobs: { keyPrefix: uniquePrefix('obs-jobs') },
    });
    try {
      const registry = new Registry();
      registerCacheMetrics(fx.app.get(CacheHandler), { registry });
      const web = fx.caches['web']!;
      const jobs = fx.caches['jobs']!;
      await web.set('k', 'v');
      await web.get('k');
      await web.get('k');
      await web.get('missing');
      await jobs.setMany({ a: 1, b: 2, c: 3 });
      await jobs.deleteMany(['a', 'b']);
      const text = await registry.metrics();
      expect(text).toContain('valkey_cache_hits_total{alias="web"} 2');
      expect(text).toContain('valkey_cache_misses_total{alias="web"} 1');
      expect(text).toContain('valkey_cache_sets_total{alias="web"} 1');
      expect(text).toContain('valkey_cache_sets_total{alias="jobs"} 3');
      expect(text).toContain('valkey_cache_deletes_total{alias="jobs"} 2');
      expect(text).toContain('valkey_cache_errors_total{alias="jobs"} 0');
      expect(text).toContain('valkey_cache_failovers_total{alias="web"} 0');
      expect(text).toContain(
        'valkey_cache_operation_duration_seconds_count{alias="web",operation="get"} 3',
      );
      expect(text).toContain(
        'valkey_cache_operation_duration_seconds_bucket{alias="web",operation="get",le="+Inf"} 3',
      );
      expect(text).toContain(
        'valkey_cache_operation_duration_seconds_count{alias="jobs",operation="setMany"} 1',
      );
      expect(text).not.toMatch(/valkey:\/\/|127\.0\.0\.1/);
    } finally {
      await fx.close();
    }
  });
});

describe('failovers on a private Sentinel topology', () => {
  let topology: SentinelTopology;
  let app: SentinelApp;

  beforeAll(async () => {
    topology = await startSentinelTopology({ replicas: 1 });
    app = await bootApp({
      s: {
        location: `valkey://${topology.serviceName}/0`,
        keyPrefix: uniquePrefix('obs-fo'),
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          socketTimeout: 2,
        },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });

  it('counts a SENTINEL FAILOVER once and emits failover and primary-changed events', async () => {
    const cache = app.cache('s');
    const failovers: FailoverEvent[] = [];
    const changes: PrimaryChangedEvent[] = [];
    cache.events.on('failover', (e) => failovers.push(e));
    cache.events.on('primary-changed', (e) => changes.push(e));
    await cache.set('k', 1); // connects (and subscribes to the sentinels)
    expect(cache.metrics.snapshot().failovers).toBe(0);
    const before = await topology.failover();
    await topology.waitForPrimary({ not: before });
    await waitFor(async () => (cache.metrics.snapshot().failovers === 1 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the failover counted',
    });
    expect(failovers.map((e) => e.phase)).toContain('end');
    expect(changes.some((e) => e.previous?.port === before.port)).toBe(true);
    expect(await cache.set('k', 2)).toBe(true);
    expect(cache.metrics.snapshot().failovers).toBe(1);
  });
});
