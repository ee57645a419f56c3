import {
  parseBoolParam,
  parseLocation,
  redactLocation,
  splitLocations,
} from '../../lib/config/location.js';
import { ConnectionFactory } from '../../lib/connection/connection-factory.js';
import { connectionKey } from '../../lib/connection/connection-key.js';

describe('parseLocation', () => {
  it.each([
    [
      'valkey://127.0.0.1:6379/1',
      { scheme: 'valkey:', host: '127.0.0.1', port: 6379, db: 1, tls: false },
    ],
    ['redis://cache.internal/2', { scheme: 'redis:', host: 'cache.internal', db: 2, tls: false }],
    ['valkeys://secure:6380', { scheme: 'valkeys:', host: 'secure', port: 6380, db: 0, tls: true }],
    ['rediss://secure:6380/3', { scheme: 'rediss:', host: 'secure', port: 6380, db: 3, tls: true }],
    ['valkey://h:1?db=7', { host: 'h', port: 1, db: 7 }],
    ['valkey://[::1]:6379/0', { host: '::1', port: 6379 }],
    [
      'unix:///run/valkey/valkey.sock?db=4',
      { scheme: 'unix:', path: '/run/valkey/valkey.sock', db: 4, host: '' },
    ],
    ['valkey://service_name/0?is_master=0', { host: 'service_name', isMaster: false }],
    [
      'valkey://h/0?socket_timeout=0.5&socket_connect_timeout=2',
      { socketTimeout: 0.5, socketConnectTimeout: 2 },
    ],
  ])('%s', (url, expected) => {
    expect(parseLocation(url)).toMatchObject(expected);
  });

  it('decodes credentials from the URL', () => {
    const p = parseLocation('valkey://app%40team:p%3Ass@host:6379/0');
    expect(p.username).toBe('app@team');
    expect(p.password).toBe('p:ss');
    expect(parseLocation('valkey://:onlypass@host').password).toBe('onlypass');
    expect(parseLocation('valkey://host?username=u&password=p')).toMatchObject({
      username: 'u',
      password: 'p',
    });
  });

  it.each([
    ['localhost:6379', /not a URL|unsupported scheme/],
    ['http://host', /unsupported scheme 'http:'/],
    ['valkey://host:0', /out of range/],
    ['valkey://host/x', /non-negative integer/],
    ['valkey://host?db=1.5', /non-negative integer/],
    ['valkey://host?timeout=1', /unknown query parameter 'timeout'/],
    ['valkey://host?socket_timeout=-1', /seconds >= 0/],
    ['unix://', /socket path|no host|not a URL/],
  ])('rejects %s', (url, message) => {
    expect(() => parseLocation(url)).toThrow(message);
  });

  it('never puts a password in its errors', () => {
    expect(() => parseLocation('valkey://u:hunter2@host/x')).toThrow();
    try {
      parseLocation('valkey://u:hunter2@host:99999/0');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

describe('is_master spellings (valkey-py to_bool)', () => {
  it.each(['0', 'false', 'False', 'no', 'off', 'f', 'n', ''])('%j is false', (v) => {
    expect(parseBoolParam(v)).toBe(false);
  });
  it.each(['1', 'true', 'True', 'yes', 'on', 'y'])('%j is true', (v) => {
    expect(parseBoolParam(v)).toBe(true);
  });
});

describe('redactLocation and splitLocations', () => {
  it('redacts userinfo and ?password=', () => {
    expect(redactLocation('valkey://user:pw@h:1/0')).toBe('valkey://user:***@h:1/0');
    expect(redactLocation('valkey://:pw@h')).toBe('valkey://:***@h');
    expect(redactLocation('valkey://h?db=1&password=pw')).toBe('valkey://h?db=1&password=***');
    expect(redactLocation('valkey://h:1/0')).toBe('valkey://h:1/0');
  });
  it('splits Django comma strings and lists', () => {
    expect(splitLocations('valkey://a/0, valkey://b/0,')).toEqual(['valkey://a/0', 'valkey://b/0']);
    expect(splitLocations(['valkey://a/0'])).toEqual(['valkey://a/0']);
  });
});

describe('connection identity', () => {
  it('differs by password and TLS material, not by key order', () => {
    expect(connectionKey({ a: 1, b: { c: 2 } })).toBe(connectionKey({ b: { c: 2 }, a: 1 }));
    expect(connectionKey({ password: 'a' })).not.toBe(connectionKey({ password: 'b' }));
    expect(connectionKey({ ca: Buffer.from('x') })).not.toBe(
      connectionKey({ ca: Buffer.from('y') }),
    );
    const f = () => 1;
    expect(connectionKey({ retry: f })).toBe(connectionKey({ retry: f }));
    expect(connectionKey({ retry: f })).not.toBe(connectionKey({ retry: () => 1 }));
  });

  it('ConnectionFactory builds TLS, unix and credential options from the URL over the cache options', () => {
    class Probe extends ConnectionFactory {
      params(url: string, cache: object) {
        return this.makeConnectionParams(parseLocation(url), {
          alias: 'x',
          socketTimeout: 5,
          socketConnectTimeout: 2,
          connectionPoolKwargs: {},
          ...cache,
        } as never).connection;
      }
    }
    const p = new Probe();
    expect(p.params('valkeys://u:urlpw@h:7000/3', { password: 'optpw' })).toMatchObject({
      host: 'h',
      port: 7000,
      db: 3,
      username: 'u',
      password: 'urlpw',
      tls: {},
      commandTimeout: 5000,
      connectTimeout: 2000,
    });
    expect(p.params('valkey://h', { password: 'optpw' })).toMatchObject({
      password: 'optpw',
      port: 6379,
    });
    const unix = p.params('unix:///tmp/v.sock?db=2', {});
    expect(unix).toMatchObject({ path: '/tmp/v.sock', db: 2 });
    expect(unix).not.toHaveProperty('host');
    expect(p.params('valkey://h?socket_timeout=0.25', {})).toMatchObject({ commandTimeout: 250 });
  });
});
