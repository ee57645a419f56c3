/**
 * The classes a cache config names (client class, connection factory, pool class): the config
 * layer keeps them opaque, the module passes the library's classes into the resolution, and
 * the client and connection layers narrow them where they use them.
 */
import 'reflect-metadata';
import {
  ConnectionFactory,
  HerdClient,
  SentinelClient,
  SentinelConnectionPool,
  type CachesConfig,
} from '../../lib/index.js';
import type { ResolvedCacheConfig } from '../../lib/extend/index.js';
import { clientClassOf } from '../../lib/client/class-checks.js';
import { ownFactoryOf, poolClassOf } from '../../lib/connection/class-checks.js';
import { locationPath } from '../../lib/config/resolved-config.js';
import { resolveCaches } from '../../lib/module/resolve-caches.js';
import { bootError } from '../support/boot-error.js';

const OK = 'valkey://127.0.0.1:6379/1';

// Compile-time: app code naming classes, names and instances keeps type-checking.
const APP_CACHES: CachesConfig = {
  herd: { location: OK, options: { clientClass: HerdClient } },
  sentinel: {
    location: 'valkey://mymaster/0',
    options: {
      clientClass: SentinelClient,
      connectionFactory: 'SentinelConnectionFactory',
      connectionPoolClass: SentinelConnectionPool,
      sentinels: [['127.0.0.1', 26379]],
    },
  },
  own: { location: OK, options: { connectionFactory: new ConnectionFactory() } },
  byClass: { location: OK, options: { connectionFactory: ConnectionFactory } },
};
const NOT_TYPED: CachesConfig = {
  // @ts-expect-error a number is no client class
  a: { location: OK, options: { clientClass: 42 } },
  // @ts-expect-error an object without connect() is no connection factory
  b: { location: OK, options: { connectionFactory: { nope: 1 } } },
};

class NotAClient {}
class NoConnect {}
class NotAPool {}

// [description, options of alias 'bad', expected path, expected message fragment]
const BAD: Array<[string, unknown, string, RegExp]> = [
  [
    'client class not a DefaultClient subclass',
    { clientClass: NotAClient },
    'options.clientClass',
    /must be a client class \(DefaultClient or a subclass\), got 'NotAClient'/,
  ],
  [
    'client instance in place of a class',
    { clientClass: new NotAClient() },
    'options.clientClass',
    /got an instance of 'NotAClient'/,
  ],
  [
    'factory class without connect()',
    { connectionFactory: NoConnect },
    'options.connectionFactory',
    /must be a connection factory \(a class or instance with connect\(\)\), got 'NoConnect'/,
  ],
  [
    'factory instance without connect()',
    { connectionFactory: new NoConnect() },
    'options.connectionFactory',
    /got an instance of 'NoConnect'/,
  ],
  [
    'pool class without the pool methods',
    { connectionPoolClass: NotAPool },
    'options.connectionPoolClass',
    /must be a connection pool class \(a class with acquire\(\), clients\(\), describe\(\) and close\(\)\), got 'NotAPool'/,
  ],
];

describe('classes named by a cache config', () => {
  it('resolves app configs that name classes, names and instances', () => {
    const resolved = resolveCaches(APP_CACHES);
    expect(resolved.map((c) => c.clientClass)).toEqual([
      HerdClient,
      SentinelClient,
      expect.anything(),
      expect.anything(),
    ]);
    expect(resolved[1]!.connectionPoolClass).toBe(SentinelConnectionPool);
    expect(NOT_TYPED).toBeDefined();
  });

  it.each(BAD)('rejects a %s at boot', async (_desc, options, path, message) => {
    const err = await bootError({ good: { location: OK }, bad: { location: OK, options } });
    expect(err.problems).toEqual([{ alias: 'bad', path, message: expect.stringMatching(message) }]);
  });

  it('rejects a module connectionFactory that is not one, naming the option', async () => {
    const err = await bootError(
      { a: { location: OK } },
      { connectionFactory: new NoConnect() as unknown as ConnectionFactory },
    );
    expect(err.message).toMatch(
      /caches\.\*\.moduleOptions\.connectionFactory: must be a connection factory .*got 'NoConnect'/,
    );
  });

  it('narrows a hand-built config with an error naming the alias and the option', () => {
    const [config] = resolveCaches({ a: { location: OK } });
    const bad = (over: Partial<ResolvedCacheConfig>) => ({ ...config!, ...over });
    expect(() => clientClassOf(bad({ clientClass: NotAClient }))).toThrow(
      /caches\.a\.options\.clientClass: must be a client class .*got 'NotAClient'/,
    );
    expect(() => poolClassOf(bad({ connectionPoolClass: NotAPool }))).toThrow(
      /caches\.a\.options\.connectionPoolClass: must be a pool class .*got 'NotAPool'/,
    );
    expect(() =>
      ownFactoryOf(bad({ connectionFactory: NoConnect as unknown as typeof ConnectionFactory })),
    ).toThrow(/caches\.a\.options\.connectionFactory: must be a connection factory/);
    expect(poolClassOf(config!)).toBeUndefined();
    expect(ownFactoryOf(config!)).toBeUndefined();
  });

  it('resolves whether the location was a list, for error paths', () => {
    const [str, list] = resolveCaches({
      str: { location: `${OK}, ${OK}` },
      list: { location: [OK] },
    });
    expect([str!.locations, str!.locationIsList, locationPath(str!, 1)]).toEqual([
      [OK, OK],
      false,
      'location',
    ]);
    expect([list!.locations, list!.locationIsList, locationPath(list!, 0)]).toEqual([
      [OK],
      true,
      'location[0]',
    ]);
  });
});
