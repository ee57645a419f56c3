/**
 * Errors, ported from django-valkey's ignore-exceptions tests and its decode path (behaviour,
 * not code): with `ignoreExceptions` a cache whose server is gone answers fallbacks within
 * `socketTimeout`; without it, a typed CacheConnectionError names the alias and hides the
 * password. Corrupt payloads raise CacheDecodeError naming the key; server replies and bad
 * arguments raise typed errors that `ignoreExceptions` never swallows.
 */
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheConnectionError,
  CacheDecodeError,
  CacheError,
  type ValkeyCache,
} from '../../lib/index.js';
import { allocatePort } from '../harness/ports.js';
import { openCaches, type CachesFixture } from './cache-support.js';

const DB = 6;
const SOCKET_TIMEOUT_S = 0.3;
/** Upper bound for a call against a dead server: the socket timeout plus scheduling slack. */
const WITHIN_MS = SOCKET_TIMEOUT_S * 1000 + 700;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('a server that is gone', () => {
  let fx: CachesFixture;
  let lenient: ValkeyCache;
  let strict: ValkeyCache;
  let warn: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    const port = await allocatePort(); // free now: nothing listens there
    const location = `valkey://:s3cret-pw@127.0.0.1:${port}/0`;
    const timeouts = {
      socketTimeout: SOCKET_TIMEOUT_S,
      socketConnectTimeout: SOCKET_TIMEOUT_S,
      // iovalkey's disconnect() of a socket that never connected arms an un-unref'd timer of
      // disconnectTimeout (2 s by default), which would keep jest from exiting promptly.
      connectionPoolKwargs: { disconnectTimeout: 50 },
    };
    fx = await openCaches(DB, {
      lenient: {
        location,
        options: { ...timeouts, ignoreExceptions: true, logIgnoredExceptions: true },
      },
      strict: { location, options: timeouts },
    });
    lenient = fx.caches['lenient']!;
    strict = fx.caches['strict']!;
  });
  afterAll(() => fx.close());
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  describe('with ignoreExceptions', () => {
    it('get returns the default within socketTimeout, and logs what it ignored', async () => {
      const { value, ms } = await timed(() => lenient.get('k', 'fallback'));
      expect(value).toBe('fallback');
      expect(ms).toBeLessThan(WITHIN_MS);
      expect(await lenient.get('k')).toBeNull();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^ignored: /));
    });

    it('every covered call answers its fallback, each within socketTimeout', async () => {
      const factory = jest.fn(() => 'computed');
      const { value, ms } = await timed(() =>
        Promise.all([
          lenient.getMany(['a', 'b']),
          lenient.mget(['a']),
          lenient.set('k', 1),
          lenient.add('k', 1),
          lenient.delete('k'),
          lenient.hasKey('k'),
          lenient.touch('k', 10),
          lenient.deleteMany(['a', 'b']),
          lenient.setMany({ a: 1, b: 2 }),
          lenient.mset({ a: 1 }),
          lenient.getOrSet('k', factory),
        ]),
      );
      expect(value).toEqual([
        {},
        {},
        false,
        false,
        false,
        false,
        false,
        0,
        ['a', 'b'],
        false,
        'computed',
      ]);
      expect(factory).toHaveBeenCalledTimes(1);
      expect(ms).toBeLessThan(WITHIN_MS);
    });

    it('set returns false within socketTimeout', async () => {
      const { value, ms } = await timed(() => lenient.set('k', { big: 'x'.repeat(100) }, 60));
      expect(value).toBe(false);
      expect(ms).toBeLessThan(WITHIN_MS);
    });

    it('other calls still throw CacheConnectionError', async () => {
      await expect(lenient.ttl('k')).rejects.toBeInstanceOf(CacheConnectionError);
      await expect(lenient.incr('k')).rejects.toBeInstanceOf(CacheConnectionError);
      await expect(lenient.keys('*')).rejects.toBeInstanceOf(CacheConnectionError);
    });
  });

  describe('without ignoreExceptions', () => {
    it('get throws a CacheConnectionError naming the alias, without the password', async () => {
      const error = await strict.get('k').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(CacheConnectionError);
      expect(error).toBeInstanceOf(CacheError);
      const e = error as CacheConnectionError;
      expect(e.name).toBe('CacheConnectionError');
      expect(e.alias).toBe('strict');
      expect(e.message).toMatch(/^cache 'strict': /);
      expect(e.message).not.toContain('s3cret-pw');
      expect(e.cause).toBeInstanceOf(Error);
      expect(warn).not.toHaveBeenCalledWith(expect.stringMatching(/^ignored: /));
    });

    it('every call throws it', async () => {
      const calls: Array<Promise<unknown>> = [
        strict.getMany(['a']),
        strict.set('k', 1),
        strict.setMany({ a: 1 }),
        strict.mset({ a: 1 }),
        strict.delete('k'),
        strict.deleteMany(['k']),
        strict.touch('k'),
        strict.getOrSet('k', 1),
        strict.sadd('s', [1]),
        strict.hget('h', 'f'),
        strict.lock('l').acquire({ blocking: false }),
      ];
      const results = await Promise.allSettled(calls);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CacheConnectionError);
      }
    });
  });
});

