/**
 * The call observer of `cache.metrics` on the in-memory store: each cache call reports one
 * start and exactly one end or failure, with the operation name, the stored keys, the
 * connection and (for reads) the hits; with none attached nothing is reported.
 */
import type { Valkey } from 'iovalkey';
import type { CallObserver, ObservedCall } from '../../lib/cache/call-observer.js';
import { CacheDecodeError, type CacheError } from '../../lib/index.js';
import { memoryTarget, openTargetCache, type CacheFixture } from '../integration/cache-support.js';

interface Seen {
  operation: string;
  keys: string | readonly string[];
  outcome?: { connection: Valkey | undefined; hits?: number | undefined };
  error?: { error: CacheError; ignored: boolean };
  reports: number;
}

function recorder(): { observer: CallObserver; seen: Seen[] } {
  const seen: Seen[] = [];
  const observer: CallObserver = {
    start(operation, keys): ObservedCall {
      const entry: Seen = { operation, keys, reports: 0 };
      seen.push(entry);
      return {
        end(connection, hits) {
          entry.reports++;
          entry.outcome = { connection, hits };
        },
        fail(error, _connection, ignored) {
          entry.reports++;
          entry.error = { error, ignored };
        },
      };
    },
  };
  return { observer, seen };
}

describe('cache.metrics.attachObserver', () => {
  let fx: CacheFixture;
  beforeEach(async () => {
    fx = await openTargetCache(memoryTarget(), { keyPrefix: 'obs' });
  });
  afterEach(() => fx.close());

  it('reports every call once, with its operation, stored keys, connection and hits', async () => {
    const { cache } = fx;
    const { observer, seen } = recorder();
    const detach = cache.metrics.attachObserver(observer);
    await cache.set('a', 1);
    await cache.add('a', 2);
    await cache.get('a');
    await cache.get('nope');
    await cache.getMany(['a', 'b', 'c']);
    await cache.setMany({ b: 2, c: 3 });
    await cache.mset({ d: 4 });
    await cache.hasKey('a');
    await cache.getOrSet('e', () => 5);
    await cache.touch('a', 10);
    await cache.ttl('a');
    await cache.incr('n', 1, { ignoreKeyCheck: true });
    await cache.sadd('s', [1, 2]);
    await cache.hset('h', 'f', 1);
    await cache.delete('a');
    await cache.deleteMany(['b', 'c']);
    detach();
    await cache.get('a'); // detached: not reported
    expect(seen.map((s) => s.operation)).toEqual([
      'set',
      'add',
      'get',
      'get',
      'get_many',
      'set_many',
      'mset',
      'has_key',
      'get_or_set',
      'add', // getOrSet's miss stores with add
      'touch',
      'ttl',
      'incr',
      'sadd',
      'hset',
      'delete',
      'delete_many',
    ]);
    expect(seen.every((s) => s.reports === 1 && s.error === undefined)).toBe(true);
    expect(seen.every((s) => s.outcome?.connection !== undefined)).toBe(true);
    expect(seen[0]!.keys).toBe('obs:1:a');
    expect(seen[4]!.keys).toEqual(['obs:1:a', 'obs:1:b', 'obs:1:c']);
    expect(seen.map((s) => s.outcome?.hits)).toEqual([
      undefined,
      undefined,
      1,
      0,
      1,
      ...Array<undefined>(3).fill(undefined),
      0,
      ...Array<undefined>(8).fill(undefined),
    ]);
  });

  it('reports a decode error once, as not ignored', async () => {
    const { cache } = fx;
    const { observer, seen } = recorder();
    cache.metrics.attachObserver(observer);
    await fx.raw.set('obs:1:bad', Buffer.from([0xff, 0x00, 0x01]));
    await expect(cache.get('bad')).rejects.toBeInstanceOf(CacheDecodeError);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.reports).toBe(1);
    expect(seen[0]!.error?.error).toBeInstanceOf(CacheDecodeError);
    expect(seen[0]!.error?.ignored).toBe(false);
  });

  it('allows one observer at a time and detaching twice is harmless', () => {
    const { cache } = fx;
    const a = recorder().observer;
    const detach = cache.metrics.attachObserver(a);
    expect(() => cache.metrics.attachObserver(recorder().observer)).toThrow(
      /another call observer/,
    );
    detach();
    detach();
    expect(cache.metrics.observer).toBeUndefined();
    cache.metrics.attachObserver(recorder().observer);
  });
});
