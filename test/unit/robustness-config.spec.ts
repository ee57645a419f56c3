import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import net from 'node:net';
import { CacheModule, type CachesConfig } from '../../lib/index.js';
import { bootError } from '../support/boot-error.js';

/**
 * Configs generated around the valid space: a valid cache config, then one mutation that makes
 * it invalid. Every invalid one is refused at boot with a CacheConfigError naming
 * `caches.<alias>.<path>`, without the password; the valid ones boot; no socket is ever opened
 * (boot is lazy, and a refused boot must not connect half-way either).
 */

const KNOWN_TOP = [
  'backend',
  'location',
  'timeout',
  'keyPrefix',
  'version',
  'keyFunction',
  'reverseKeyFunction',
  'options',
];

const password = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((p) => `pw${p}`);
const alias = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/).filter((a) => a !== 'ok');

/** A valid config holding `pw` in its URL and in `options.password`. */
const validConfig = (pw: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      location: fc
        .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 15 }))
        .map(([port, db]) => `valkey://:${pw}@127.0.0.1:${port}/${db}`),
      timeout: fc.oneof(fc.constant(null), fc.double({ min: 0.001, max: 1e6, noNaN: true })),
      keyPrefix: fc.string({ maxLength: 10 }),
      version: fc.integer({ min: -5, max: 100 }),
      options: fc.record(
        {
          serializer: fc.constantFrom('json', 'msgpack', 'JSONSerializer', 'MSGPackSerializer'),
          compressor: fc.constantFrom('identity', 'zlib', 'gzip', 'brotli'),
          compressMinLength: fc.nat(4096),
          ignoreExceptions: fc.boolean(),
          undecodableAsMiss: fc.boolean(),
          socketTimeout: fc.double({ min: 0.001, max: 60, noNaN: true }),
          password: fc.constant(pw),
        },
        { requiredKeys: ['password'] },
      ),
    },
    { requiredKeys: ['location'] },
  );

type Mutation = [path: string, mutate: (c: Record<string, unknown>, pw: string) => void];

const opts = (c: Record<string, unknown>): Record<string, unknown> =>
  (c['options'] ??= {}) as Record<string, unknown>;

