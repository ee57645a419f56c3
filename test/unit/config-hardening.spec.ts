/**
 * Boot-time checks of options that a JSON config could pass into iovalkey unnoticed:
 * `connectionPoolKwargs` keys the module owns (they would change stored keys or routing), valkey-py
 * / Django names, and `compressLevel` against the range of the configured compressor.
 */
import 'reflect-metadata';
import { resolveCaches } from '../../lib/module/resolve-caches.js';
import type { BaseCompressor } from '../../lib/codec/compressors/base-compressor.js';
import { bootError } from '../support/boot-error.js';

const OK = 'valkey://127.0.0.1:6379/1';

function problemAt(err: Error, path: string): string {
  const line = err.message.split('\n').find((l) => l.includes(`- ${path}: `));
  if (line === undefined) throw new Error(`no problem at ${path} in:\n${err.message}`);
  return line;
}

describe('connectionPoolKwargs', () => {
  // [key, value, what the message must say]
  const OWNED: Array<[string, unknown, RegExp]> = [
    ['keyPrefix', 'app:', /prefix every stored key a second time.*use the cache's keyPrefix/],
    ['name', 'other-service', /Sentinel service name comes from the location/],
    ['role', 'slave', /\?is_master=0/],
    ['lazyConnect', false, /owned by the module/],
    ['Connector', class {}, /options\.connectionFactory or options\.connectionPoolClass/],
    ['sentinels', [{ host: '127.0.0.1', port: 26379 }], /use options\.sentinels/],
    ['db', 3, /database in the location URL/],
    ['host', '10.0.0.1', /host in the cache's location URL/],
    ['port', 6380, /port in the cache's location URL/],
    ['path', '/tmp/other.sock', /unix:\/\/ location/],
    ['commandTimeout', 100, /options\.socketTimeout \(seconds\)/],
    ['connectTimeout', 100, /options\.socketConnectTimeout \(seconds\)/],
    ['sentinelPassword', 'x', /options\.sentinelKwargs\.password/],
    ['enableTLSForSentinelMode', true, /valkeys:\/\//],
    ['monitor', true, /MONITOR mode/],
  ];

  it.each(OWNED)(
    'rejects %s, which the module owns, naming the option to use',
    async (key, value, why) => {
      const err = await bootError({
        c: { location: OK, options: { connectionPoolKwargs: { [key]: value } } },
      });
      expect(err.problems).toEqual([
        expect.objectContaining({ alias: 'c', path: `options.connectionPoolKwargs.${key}` }),
      ]);
      expect(problemAt(err, `caches.c.options.connectionPoolKwargs.${key}`)).toMatch(why);
    },
  );

  const PYTHON: Array<[string, unknown, RegExp]> = [
    ['max_connections', 50, /not supported: iovalkey keeps one multiplexed connection/],
    ['retry_on_timeout', true, /not supported.*did you mean 'maxRetriesPerRequest'/],
    ['health_check_interval', 30, /not supported.*did you mean 'keepAlive'/],
    ['socket_keepalive', true, /not supported.*did you mean 'keepAlive'/],
    ['socket_timeout', 1, /use options\.socketTimeout \(seconds\)/],
    ['client_name', 'x', /did you mean 'connectionName'/],
    ['decode_responses', true, /serializer/],
    ['ssl_ca_certs', '/ca.pem', /'tls' \(Node TLS options: ca\)/],
  ];

  it.each(PYTHON)(
    'reports the valkey-py name %s instead of ignoring it',
    async (key, value, why) => {
      const err = await bootError({
        c: { location: OK, options: { connectionPoolKwargs: { [key]: value } } },
      });
      expect(problemAt(err, `caches.c.options.connectionPoolKwargs.${key}`)).toMatch(why);
    },
  );

  it('rejects keys that are no iovalkey option, with a hint', async () => {
    const err = await bootError({
      c: {
        location: OK,
        options: { connectionPoolKwargs: { keepalive: 1, key_prefix: 'x', poolSize: 5 } },
      },
    });
    expect(problemAt(err, 'caches.c.options.connectionPoolKwargs.keepalive')).toMatch(
      /not an iovalkey connection option \(did you mean 'keepAlive'\?\)/,
    );
    expect(problemAt(err, 'caches.c.options.connectionPoolKwargs.key_prefix')).toMatch(
      /'keyPrefix' is owned by the module.*use the cache's keyPrefix/,
    );
    expect(problemAt(err, 'caches.c.options.connectionPoolKwargs.poolSize')).toMatch(
      /not an iovalkey connection option; known: .*keepAlive/,
    );
  });

  it('passes the iovalkey options the module does not own', () => {
    const retryStrategy = (n: number): number => n * 10;
    const [cfg] = resolveCaches({
      c: {
        location: OK,
        options: {
          connectionPoolKwargs: {
            keepAlive: 1000,
            noDelay: true,
            connectionName: 'svc-a',
            disconnectTimeout: 50,
            family: 4,
            retryStrategy,
            maxRetriesPerRequest: 2,
            tls: { servername: 'x' },
            natMap: {},
          },
        },
      },
    });
    expect(cfg!.connectionPoolKwargs).toMatchObject({
      keepAlive: 1000,
      connectionName: 'svc-a',
      retryStrategy,
    });
  });

  it('sentinelKwargs has no such hole: every unknown key is reported', async () => {
    const err = await bootError({
      c: {
        location: 'valkey://svc/0',
        options: {
          clientClass: 'SentinelClient',
          sentinels: [['127.0.0.1', 26379]],
          sentinelKwargs: { keyPrefix: 'x', max_connections: 5, socket_timeout: 1 },
        },
      },
    });
    expect(problemAt(err, 'caches.c.options.sentinelKwargs.keyPrefix')).toMatch(/unknown option/);
    expect(problemAt(err, 'caches.c.options.sentinelKwargs.max_connections')).toMatch(
      /unknown option/,
    );
    expect(problemAt(err, 'caches.c.options.sentinelKwargs.socket_timeout')).toMatch(
      /did you mean 'socketTimeout'/,
    );
  });
});

describe('compressLevel is checked against the compressor', () => {
  const BAD: Array<[string, number, RegExp]> = [
    ['zlib', 10, /from -1 to 9 for ZlibCompressor \('zlib'\), got 10 \(default 6\)/],
    ['gzip', -1, /from 0 to 9 for GzipCompressor \('gzip'\), got -1/],
    ['brotli', 12, /from 0 to 11 for BrotliCompressor \('brotli'\), got 12/],
    ['zstd', 23, /from -131072 to 22 for ZstdCompressor \('zstd'\), got 23/],
    ['zstd', -131073, /from -131072 to 22 for ZstdCompressor/],
    ['lz4', 17, /from 0 to 16 for Lz4Compressor \('lz4'\)/],
  ];

  it.each(BAD)('%s rejects level %p at options.compressLevel', async (compressor, level, why) => {
    const err = await bootError({
      c: { location: OK, options: { compressor, compressLevel: level } },
    });
    expect(err.problems).toEqual([
      expect.objectContaining({ alias: 'c', path: 'options.compressLevel' }),
    ]);
    expect(problemAt(err, 'caches.c.options.compressLevel')).toMatch(why);
  });

  const GOOD: Array<[string, number]> = [
    ['zstd', -131072],
    ['zstd', -5],
    ['zstd', 22],
    ['zlib', -1],
    ['brotli', 11],
    ['gzip', 0],
    ['lz4', 16],
  ];

  it.each(GOOD)('%s accepts level %p', (compressor, level) => {
    const [cfg] = resolveCaches({
      c: { location: OK, options: { compressor, compressLevel: level } },
    });
    expect((cfg!.compressor as BaseCompressor).level).toBe(level);
  });

  it('still requires an integer', async () => {
    const err = await bootError({
      c: { location: OK, options: { compressor: 'zlib', compressLevel: 1.5 } },
    });
    expect(problemAt(err, 'caches.c.options.compressLevel')).toMatch(/integer/);
  });
});