describe('errors from a reachable server', () => {
  let fx: CachesFixture;
  let json: ValkeyCache;
  let msgpack: ValkeyCache;
  let zlib: ValkeyCache;
  let raw: Valkey;

  beforeAll(async () => {
    fx = await openCaches(DB, {
      json: { options: { ignoreExceptions: true } },
      msgpack: { keyPrefix: 'mp', options: { serializer: 'msgpack' } },
      zlib: { keyPrefix: 'z', options: { compressor: 'zlib', compressMinLength: 0 } },
    });
    json = fx.caches['json']!;
    msgpack = fx.caches['msgpack']!;
    zlib = fx.caches['zlib']!;
    raw = fx.raw;
  });
  afterAll(() => fx.close());
  beforeEach(async () => {
    await raw.flushdb();
  });

  describe('CacheDecodeError', () => {
    it('names the key of garbage bytes; ignoreExceptions does not hide it', async () => {
      await raw.set(':1:garbage', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b]));
      const error = await json.get('garbage').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(CacheDecodeError);
      const e = error as CacheDecodeError;
      expect(e.key).toBe(':1:garbage');
      expect(e.alias).toBe('json');
      expect(e.message).toContain("':1:garbage'");
      await expect(json.getMany(['ok', 'garbage'])).rejects.toMatchObject({
        name: 'CacheDecodeError',
        key: ':1:garbage',
      });
      // The cache keeps working afterwards.
      await json.set('ok', 1);
      expect(await json.get('ok')).toBe(1);
    });

    it('for a msgpack cache reading truncated msgpack', async () => {
      await raw.set('mp:1:garbage', Buffer.from([0x92, 0x01]));
      await expect(msgpack.get('garbage')).rejects.toMatchObject({
        name: 'CacheDecodeError',
        key: 'mp:1:garbage',
      });
    });

    it('for a value written by another serializer', async () => {
      await msgpack.set('foreign', { a: 'b' });
      await raw.copy('mp:1:foreign', ':1:foreign');
      await expect(json.get('foreign')).rejects.toBeInstanceOf(CacheDecodeError);
    });

    it('for a compressing cache, on corrupt compressed bytes', async () => {
      await raw.set('z:1:bad', Buffer.from([0x78, 0x9c, 0x01, 0x02, 0x03, 0xff]));
      await expect(zlib.get('bad')).rejects.toMatchObject({
        name: 'CacheDecodeError',
        key: 'z:1:bad',
      });
    });

    it('a compressing cache reads values stored uncompressed', async () => {
      await raw.set('z:1:plain', '{"plain":true}');
      expect(await zlib.get('plain')).toEqual({ plain: true });
    });

    it('set members are decoded with the key named too', async () => {
      await raw.sadd(':1:set', Buffer.from([0xff, 0xfe]));
      await expect(json.smembers('set')).rejects.toMatchObject({
        name: 'CacheDecodeError',
        key: ':1:set',
      });
    });
  });

  describe('typed errors that ignoreExceptions never swallows', () => {
    it('a server error reply is a CacheError, not a connection error', async () => {
      await json.set('str', 'x');
      const error = await json.sadd('str', [1]).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(CacheError);
      expect(error).not.toBeInstanceOf(CacheConnectionError);
      expect((error as Error).message).toMatch(/WRONGTYPE/);
      await json.sadd('set', [1]);
      await expect(json.get('set')).rejects.toThrow(/WRONGTYPE/);
    });

    it('values the serializer refuses are CacheArgumentErrors, and nothing is stored', async () => {
      await expect(json.set('k', () => 1)).rejects.toBeInstanceOf(CacheArgumentError);
      await expect(json.set('k', new Map([[1, 2]]))).rejects.toBeInstanceOf(CacheArgumentError);
      await expect(json.setMany({ a: 1, b: Symbol('x') })).rejects.toBeInstanceOf(
        CacheArgumentError,
      );
      await expect(json.sadd('s', [undefined])).rejects.toBeInstanceOf(CacheArgumentError);
      expect(await raw.dbsize()).toBe(0);
    });

    it('bad arguments are CacheArgumentErrors', async () => {
      await expect(json.get(42 as unknown as string)).rejects.toBeInstanceOf(CacheArgumentError);
      await expect(json.set('k', 1, Number.NaN)).rejects.toBeInstanceOf(CacheArgumentError);
      await expect(json.sdiff([])).rejects.toBeInstanceOf(CacheArgumentError);
    });
  });
});