/** One way to break a config, and the option path the error must name. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .constantFrom<unknown>('300', NaN, Infinity, -Infinity, {}, [], true)
    .map((v): Mutation => ['timeout', (c) => void (c['timeout'] = v)]),
  fc
    .constantFrom<unknown>(1.5, '1', NaN)
    .map((v): Mutation => ['version', (c) => void (c['version'] = v)]),
  fc
    .constantFrom<unknown>(5, {}, true)
    .map((v): Mutation => ['keyPrefix', (c) => void (c['keyPrefix'] = v)]),
  fc
    .stringMatching(/^[a-z][A-Za-z]{2,10}$/)
    .filter((k) => !KNOWN_TOP.includes(k))
    .map((k): Mutation => [k, (c) => void (c[k] = 1)]),
  fc
    .stringMatching(/^[a-z][A-Za-z]{2,10}$/)
    .filter((k) => !/^(password|serializer|compressor|socketTimeout)$/.test(k))
    .map((k): Mutation => [`options.x${k}`, (c) => void (opts(c)[`x${k}`] = 1)]),
  fc
    .constantFrom(
      (pw: string) => `http://:${pw}@127.0.0.1:6379/0`,
      (pw: string) => `valkey://:${pw}@127.0.0.1:0/0`,
      (pw: string) => `valkey://:${pw}@127.0.0.1:70000/0`,
      (pw: string) => `valkey://:${pw}@127.0.0.1:-1/0`,
      (pw: string) => `valkey://:${pw}@127.0.0.1:6379/db`,
      (pw: string) => `valkey://:${pw}@127.0.0.1:6379/0?socket_timeout=soon`,
      (pw: string) => `valkey://:${pw}@127.0.0.1:6379/0?nope=1`,
      () => '',
      () => 42,
      () => [],
    )
    .map((url): Mutation => ['location', (c, pw) => void (c['location'] = url(pw))]),
  fc
    .constantFrom<unknown>(-1, 0, NaN, '5', Infinity)
    .map((v): Mutation => ['options.socketTimeout', (c) => void (opts(c)['socketTimeout'] = v)]),
  fc
    .constantFrom<unknown>(-1, 0, NaN)
    .map((v): Mutation => [
      'options.socketConnectTimeout',
      (c) => void (opts(c)['socketConnectTimeout'] = v),
    ]),
  fc
    .constantFrom('yaml', 'pickle', 'django_valkey.serializers.pickle.PickleSerializer', 'Json')
    .map((v): Mutation => ['options.serializer', (c) => void (opts(c)['serializer'] = v)]),
  fc
    .constantFrom('lzma', 'bz2', 'snappy', 'ZLIB')
    .map((v): Mutation => ['options.compressor', (c) => void (opts(c)['compressor'] = v)]),
  fc
    .constantFrom<unknown>(-1, 1.5, '10')
    .map((v): Mutation => [
      'options.compressMinLength',
      (c) => void (opts(c)['compressMinLength'] = v),
    ]),
  fc
    .constantFrom<unknown>('yes', 1)
    .map((v): Mutation => [
      'options.undecodableAsMiss',
      (c) => void (opts(c)['undecodableAsMiss'] = v),
    ]),
  fc
    .constantFrom<unknown>('true', 0)
    .map((v): Mutation => [
      'options.ignoreExceptions',
      (c) => void (opts(c)['ignoreExceptions'] = v),
    ]),
  fc.constant<Mutation>([
    'options.sentinels',
    (c, pw) => {
      c['location'] = `valkey://:${pw}@mymaster/0`;
      opts(c)['clientClass'] = 'SentinelClient';
    },
  ]),
  fc.constant<Mutation>([
    'options.sentinels',
    (c, pw) => {
      c['location'] = `valkey://:${pw}@mymaster/0`;
      Object.assign(opts(c), { clientClass: 'SentinelClient', sentinels: [] });
    },
  ]),
  fc.constantFrom<unknown>('x', 0, 70000, -5).map((port): Mutation => [
    'options.sentinels[0].port',
    (c, pw) => {
      c['location'] = `valkey://:${pw}@mymaster/0`;
      Object.assign(opts(c), { clientClass: 'SentinelClient', sentinels: [['127.0.0.1', port]] });
    },
  ]),
  fc
    .constantFrom<unknown>(-1, NaN, 'slow')
    .map((v): Mutation => [
      'options.sentinelKwargs.socketTimeout',
      (c) => void (opts(c)['sentinelKwargs'] = { socketTimeout: v }),
    ]),
  fc
    .constantFrom<unknown>('fast', 5, [])
    .map((v): Mutation => ['options', (c) => void (c['options'] = v)]),
);

describe('robustness: generated configs around the valid space', () => {
  let connect: ReturnType<typeof jest.spyOn>;

  beforeAll(() => {
    connect = jest.spyOn(net.Socket.prototype, 'connect');
  });

  afterAll(() => connect.mockRestore());

  it('every invalid config is refused at boot naming caches.<alias>.<path>, without the password, opening no socket', async () => {
    await fc.assert(
      fc.asyncProperty(
        alias,
        password.chain((pw) => fc.tuple(fc.constant(pw), validConfig(pw), mutation)),
        async (name, [pw, config, [path, mutate]]) => {
          const broken = structuredClone(config);
          mutate(broken, pw);
          const err = await bootError({ [name]: broken, ok: { location: 'valkey://127.0.0.1/0' } });
          const paths = err.problems.map((p) => `${p.alias}:${p.path}`);
          expect(paths).toContain(`${name}:${path}`);
          expect(err.problems.every((p) => p.alias === name)).toBe(true);
          expect(err.message).toContain(`caches.${name}.${path}: `);
          expect(err.message).not.toContain(pw);
          expect(JSON.stringify(err.problems)).not.toContain(pw);
        },
      ),
      { seed: 9011, numRuns: 250 },
    );
    expect(connect).not.toHaveBeenCalled();
  });

  it('every generated valid config boots (lazily: no socket) and shuts down', async () => {
    await fc.assert(
      fc.asyncProperty(
        alias,
        password.chain((pw) => validConfig(pw)),
        async (name, config) => {
          const ref = await Test.createTestingModule({
            imports: [CacheModule.forRoot({ [name]: config } as unknown as CachesConfig)],
          }).compile();
          await ref.init();
          await ref.close();
        },
      ),
      { seed: 9012, numRuns: 60 },
    );
    expect(connect).not.toHaveBeenCalled();
  });
});
