/**
 * Observability against real servers: the counters of `cache.metrics` after real calls on the
 * shared standalone (dbs 11 and 12), ignored errors on a dead port, a failover counted on a
 * private Sentinel topology, connection events, and the prom-client export.
 */
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CacheDecodeError, CacheHandler } from '../../lib/index.js';
import {
  type ConnectionErrorEvent,
  type ConnectionEvent,
  type FailoverEvent,
  type PrimaryChangedEvent,
} from '../../lib/extend/index.js';
import { registerCacheMetrics } from '../../lib/prometheus/index.js';
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
      await cache.add('b', 2); // refused by NX: stores nothing, so no set counted
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
        sets: 2 + 2 + 1 + 1,
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

describe('counters count what the server did (db 11)', () => {
  it('a write that nx/xx prevented is no set; a timeout <= 0 is a delete', async () => {
    const fx = await openCache(11, { keyPrefix: uniquePrefix('obs-count') });
    try {
      const { cache } = fx;
      expect(await cache.set('a', 1)).toBe(true); // 1 set
      expect(await cache.add('a', 2)).toBe(false); // NX refused: nothing
      expect(await cache.set('a', 2, undefined, { nx: true })).toBe(false); // nothing
      expect(await cache.set('nope', 2, undefined, { xx: true })).toBe(false); // nothing
      expect(await cache.set('a', 3, undefined, { xx: true })).toBe(true); // 1 set
      expect(await cache.set('a', 4, 0)).toBe(true); // DEL of 1 key: 1 delete
      expect(await cache.add('a', 5, -1)).toBe(true); // nx with <= 0: writes nothing
      expect(await cache.setMany({ b: 1, c: 2 }, 0)).toEqual([]); // 2 deletes
      expect(await cache.mset({ d: 1, e: 2, f: 3 }, -1)).toBe(true); // 3 deletes
      expect(await fx.rawKeys(`${cache.config.keyPrefix}:*`)).toEqual([]);
      const s = cache.metrics.snapshot();
      expect([s.sets, s.deletes, s.errors]).toEqual([2, 1 + 2 + 3, 0]);
    } finally {
      await fx.close();
    }
  });

  it('an undecodable value thrown by get, getMany and getOrSet counts as an error', async () => {
    const fx = await openCache(11, { keyPrefix: uniquePrefix('obs-decode') });
    try {
      const { cache } = fx;
      await fx.raw.set(cache.makeKey('bad'), Buffer.from([0x00, 0xff, 0x7b, 0x01]));
      await expect(cache.get('bad')).rejects.toBeInstanceOf(CacheDecodeError);
      await expect(cache.getMany(['bad'])).rejects.toBeInstanceOf(CacheDecodeError);
      await expect(cache.getOrSet('bad', 1)).rejects.toBeInstanceOf(CacheDecodeError);
      const s = cache.metrics.snapshot();
      expect([s.errors, s.ignoredErrors, s.hits, s.misses]).toEqual([3, 0, 0, 0]);
    } finally {
      await fx.close();
    }
  });

  it('a write stored on the fallback server (replicaReadOnly: false) is counted', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dead = await allocatePort(); // nothing listens: the first write fails there
    const fx = await openCache(11, {
      location: [
        `valkey://127.0.0.1:${dead}/11`,
        `valkey://${standalone().host}:${standalone().port}/11`,
      ],
      keyPrefix: uniquePrefix('obs-fallback'),
      options: {
        replicaReadOnly: false,
        socketTimeout: 0.3,
        socketConnectTimeout: 0.3,
        connectionPoolKwargs: { disconnectTimeout: 50 },
      },
    });
    try {
      const { cache } = fx;
      expect(await cache.set('k', 1)).toBe(true);
      expect(await fx.raw.exists(cache.makeKey('k'))).toBe(1);
      const s = cache.metrics.snapshot();
      expect([s.sets, s.errors]).toEqual([1, 0]);
    } finally {
      await fx.close();
      error.mockRestore();
      warn.mockRestore();
    }
  });

  it('HerdCache: a stale value returned as a miss (to refresh) counts as a miss, not a hit', async () => {
    const fx = await openCache(11, {
      keyPrefix: uniquePrefix('obs-herd'),
      // herdTimeout 1 s: once past its logical expiry, every reader is told to refresh
      options: { clientClass: 'HerdClient', herdTimeout: 1 },
    });
    try {
      const { cache } = fx;
      await cache.set('k', 'v', 0.05);
      await cache.set('fresh', 'f', 60);
      await new Promise((r) => setTimeout(r, 120));
      expect(await cache.get('k')).toBeNull(); // stale: returned as a miss
      expect(await cache.getMany(['k', 'fresh'])).toEqual({ fresh: 'f' });
      expect(await cache.get('fresh')).toBe('f');
      const s = cache.metrics.snapshot();
      expect([s.hits, s.misses]).toEqual([2, 2]);
    } finally {
      await fx.close();
    }
  });

  it('an expiry beyond the largest says "at most … ms", a non-finite one "finite"', async () => {
    const fx = await openCache(11, { keyPrefix: uniquePrefix('obs-expiry') });
    try {
      await expect(fx.cache.pexpire('k', 1e300)).rejects.toThrow(
        "cache 'default': expiry must be at most 9007199254740991 ms (in magnitude), got 1e+300 ms",
      );
      await expect(fx.cache.expireAt('k', -1e300)).rejects.toThrow(/must be at most .* ms/);
      await expect(fx.cache.pexpire('k', Infinity)).rejects.toThrow(
        'expiry must be a finite number, got Infinity',
      );
    } finally {
      await fx.close();
    }
  });
});

describe('closing the app releases cache.events', () => {
  it("the connection factory's reports hold no subscription of a closed app", async () => {
    const fx = await openCaches(11, {
      one: { keyPrefix: uniquePrefix('obs-hub') },
      two: { keyPrefix: uniquePrefix('obs-hub') },
    });
    const one = fx.caches['one']!;
    const two = fx.caches['two']!;
    const ends: ConnectionEvent[] = [];
    one.events.on('connect', () => undefined);
    one.events.on('end', (e) => ends.push(e));
    two.events.on('connection-error', () => undefined);
    const reports = [...new Set([one, two].map((c) => c.client.connectionReports!))];
    const subscribed = (): number => reports.reduce((n, r) => n + r.listenerCount, 0);
    expect(subscribed()).toBe(2);
    await one.set('k', 1);
    await fx.close();
    expect(subscribed()).toBe(0);
    expect(one.events.listenerCount('connect') + two.events.listenerCount('connection-error')).toBe(
      0,
    );
    // disposed after the connections closed: listeners still saw them end
    expect(ends.map((e) => e.alias)).toContain('one');
  });
});
