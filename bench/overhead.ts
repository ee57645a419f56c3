/**
 * The wrapper's own cost per call, without a network: `ValkeyCache` with its connection replaced
 * by a stub that answers at once, next to the same stub driven by hand (JSON by hand). The
 * difference is what the wrapper adds (key building, option handling, codec, promise layers);
 * iovalkey's command encoding and the socket are not included.
 */
import type { Valkey } from 'iovalkey';
import type { ValkeyCache } from '../lib/index.js';

export interface Overhead {
  name: string;
  rawNs: number;
  cacheNs: number;
}

async function timePerCall(fn: (i: number) => Promise<unknown>, calls: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < calls; i++) await fn(i); // warm-up
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await fn(i);
    const ns = Number(process.hrtime.bigint() - t0) / calls;
    if (ns < best) best = ns;
  }
  return best;
}

/** Measures get hit and set (timeout) through `cache` with a stub connection, in ns per call. */
export async function measureOverhead(
  cache: ValkeyCache,
  value: unknown,
  calls = 100_000,
): Promise<Overhead[]> {
  const text = JSON.stringify(value);
  const bytes = Buffer.from(text);
  const ok = Promise.resolve('OK' as const);
  const stub = {
    get: () => Promise.resolve(text),
    getBuffer: () => Promise.resolve(bytes),
    set: () => ok,
  } as unknown as Valkey;
  const client = cache.client as unknown as Record<string, unknown>;
  const saved = { clientFor: client['clientFor'], getClient: client['getClient'] };
  client['clientFor'] = () => stub;
  client['getClient'] = () => stub;
  try {
    const key = (i: number): string => `k${i & 1023}`;
    const getRaw = await timePerCall(
      async (i) => JSON.parse((await stub.get(cache.makeKey(key(i))))!) as unknown,
      calls,
    );
    const getCache = await timePerCall((i) => cache.get(key(i)), calls);
    const setRaw = await timePerCall(
      (i) => stub.set(cache.makeKey(key(i)), JSON.stringify(value), 'PX', 300_000),
      calls,
    );
    const setCache = await timePerCall((i) => cache.set(key(i), value, 300), calls);
    return [
      { name: 'get hit', rawNs: getRaw, cacheNs: getCache },
      { name: 'set (timeout)', rawNs: setRaw, cacheNs: setCache },
    ];
  } finally {
    client['clientFor'] = saved.clientFor;
    client['getClient'] = saved.getClient;
  }
}
