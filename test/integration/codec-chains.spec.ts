/**
 * A serializer and compressor migration without a flush, against a standalone server of its own:
 * values written by a json cache (and by a json + zlib one), then the same keys read after the
 * cache is booted again with `serializer: ['msgpack', 'json']` and `compressor: ['zstd', 'zlib']`
 * (a new Nest app, as a redeploy does). Old values still read; new values are msgpack (and zstd
 * above the minimum length) in the raw bytes on the server; the old app still reads its own.
 */
import { MsgpackSerializer } from '../../lib/codec/serializers/msgpack-serializer.js';
import { isZlibHeader, isZstdFrame } from '../../lib/codec/compressors/magic.js';
import type { Valkey } from 'iovalkey';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { bootCache, rawClient, type BootedCache } from './own-server.js';

const msgpack = new MsgpackSerializer();

const VALUES: Record<string, unknown> = {
  string: 'hello',
  object: { user: 'ann', roles: ['admin', 'dev'], active: true, score: 1.5 },
  list: [1, 'two', null, { three: 3 }],
  float: 2.5,
  int: 42,
  big: { text: 'lorem ipsum '.repeat(200) },
};

describe('fallback chains: migrating a shared cache without a flush', () => {
  let server: StandaloneServer;
  let raw: Valkey;
  const apps: BootedCache[] = [];
  const open = async (options: Record<string, unknown>): Promise<BootedCache> => {
    const booted = await bootCache(server, { keyPrefix: 'chain', options });
    apps.push(booted);
    return booted;
  };

  beforeAll(async () => {
    server = await startStandalone();
    raw = rawClient(server);
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });
  afterEach(async () => {
    while (apps.length > 0) await apps.pop()!.app.close();
    await raw.flushdb();
  });

  it('json values, then the cache switched to [msgpack, json]', async () => {
    const before = await open({ serializer: 'json' });
    for (const [k, v] of Object.entries(VALUES)) await before.cache.set(k, v, 60);
    expect((await raw.getBuffer(before.cache.makeKey('object')))!.toString()).toBe(
      JSON.stringify(VALUES['object']),
    );

    const after = await open({ serializer: ['msgpack', 'json'] });
    for (const [k, v] of Object.entries(VALUES)) expect(await after.cache.get(k)).toEqual(v);
    expect(await after.cache.getMany(Object.keys(VALUES))).toEqual(VALUES);

    // New values are msgpack on the server; integers stay raw digits either way.
    const fresh = { user: 'bob', roles: [], active: false, score: -0.5 };
    await after.cache.set('fresh', fresh, 60);
    await after.cache.set('object', { replaced: true }, 60);
    await after.cache.set('count', 7, 60);
    const stored = (k: string): Promise<Buffer | null> => raw.getBuffer(after.cache.makeKey(k));
    expect(await stored('fresh')).toEqual(msgpack.dumps(fresh));
    expect(await stored('object')).toEqual(msgpack.dumps({ replaced: true }));
    expect((await stored('count'))!.toString()).toBe('7');
    expect(await after.cache.incr('count')).toBe(8);
    expect(await after.cache.get('fresh')).toEqual(fresh);

    // The old app (json only) cannot read msgpack: the reason the chain exists on the readers.
    await expect(before.cache.get('fresh')).rejects.toThrow(/decode/i);
    expect(await before.cache.get('string')).toBe('hello');
  });

  it('json + zlib values, then [msgpack, json] + [zstd, zlib]', async () => {
    const before = await open({ serializer: 'json', compressor: 'zlib', compressMinLength: 64 });
    for (const [k, v] of Object.entries(VALUES)) await before.cache.set(k, v, 60);
    expect(isZlibHeader((await raw.getBuffer(before.cache.makeKey('big')))!)).toBe(true);

    const after = await open({
      serializer: ['msgpack', 'json'],
      compressor: ['zstd', 'zlib'],
      compressMinLength: 64,
    });
    for (const [k, v] of Object.entries(VALUES)) expect(await after.cache.get(k)).toEqual(v);

    await after.cache.set('big', { text: 'dolor sit amet '.repeat(100) }, 60);
    await after.cache.set('small', { a: 1 }, 60);
    const big = (await raw.getBuffer(after.cache.makeKey('big')))!;
    expect(isZstdFrame(big)).toBe(true);
    expect(await raw.getBuffer(after.cache.makeKey('small'))).toEqual(msgpack.dumps({ a: 1 }));
    expect(await after.cache.get('big')).toEqual({ text: 'dolor sit amet '.repeat(100) });
    // getOrSet on a migrated key keeps the old value (a hit); a new key is written as msgpack.
    expect(await after.cache.getOrSet('list', () => 'unused', 60)).toEqual(VALUES['list']);
    expect(await after.cache.getOrSet('made', () => ['x'], 60)).toEqual(['x']);
    expect(await raw.getBuffer(after.cache.makeKey('made'))).toEqual(msgpack.dumps(['x']));
  });
});
