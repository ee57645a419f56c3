import 'reflect-metadata';
import { bootError } from '../support/boot-error.js';

const OK = 'valkey://127.0.0.1:6379/1';

// [description, cache config of alias 'bad', expected path, expected message fragment]
const BAD: Array<[string, unknown, string, RegExp]> = [
  ['missing location', {}, 'location', /non-empty URL/],
  ['empty location string', { location: '' }, 'location', /non-empty URL/],
  ['empty location list', { location: [] }, 'location', /non-empty URL/],
  ['blank comma list', { location: ' , ' }, 'location', /is empty/],
  [
    'location not a URL',
    { location: 'localhost:6379' },
    'location',
    /unsupported scheme|not a URL/,
  ],
  [
    'unsupported scheme',
    { location: 'http://127.0.0.1:6379' },
    'location',
    /unsupported scheme 'http:'/,
  ],
  [
    'port out of range',
    { location: 'valkey://127.0.0.1:70000/1' },
    'location',
    /not a URL|out of range/,
  ],
  ['port zero', { location: 'valkey://127.0.0.1:0/1' }, 'location', /out of range/],
  [
    'db not a number',
    { location: 'valkey://127.0.0.1:6379/abc' },
    'location',
    /database in the path must be a non-negative integer/,
  ],
  ['bad ?db=', { location: 'valkey://127.0.0.1:6379?db=-1' }, 'location', /non-negative integer/],
  [
    'unknown query parameter',
    { location: `${OK}?sockettimeout=1` },
    'location',
    /unknown query parameter 'sockettimeout'/,
  ],
  ['bad socket_timeout in URL', { location: `${OK}?socket_timeout=soon` }, 'location', /seconds/],
  ['second list entry bad', { location: [OK, 'nope://x'] }, 'location[1]', /unsupported scheme/],
  [
    'unknown top-level key with hint',
    { location: OK, timout: 5 },
    'timout',
    /unknown option \(did you mean 'timeout'\?\)/,
  ],
  [
    'Django spelling of a key',
    { location: OK, KEY_PREFIX: 'x' },
    'KEY_PREFIX',
    /did you mean 'keyPrefix'/,
  ],
  [
    'unknown option with hint',
    { location: OK, options: { sentinal: [] } },
    'options.sentinal',
    /did you mean 'sentinels'/,
  ],
  [
    'Django OPTIONS key',
    { location: OK, options: { CLIENT_CLASS: 'DefaultClient' } },
    'options.CLIENT_CLASS',
    /did you mean 'clientClass'/,
  ],
  ['timeout is a string', { location: OK, timeout: '300' }, 'timeout', /number of seconds or null/],
  ['timeout is NaN', { location: OK, timeout: NaN }, 'timeout', /number of seconds or null/],
  ['version not an integer', { location: OK, version: 1.5 }, 'version', /integer/],
  ['keyPrefix not a string', { location: OK, keyPrefix: 7 }, 'keyPrefix', /string/],
  [
    'keyFunction not a function',
    { location: OK, keyFunction: 'make_key' },
    'keyFunction',
    /must be a function/,
  ],
  [
    'unknown backend',
    { location: OK, backend: 'ValkyCache' },
    'backend',
    /unknown backend 'ValkyCache' \(did you mean 'ValkeyCache'\?\)/,
  ],
  [
    'unknown client class',
    { location: OK, options: { clientClass: 'DefaultClent' } },
    'options.clientClass',
    /unknown client class 'DefaultClent' \(did you mean 'DefaultClient'\?\)/,
  ],
  [
    'unknown dotted client class',
    { location: OK, options: { clientClass: 'django_valkey.client.NoSuchClient' } },
    'options.clientClass',
    /unknown client class/,
  ],
  [
    'unknown connection factory',
    { location: OK, options: { connectionFactory: 'FancyFactory' } },
    'options.connectionFactory',
    /unknown connection factory/,
  ],
  [
    'unknown pool class',
    { location: OK, options: { connectionPoolClass: 'valkey.BlockingPool' } },
    'options.connectionPoolClass',
    /unknown connection pool class/,
  ],
  [
    'unknown serializer',
    { location: OK, options: { serializer: 'yaml' } },
    'options.serializer',
    /unknown serializer 'yaml'/,
  ],
  [
    'pickle serializer',
    { location: OK, options: { serializer: 'django_valkey.serializers.pickle.PickleSerializer' } },
    'options.serializer',
    /not supported/,
  ],
  [
    'unknown compressor',
    { location: OK, options: { compressor: 'zstandard' } },
    'options.compressor',
    /unknown compressor 'zstandard'/,
  ],
  [
    'ignoreExceptions not boolean',
    { location: OK, options: { ignoreExceptions: 'yes' } },
    'options.ignoreExceptions',
    /boolean/,
  ],
  [
    'negative socketTimeout',
    { location: OK, options: { socketTimeout: -1 } },
    'options.socketTimeout',
    /not be less than/,
  ],
  [
    'socketConnectTimeout Infinity',
    { location: OK, options: { socketConnectTimeout: Infinity } },
    'options.socketConnectTimeout',
    /number/,
  ],
  [
    'sentinels not a list',
    { location: OK, options: { sentinels: 'host:26379' } },
    'options.sentinels',
    /list of \[host, port\]/,
  ],
  [
    'sentinel port out of range',
    { location: OK, options: { sentinels: [['127.0.0.1', 99999]] } },
    'options.sentinels[0].port',
    /1-65535/,
  ],
  [
    'sentinel without host',
    { location: OK, options: { sentinels: [{ host: '', port: 26379 }] } },
    'options.sentinels[0].host',
    /non-empty host/,
  ],
  [
    'sentinel entry malformed',
    { location: OK, options: { sentinels: ['127.0.0.1:26379'] } },
    'options.sentinels[0]',
    /\[host, port\] or \{ host, port \}/,
  ],
  [
    'unknown sentinelKwargs key',
    { location: OK, options: { sentinelKwargs: { pasword: 'x' } } },
    'options.sentinelKwargs.pasword',
    /did you mean 'password'/,
  ],
  [
    'compressMinLength negative',
    { location: OK, options: { compressMinLength: -5 } },
    'options.compressMinLength',
    /not be less than 0/,
  ],
  ['options not an object', { location: OK, options: 'fast' }, 'options', /object/],
];

