/**
 * A hot key across its expiry, with and without early recomputation (XFetch): `callers` workers
 * call `getOrSet` on one key in a loop (each awaiting its call, then calling again) for `runMs`;
 * the factory takes `factoryMs` (a timer, like a slow query) and the key lives `timeoutS`. Counts
 * the factory calls and the cache's misses after the first fill, and reports the slowest caller
 * and the calls that waited longer than half a factory run ("stalls"). Also the cost of a hit:
 * `getOrSet` ops/s on a key far from expiry, with and without the option (three commands per
 * hit against one).
 */
import type { ValkeyCache } from '../lib/index.js';
import { measure } from './measure.js';

/** The figures of one hot-key run. */
export interface HotKeyRun {
  mode: string;
  calls: number;
  factoryCalls: number;
  missesAfterFill: number;
  stalls: number;
  /** The key's remaining TTL when each refresh after the first fill started, ms (0: expired). */
  leftAtRefreshMs: number[];
  p99Ms: number;
  slowestMs: number;
}

/** Options of {@link hotKeyRun}. */
export interface HotKeyOptions {
  callers: number;
  factoryMs: number;
  timeoutS: number;
  runMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One run of `callers` workers on a fresh key of `cache`. */
export async function hotKeyRun(
  cache: ValkeyCache,
  mode: string,
  key: string,
  o: HotKeyOptions,
): Promise<HotKeyRun> {
  let factoryCalls = 0;
  const leftAtRefreshMs: number[] = [];
  const factory = async (): Promise<{ n: number; at: number }> => {
    factoryCalls++;
    if (factoryCalls > 1) leftAtRefreshMs.push((await cache.pttl(key)) ?? 0);
    await sleep(o.factoryMs);
    return { n: factoryCalls, at: Date.now() };
  };
  await cache.delete(key);
  await cache.getOrSet(key, factory, o.timeoutS);
  const missesBefore = cache.metrics.misses;
  const latencies: number[] = [];
  const end = performance.now() + o.runMs;
  await Promise.all(
    Array.from({ length: o.callers }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await cache.getOrSet(key, factory, o.timeoutS);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    mode,
    calls: latencies.length,
    factoryCalls: factoryCalls - 1,
    missesAfterFill: cache.metrics.misses - missesBefore,
    stalls: latencies.filter((ms) => ms > o.factoryMs / 2).length,
    leftAtRefreshMs,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    slowestMs: latencies[latencies.length - 1] ?? 0,
  };
}

/** `min-max` of the TTLs left when refreshes started (`0` when every one found the key gone). */
function leftRange(ms: readonly number[]): string {
  if (ms.length === 0) return '-';
  return `${Math.min(...ms)}-${Math.max(...ms)}`;
}

/** Both hot-key runs and the hit cost, as a markdown section. */
export async function xfetchBench(
  plain: ValkeyCache,
  xfetch: ValkeyCache,
  o: HotKeyOptions,
  hitMs: number,
): Promise<string> {
  const runs = [
    await hotKeyRun(plain, 'getOrSet', 'hot', o),
    await hotKeyRun(xfetch, 'getOrSet, earlyRecompute beta 1', 'hot', o),
  ];
  const expiries = o.runMs / 1000 / o.timeoutS;
  const lines = [
    `Hot key: ${o.callers} callers in a loop for ${o.runMs / 1000} s (${expiries.toFixed(1)} ` +
      `timeouts of ${o.timeoutS} s), factory ${o.factoryMs} ms; counts after the first fill; ` +
      `a stall is a call slower than ${o.factoryMs / 2} ms.`,
    '',
    '| mode | calls | factory calls | misses | stalls | TTL left at refresh, ms | p99 ms | slowest ms |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.mode} | ${r.calls} | ${r.factoryCalls} | ${r.missesAfterFill} | ${r.stalls} | ` +
        `${leftRange(r.leftAtRefreshMs)} | ${r.p99Ms.toFixed(2)} | ${r.slowestMs.toFixed(1)} |`,
    ),
  ];
  for (const r of runs) console.log(`hot key ${r.mode.padEnd(32)} ${JSON.stringify(r)}`);
  // The cost of a hit far from expiry: one GET against GET + PTTL + GET of the delta key.
  await plain.set('warm', { a: 1 }, 3600);
  await xfetch.getOrSet('warm', () => ({ a: 1 }), 3600);
  const hit: string[] = [];
  for (const [name, cache] of [
    ['getOrSet hit', plain],
    ['getOrSet hit, earlyRecompute', xfetch],
  ] as const) {
    const m = await measure(() => cache.getOrSet('warm', () => ({ a: 1 }), 3600), 100, hitMs, 200);
    hit.push(`${name}: ${Math.round(m.opsPerSec)} ops/s (p99 ${Math.round(m.p99us)} us)`);
    console.log(`${name.padEnd(32)} ${Math.round(m.opsPerSec)} ops/s`);
  }
  lines.push('', `Hit cost, 100 in flight: ${hit.join('; ')}.`);
  return lines.join('\n');
}
