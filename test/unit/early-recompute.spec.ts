/**
 * Early recomputation (XFetch) of `getOrSet`, on the in-memory testing kit with a fixed
 * `Math.random` (the delta key holds the writer's expiry time, so the tests set it directly): the rule `-delta * beta * ln(random) >= remaining TTL`, the delta key
 * next to the value, the per-call option winning over the cache's, single flight on a miss and on
 * a refresh, a failing refresh, and the boot checks of `options.earlyRecompute`.
 */
import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheArgumentError, getCacheToken, type ValkeyCache } from '../../lib/index.js';
import { DELTA_KEY_SUFFIX } from '../../lib/cache/commands/early-recompute.js';
import { CacheTestingModule, FakeClock } from '../../lib/testing/index.js';
import { bootError } from '../support/boot-error.js';

const OK = 'valkey://127.0.0.1:6379/1';

describe('getOrSet with early recomputation (XFetch)', () => {
  let moduleRef: TestingModule;
  let cache: ValkeyCache;
  let clock: FakeClock;
  let random: ReturnType<typeof jest.spyOn>;
  /** `-ln(1 - r)`: how many deltas early a roll of `r` recomputes (beta 1). */
  const rollFor = (deltas: number): number => 1 - Math.exp(-deltas);

  beforeEach(async () => {
    clock = new FakeClock();
    moduleRef = await Test.createTestingModule({
      imports: [
        CacheTestingModule.forRoot(
          { default: { location: 'valkey://x/0', options: { earlyRecompute: { beta: 1 } } } },
          { clock },
        ),
      ],
    }).compile();
    cache = moduleRef.get<ValkeyCache>(getCacheToken());
    random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(async () => {
    random.mockRestore();
    await moduleRef.close();
  });

  /** The delta key of `key`: `<delta ms>:<expiry ms>`. */
  const deltaKey = (key: string): Promise<string | null> => {
    const kd = cache.makeKey(`${key}${DELTA_KEY_SUFFIX}`);
    return cache.client.clientFor(kd, false).get(kd);
  };
  /** Sets the delta key of `key`: a compute time of `deltaMs`, expiring in `inMs`. */
  const setDelta = async (key: string, deltaMs: number, inMs: number): Promise<void> => {
    const kd = cache.makeKey(`${key}${DELTA_KEY_SUFFIX}`);
    await cache.client.clientFor(kd, true).set(kd, `${deltaMs}:${Date.now() + inMs}`, 'PX', 60_000);
  };

  /** A factory that takes `ms` of real time (delta) and counts its calls. */
  const slow = (ms: number, value: (n: number) => unknown) => {
    let calls = 0;
    const fn = async (): Promise<unknown> => {
      calls++;
      await new Promise((r) => setTimeout(r, ms));
      return value(calls);
    };
    return { fn, calls: () => calls };
  };

  it('stores the value plainly and its compute time under the delta key, same expiry', async () => {
    const f = slow(20, () => ({ v: 1 }));
    expect(await cache.getOrSet('k', f.fn, 60)).toEqual({ v: 1 });
    expect(await cache.get('k')).toEqual({ v: 1 });
    const [delta, expiresAt] = (await deltaKey('k'))!.split(':').map(Number) as [number, number];
    expect(delta).toBeGreaterThanOrEqual(15);
    expect(delta).toBeLessThan(1000);
    expect(Math.abs(expiresAt - (Date.now() + 60_000))).toBeLessThan(1000);
    expect(await cache.pttl('k')).toBe(60_000);
    expect(await cache.pttl(`k${DELTA_KEY_SUFFIX}`)).toBe(60_000);
  });

  it('recomputes when -delta * beta * ln(random) reaches the remaining TTL, not before', async () => {
    const f = slow(20, (n) => n);
    expect(await cache.getOrSet('k', f.fn, 60)).toBe(1);
    await setDelta('k', 1000, 5_000); // delta 1 s, 5 s left
    random.mockReturnValue(rollFor(4.9));
    expect(await cache.getOrSet('k', f.fn, 60)).toBe(1);
    expect(f.calls()).toBe(1);
    random.mockReturnValue(rollFor(5.1));
    expect(await cache.getOrSet('k', f.fn, 60)).toBe(2);
    expect(f.calls()).toBe(2);
    expect(await cache.get('k')).toBe(2);
    expect(await cache.pttl('k')).toBe(60_000); // stored again with the full timeout
    expect(Number((await deltaKey('k'))!.split(':')[0])).toBeGreaterThanOrEqual(15);
  });

  it('beta scales the rule; a per-call option wins, false turns it off', async () => {
    const f = slow(1, (n) => n);
    await cache.getOrSet('k', f.fn, 60);
    await setDelta('k', 1000, 5_000); // delta 1 s, 5 s left
    random.mockReturnValue(rollFor(3)); // 3 deltas: early only with beta > 5/3
    expect(await cache.getOrSet('k', f.fn, 60)).toBe(1);
    expect(await cache.getOrSet('k', f.fn, 60, { earlyRecompute: false })).toBe(1);
    expect(await cache.getOrSet('k', f.fn, 60, { earlyRecompute: { beta: 2 } })).toBe(2);
    await expect(
      cache.getOrSet('k', f.fn, 60, { earlyRecompute: { beta: 0 } }),
    ).rejects.toBeInstanceOf(CacheArgumentError);
    await expect(
      cache.getOrSet('k', f.fn, 60, { earlyRecompute: { beta: Number.NaN } }),
    ).rejects.toThrow(/beta must be a finite number > 0/);
  });

  it('a value without a delta key (set, Django) or without expiry is never recomputed early', async () => {
    random.mockReturnValue(rollFor(1e9));
    await cache.set('plain', 'old', 60);
    await cache.set('forever', 'old', null);
    clock.advance(59_999);
    expect(await cache.getOrSet('plain', () => 'new', 60)).toBe('old');
    expect(await cache.getOrSet('forever', () => 'new', 60)).toBe('old');
  });

  it('no expiry or a deleting timeout: the plain getOrSet', async () => {
    expect(await cache.getOrSet('n', () => 'v', null)).toBe('v');
    expect(await cache.pttl('n')).toBeNull(); // no expiry
    expect(await cache.hasKey(`n${DELTA_KEY_SUFFIX}`)).toBe(false);
  });

  it('one factory run for concurrent misses and for concurrent early refreshes', async () => {
    const f = slow(30, (n) => n);
    const first = await Promise.all(
      Array.from({ length: 50 }, () => cache.getOrSet('h', f.fn, 60)),
    );
    expect(new Set(first)).toEqual(new Set([1]));
    expect(f.calls()).toBe(1);
    random.mockReturnValue(rollFor(1e6));
    const second = await Promise.all(
      Array.from({ length: 50 }, () => cache.getOrSet('h', f.fn, 60)),
    );
    expect(f.calls()).toBe(2);
    // The caller that refreshed gets the new value, the others the current one at once.
    expect(second.filter((v) => v === 2)).toHaveLength(1);
    expect(second.filter((v) => v === 1)).toHaveLength(49);
    expect(await cache.get('h')).toBe(2);
  });

  it('a failing early refresh returns the current value and keeps it', async () => {
    await cache.getOrSet('k', async () => 'v1', 60);
    await setDelta('k', 1000, 1_000); // delta 1 s, 1 s left
    random.mockReturnValue(rollFor(1e6));
    const failing = async (): Promise<string> => {
      throw new Error('backend down');
    };
    expect(await cache.getOrSet('k', failing, 60)).toBe('v1');
    expect(await cache.get('k')).toBe('v1');
    // On a miss the factory's error reaches the caller, as without early recomputation.
    await expect(cache.getOrSet('absent', failing, 60)).rejects.toThrow('backend down');
  });
});

describe('options.earlyRecompute at boot', () => {
  const BAD: Array<[string, unknown, string, RegExp]> = [
    ['beta 0', { beta: 0 }, 'options.earlyRecompute.beta', /positive/],
    ['a negative beta', { beta: -1 }, 'options.earlyRecompute.beta', /positive/],
    ['beta Infinity', { beta: Infinity }, 'options.earlyRecompute.beta', /number/],
    ['no beta', {}, 'options.earlyRecompute.beta', /number/],
    ['not an object', 1, 'options.earlyRecompute', /object/],
    ['an unknown key', { beta: 1, delta: 5 }, 'options.earlyRecompute.delta', /unknown option/],
  ];

  it.each(BAD)('%s is refused at its option path', async (_name, earlyRecompute, path, why) => {
    const err = await bootError({ default: { location: OK, options: { earlyRecompute } } });
    const line = err.message.split('\n').find((l) => l.includes(`- caches.default.${path}: `));
    expect(line).toMatch(why);
  });

  it('HerdClient refuses it (it has its own herd protection)', async () => {
    const err = await bootError({
      h: { location: OK, options: { clientClass: 'HerdClient', earlyRecompute: { beta: 1 } } },
    });
    expect(err.message).toMatch(/caches\.h\.options\.earlyRecompute: is not used by HerdClient/);
  });
});

describe('early recomputation on a cluster and on shards (testing kit)', () => {
  it.each([
    [
      'ValkeyClusterCache',
      { backend: 'ValkeyClusterCache', location: ['valkey://n1:7000', 'valkey://n2:7001'] },
    ],
    [
      'ShardClient',
      {
        location: ['valkey://s1:6379/0', 'valkey://s2:6379/0'],
        options: { clientClass: 'ShardClient' },
      },
    ],
  ])(
    '%s: the value and its delta key may live apart; hits and refreshes work',
    async (_name, config) => {
      const ref = await Test.createTestingModule({
        imports: [
          CacheTestingModule.forRoot({
            c: {
              ...(config as { location: string[] }),
              options: { ...(config as { options?: object }).options, earlyRecompute: { beta: 1 } },
            },
          }),
        ],
      }).compile();
      const c = ref.get<ValkeyCache>(getCacheToken('c'));
      const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
      try {
        // Enough keys that some value and delta keys land on different slots or shards.
        for (let i = 0; i < 20; i++) expect(await c.getOrSet(`k${i}`, () => i, 60)).toBe(i);
        for (let i = 0; i < 20; i++) expect(await c.getOrSet(`k${i}`, () => -1, 60)).toBe(i);
        random.mockReturnValue(1 - 1e-12); // -ln(1e-12) ~ 27.6 deltas: beyond 60 s only for delta > 2 s
        for (let i = 0; i < 20; i++) {
          const kd = c.makeKey(`k${i}${DELTA_KEY_SUFFIX}`);
          await c
            .getClient({ key: `k${i}${DELTA_KEY_SUFFIX}` })
            .set(kd, `5000:${Date.now() + 60_000}`, 'PX', 60_000);
        }
        for (let i = 0; i < 20; i++)
          expect(await c.getOrSet(`k${i}`, () => i + 100, 60)).toBe(i + 100);
        expect(await c.get('k3')).toBe(103);
      } finally {
        random.mockRestore();
        await ref.close();
      }
    },
  );
});