describe('cache config validation at boot', () => {
  it.each(BAD)('%s', async (_desc, config, path, message) => {
    const err = await bootError({ good: { location: OK }, bad: config });
    const problem = err.problems.find((p) => p.path === path);
    expect(problem).toBeDefined();
    expect(problem!.alias).toBe('bad');
    expect(problem!.message).toMatch(message);
    expect(err.message).toContain(`caches.bad.${path}: `);
    expect(err.problems.every((p) => p.alias === 'bad')).toBe(true);
  });

  it('reports every problem of every cache in one error', async () => {
    const err = await bootError({
      a: { location: 'http://x', timeout: 'never' },
      b: { location: OK, options: { serializer: 'yaml', socketTimeout: 0 } },
    });
    expect(err.problems.map((p) => `${p.alias}:${p.path}`).sort()).toEqual([
      'a:location',
      'a:timeout',
      'b:options.serializer',
      'b:options.socketTimeout',
    ]);
  });

  it('never prints a password from a location', async () => {
    const err = await bootError({ bad: { location: 'valkey://user:hunter2@127.0.0.1:6379/x' } });
    expect(err.message).toContain('***');
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects aliases that collide or cannot be tokens', async () => {
    const err = await bootError({
      default: { location: OK },
      Default: { location: OK },
      'bad alias': { location: OK },
    });
    expect(err.problems.map((p) => p.alias).sort()).toEqual(['Default', 'bad alias']);
    expect(err.message).toMatch(/collides with 'default'/);
  });

  it('rejects sentinels on a cache whose factory would ignore them (seed "other" without the Sentinel factory)', async () => {
    const err = await bootError({
      other: {
        location: ['valkey://svc/0?is_master=1', 'valkey://svc/0?is_master=0'],
        options: { sentinels: [['127.0.0.1', 26379]] },
      },
    });
    expect(err.problems).toEqual([
      expect.objectContaining({ alias: 'other', path: 'options.sentinels' }),
    ]);
    expect(err.message).toMatch(
      /ignores sentinels; set options.connectionFactory: 'SentinelConnectionFactory'/,
    );
  });

  it('rejects an empty caches map', async () => {
    const err = await bootError({});
    expect(err.message).toMatch(/at least one alias/);
  });
});
