/**
 * Early recomputation (XFetch) of `getOrSet` against a standalone server of its own: a hot key
 * (a 100 ms factory, a 1 s timeout) under 20 callers in a loop for 3.5 s. With
 * `earlyRecompute` the key is recomputed while it still exists (its `PTTL` is positive when the
 * factory starts), no caller ever finds it missing after the first fill, and a Django-style
 * plain read of the key still gets the plain value. Without it the behaviour is the one
 * `getOrSet` always had: the key expires, and every caller that finds it missing runs the
 * factory (no single flight, no delta key).
 */
import type { Valkey } from 'iovalkey';
import type { ValkeyCache } from '../../lib/index.js';
import { DELTA_KEY_SUFFIX } from '../../lib/cache/commands/early-recompute.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { bootCache, rawClient, type BootedCache } from './own-server.js';

const FACTORY_MS = 100;
const TIMEOUT_S = 1;
const CALLERS = 20;
const RUN_MS = 3500;

interface Run {
  factoryCalls: number;
  /** `PTTL` of the key when each factory call after the first started. */
  pttlAtRecompute: number[];
  /** Misses counted by the cache after the first fill. */
  missesAfterFill: number;
  /** The slowest call after the first fill, ms. */
  slowestAfterFill: number;
  calls: number;
}

async function hammer(cache: ValkeyCache, raw: Valkey, key: string): Promise<Run> {
  const full = cache.makeKey(key);
  let factoryCalls = 0;
  const pttlAtRecompute: number[] = [];
  const factory = async (): Promise<{ n: number }> => {
    factoryCalls++;
    if (factoryCalls > 1) pttlAtRecompute.push(await raw.pttl(full));
    await new Promise((r) => setTimeout(r, FACTORY_MS));
    return { n: factoryCalls };
  };
  await cache.getOrSet(key, factory, TIMEOUT_S);
  const missesBefore = cache.metrics.misses;
  const end = Date.now() + RUN_MS;
  let slowest = 0;
  let calls = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const value = await cache.getOrSet(key, factory, TIMEOUT_S);
        slowest = Math.max(slowest, performance.now() - t0);
        calls++;
        expect(value).toEqual({ n: expect.any(Number) });
      }
    }),
  );
  return {
    factoryCalls,
    pttlAtRecompute,
    missesAfterFill: cache.metrics.misses - missesBefore,
    slowestAfterFill: slowest,
    calls,
  };
}

describe('getOrSet early recomputation (XFetch) on a real server', () => {
  let server: StandaloneServer;
  let raw: Valkey;
  const apps: BootedCache[] = [];

  beforeAll(async () => {
    server = await startStandalone();
    raw = rawClient(server);
  });
  afterAll(async () => {
    for (const a of apps) await a.app.close();
    raw?.disconnect();
    await server?.stop();
  });

  it('with earlyRecompute: recomputed before expiry, never a miss after the first fill', async () => {
    const booted = await bootCache(server, {
      keyPrefix: 'xf',
      options: { earlyRecompute: { beta: 1 } },
    });
    apps.push(booted);
    const run = await hammer(booted.cache, raw, 'hot');
    // 3.5 s of a 1 s key: at least 3 recomputations, each while the key still existed.
    expect(run.factoryCalls).toBeGreaterThanOrEqual(4);
    expect(run.pttlAtRecompute.length).toBe(run.factoryCalls - 1);
    for (const pttl of run.pttlAtRecompute) expect(pttl).toBeGreaterThan(0);
    expect(run.missesAfterFill).toBe(0);
    // The key stays a plain value (what a Django reader gets); `<delta>:<expiry>` sits next to it.
    expect(JSON.parse((await raw.get(booted.cache.makeKey('hot')))!)).toEqual({
      n: expect.any(Number),
    });
    const stored = (await raw.get(booted.cache.makeKey(`hot${DELTA_KEY_SUFFIX}`)))!;
    const [delta, expiresAt] = stored.split(':').map(Number) as [number, number];
    expect(delta).toBeGreaterThanOrEqual(FACTORY_MS - 5);
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + TIMEOUT_S * 1000);
    // The only slow calls are the refreshing ones: about one factory run.
    expect(run.slowestAfterFill).toBeLessThan(FACTORY_MS * 5);
  });

  it('without it: unchanged, the key expires and every caller that misses runs the factory', async () => {
    const booted = await bootCache(server, { keyPrefix: 'plain' });
    apps.push(booted);
    const run = await hammer(booted.cache, raw, 'hot');
    expect(run.missesAfterFill).toBeGreaterThan(0);
    // Each expiry is a stampede: several of the 20 callers run the factory at once.
    expect(run.factoryCalls).toBeGreaterThan(CALLERS);
    expect(await raw.exists(booted.cache.makeKey(`hot${DELTA_KEY_SUFFIX}`))).toBe(0);
  });

  it('a per-call earlyRecompute turns it on for a cache without the option', async () => {
    const booted = await bootCache(server, { keyPrefix: 'percall' });
    apps.push(booted);
    const { cache } = booted;
    await cache.getOrSet('k', async () => 'v', 60, { earlyRecompute: { beta: 1 } });
    expect(await raw.exists(cache.makeKey(`k${DELTA_KEY_SUFFIX}`))).toBe(1);
    expect(await raw.pttl(cache.makeKey(`k${DELTA_KEY_SUFFIX}`))).toBeGreaterThan(59_000);
  });
});
