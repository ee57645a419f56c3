import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import type { Valkey } from 'iovalkey';
import { Test } from '@nestjs/testing';
import {
  CacheModule,
  ConnectionFactory,
  DefaultClient,
  SentinelClient,
  SentinelConnectionFactory,
  SentinelConnectionPool,
  getCacheToken,
  getSentinelClientToken,
  type CacheModuleOptions,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { ConnectionPool, expandSentinelLocation } from '../../lib/extend/index.js';
import { resolveCaches } from '../../lib/module/resolve-caches.js';
import { parseLocation } from '../../lib/config/location.js';
import { resolveSentinelKwargs } from '../../lib/connection/sentinel/sentinel-connection-factory.js';
import { ReadonlyRetryPolicy } from '../../lib/connection/readonly-retry-policy.js';
import { sentinelConnectionOptions } from '../../lib/connection/sentinel/sentinel-connection-options.js';
import { bootError } from '../support/boot-error.js';

// Nothing here talks to a server: pools open no socket before their first command.
const SENTINELS: Array<[string, number]> = [
  ['127.0.0.1', 26379],
  ['127.0.0.1', 26380],
  ['127.0.0.1', 26381],
];

async function boot(caches: CachesConfig, moduleOptions?: CacheModuleOptions) {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot(caches, moduleOptions)],
  }).compile();
  return moduleRef;
}

describe('Sentinel configuration checked at boot', () => {
  const sentinelClient = { clientClass: 'SentinelClient' } as const;
  const cases: Array<{
    name: string;
    caches: CachesConfig;
    moduleOptions?: CacheModuleOptions;
    path: string;
    message: RegExp;
  }> = [
    {
      name: 'SentinelClient without sentinels',
      caches: { s: { location: 'valkey://svc/0', options: { ...sentinelClient } } },
      path: 'caches.s.options.sentinels',
      message: /is required by SentinelConnectionFactory/,
    },
    {
      name: 'an empty sentinel list',
      caches: { s: { location: 'valkey://svc/0', options: { ...sentinelClient, sentinels: [] } } },
      path: 'caches.s.options.sentinels',
      message: /is empty/,
    },
    {
      name: 'a sentinel port out of range',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: { ...sentinelClient, sentinels: [['127.0.0.1', 0]] },
        },
      },
      path: 'caches.s.options.sentinels[0].port',
      message: /integer port 1-65535/,
    },
    {
      name: 'a sentinel port given as a string',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: { ...sentinelClient, sentinels: [['127.0.0.1', '26379' as unknown as number]] },
        },
      },
      path: 'caches.s.options.sentinels[0].port',
      message: /integer port/,
    },
    {
      name: 'a sentinel without a host',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: { ...sentinelClient, sentinels: [{ host: '', port: 26379 }] },
        },
      },
      path: 'caches.s.options.sentinels[0].host',
      message: /non-empty host/,
    },
    {
      name: 'a location without a service name',
      caches: {
        s: { location: 'valkey:///0', options: { ...sentinelClient, sentinels: SENTINELS } },
      },
      path: 'caches.s.location',
      message: /no host \(or Sentinel service name\)/,
    },
    {
      name: 'a location with a port',
      caches: {
        s: {
          location: 'valkey://svc:26379/0',
          options: { ...sentinelClient, sentinels: SENTINELS },
        },
      },
      path: 'caches.s.location',
      message:
        /has a port \(26379\).*host part of a Sentinel location is the service name.*valkey:\/\/<service_name>\/0/,
    },
    {
      name: "a sentinel's own address as the location (never suggested as a service name)",
      caches: {
        s: {
          location: 'valkey://127.0.0.1:26379/0',
          options: { ...sentinelClient, sentinels: SENTINELS },
        },
      },
      path: 'caches.s.location',
      message:
        /^(?!.*valkey:\/\/127\.0\.0\.1\/).*host part of a Sentinel location is the service name/,
    },
    {
      name: 'a port in the second URL of a list',
      caches: {
        other: {
          location: ['valkey://svc/0?is_master=1', 'valkey://svc:6380/0?is_master=0'],
          options: { sentinels: SENTINELS, connectionFactory: 'SentinelConnectionFactory' },
        },
      },
      path: 'caches.other.location[1]',
      message: /has a port \(6380\)/,
    },
    {
      name: 'a unix socket location',
      caches: {
        s: { location: 'unix:///tmp/v.sock', options: { ...sentinelClient, sentinels: SENTINELS } },
      },
      path: 'caches.s.location',
      message: /unix socket.*names a service/,
    },
    {
      name: 'a pool class that is not a Sentinel pool',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: {
            ...sentinelClient,
            sentinels: SENTINELS,
            connectionPoolClass: 'ConnectionPool',
          },
        },
      },
      path: 'caches.s.options.connectionPoolClass',
      message: /'ConnectionPool' is not a Sentinel pool/,
    },
    {
      name: 'SentinelClient with a per-cache plain ConnectionFactory',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: {
            ...sentinelClient,
            sentinels: SENTINELS,
            connectionFactory: 'ConnectionFactory',
          },
        },
      },
      path: 'caches.s.options.connectionFactory',
      message:
        /SentinelClient needs Sentinel pools.*'ConnectionFactory' \(from options\.connectionFactory\)/,
    },
    {
      name: 'SentinelClient with a global plain ConnectionFactory',
      caches: {
        s: { location: 'valkey://svc/0', options: { ...sentinelClient, sentinels: SENTINELS } },
      },
      moduleOptions: { connectionFactory: ConnectionFactory },
      path: 'caches.s.options.connectionFactory',
      message: /from the module's global connectionFactory/,
    },
    {
      name: 'SentinelClient with ConnectionFactory and SentinelConnectionPool',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: {
            ...sentinelClient,
            sentinels: SENTINELS,
            connectionFactory: 'ConnectionFactory',
            connectionPoolClass: 'SentinelConnectionPool',
          },
        },
      },
      path: 'caches.s.options.connectionFactory',
      message: /does not pass options\.sentinels/,
    },
    {
      name: 'a plain cache under a global SentinelConnectionFactory',
      caches: { plain: { location: 'valkey://127.0.0.1:6379/1' } },
      moduleOptions: { connectionFactory: 'django_valkey.pool.SentinelConnectionFactory' },
      path: 'caches.plain.options.sentinels',
      message: /is required by SentinelConnectionFactory/,
    },
    {
      name: 'an unknown pool class name',
      caches: {
        s: {
          location: 'valkey://svc/0',
          options: { ...sentinelClient, sentinels: SENTINELS, connectionPoolClass: 'SentinelPool' },
        },
      },
      path: 'caches.s.options.connectionPoolClass',
      message: /unknown connection pool class 'SentinelPool'/,
    },
  ];

  it.each(cases)('$name', async ({ caches, moduleOptions, path, message }) => {
    const error = await bootError(caches, moduleOptions);
    const line = error.message.split('\n').find((l) => l.includes(`${path}:`));
    expect(line).toBeDefined();
    expect(line).toMatch(message);
    expect(error.problems.some((p) => `caches.${p.alias}.${p.path}` === path)).toBe(true);
  });

  it('lists every problem of every cache in one error', async () => {
    const error = await bootError({
      a: { location: 'valkey://svc:1/0', options: { ...sentinelClient, sentinels: [] } },
      b: {
        location: 'valkey://svc/0',
        options: { ...sentinelClient, connectionPoolClass: ConnectionPool },
      },
    });
    const paths = error.problems.map((p) => `${p.alias}.${p.path}`).sort();
    expect(paths).toEqual([
      'a.location',
      'a.options.sentinels',
      'b.options.connectionPoolClass',
      'b.options.sentinels',
    ]);
  });

  it("reports the option checks and the Sentinel factory's rules together", async () => {
    const error = await bootError({
      plain: { location: 'valkey://127.0.0.1:6379/0', ttl: 60 },
      s: { location: 'valkey://svc/0', options: { ...sentinelClient } },
    });
    expect(error.problems.map((p) => `${p.alias}.${p.path}`)).toEqual([
      'plain.ttl',
      's.options.sentinels',
    ]);
    expect(error.message).toMatch(/caches\.plain\.ttl: unknown option \(did you mean 'timeout'/);
    expect(error.message).toMatch(/caches\.s\.options\.sentinels: is required by Sentinel/);
  });
});

describe('the seed examples boot (TypeScript form)', () => {
  const SEED: CachesConfig = {
    default: {
      location: 'valkey://service_name/0',
      options: {
        clientClass: 'django_valkey.client.SentinelClient',
        sentinels: SENTINELS,
        sentinelKwargs: {},
        connectionPoolClass: 'valkey.sentinel.SentinelConnectionPool',
      },
    },
    minimal: {
      backend: 'django_valkey.cache.ValkeyCache',
      location: 'valkey://minimal_service_name/0',
      options: { clientClass: 'django_valkey.client.SentinelClient', sentinels: SENTINELS },
    },
    other: {
      backend: 'django_valkey.cache.ValkeyCache',
      location: [
        'valkey://other_service_name/0?is_master=1',
        'valkey://other_service_name/0?is_master=0',
      ],
      options: { sentinels: SENTINELS },
    },
    readonly: {
      backend: 'django_valkey.cache.ValkeyCache',
      location: 'valkey://readonly_service_name/0?is_master=0',
      options: { sentinels: SENTINELS },
    },
  };

  it('with the global factory DJANGO_VALKEY_CONNECTION_FACTORY', async () => {
    const moduleRef = await boot(SEED, {
      connectionFactory: 'django_valkey.pool.SentinelConnectionFactory',
    });
    try {
      const client = moduleRef.get<SentinelClient>(getSentinelClientToken('default'));
      expect(client).toBeInstanceOf(SentinelClient);
      expect(client.isSentinel).toBe(true);
      expect(client.primary).toBeInstanceOf(SentinelConnectionPool);
      expect(client.primary.role).toBe('primary');
      expect(client.replica).toBeInstanceOf(SentinelConnectionPool);
      expect(client.replica.role).toBe('replica');
      expect(client.replicas).toEqual([client.replica]);
      expect(client.primary.describe()).toContain("Sentinel service 'service_name'");
      expect(moduleRef.get(getSentinelClientToken('minimal'))).toBeInstanceOf(SentinelClient);

      const other = moduleRef.get<ValkeyCache>(getCacheToken('other'));
      expect(other.client).toBeInstanceOf(DefaultClient);
      expect(other.client).not.toBeInstanceOf(SentinelClient);
      expect(moduleRef.get(getSentinelClientToken('other'))).toBeNull();
      expect([other.client.primary.role, ...other.client.replicas.map((p) => p.role)]).toEqual([
        'primary',
        'replica',
      ]);

      const readonly = moduleRef.get<ValkeyCache>(getCacheToken('readonly'));
      expect(readonly.client.primary).toBeInstanceOf(SentinelConnectionPool);
      expect(readonly.client.primary.role).toBe('replica');
      expect(readonly.client.replicas).toHaveLength(0);
    } finally {
      await moduleRef.close();
    }
  });

  it('with per-cache factories, beside a plain cache', async () => {
    const moduleRef = await boot({
      sentinel: {
        location: 'valkey://service_name/0',
        options: {
          clientClass: 'django_valkey.client.SentinelClient',
          sentinels: SENTINELS,
          connectionPoolClass: 'valkey.sentinel.SentinelConnectionPool',
          connectionFactory: 'django_valkey.pool.SentinelConnectionFactory',
        },
      },
      default: {
        location: 'valkey://127.0.0.1:6379/1',
        options: { clientClass: 'django_valkey.client.DefaultClient' },
      },
    });
    try {
      expect(moduleRef.get(getSentinelClientToken('sentinel'))).toBeInstanceOf(SentinelClient);
      expect(moduleRef.get(getSentinelClientToken('default'))).toBeNull();
      const plain = moduleRef.get<ValkeyCache>(getCacheToken('default'));
      expect(plain.client.primary).toBeInstanceOf(ConnectionPool);
    } finally {
      await moduleRef.close();
    }
  });

  it('with classes instead of names', async () => {
    const moduleRef = await boot({
      s: {
        location: 'valkey://svc/2',
        options: {
          clientClass: SentinelClient,
          connectionFactory: SentinelConnectionFactory,
          connectionPoolClass: SentinelConnectionPool,
          sentinels: [{ host: '127.0.0.1', port: 26379 }],
        },
      },
    });
    await moduleRef.close();
  });
});

describe('SentinelClient location expansion', () => {
  it('builds the primary and replica URLs independently (not django-valkey shared-dict bug)', () => {
    expect(expandSentinelLocation('valkey://svc/3')).toEqual([
      'valkey://svc/3?is_master=1',
      'valkey://svc/3?is_master=0',
    ]);
    expect(expandSentinelLocation('valkey://:secret@svc/3?socket_timeout=2&is_master=0')).toEqual([
      'valkey://:secret@svc/3?socket_timeout=2&is_master=1',
      'valkey://:secret@svc/3?socket_timeout=2&is_master=0',
    ]);
  });

  it('uses a one-URL list as given (only a string is expanded)', async () => {
    const moduleRef = await boot({
      s: {
        location: ['valkey://svc/0'],
        options: { clientClass: 'SentinelClient', sentinels: SENTINELS },
      },
    });
    try {
      const client = moduleRef.get<SentinelClient>(getSentinelClientToken('s'));
      expect(client.primary.role).toBe('primary');
      expect(client.replicas).toHaveLength(0);
      // reads go to the only pool
      expect(client.replica).toBe(client.primary);
    } finally {
      await moduleRef.close();
    }
  });

  it('uses a list location as given', async () => {
    const moduleRef = await boot({
      s: {
        location: ['valkey://svc/0?is_master=0', 'valkey://svc/0?is_master=0'],
        options: { clientClass: 'SentinelClient', sentinels: SENTINELS },
      },
    });
    try {
      const client = moduleRef.get<SentinelClient>(getSentinelClientToken('s'));
      expect([client.primary.role, client.replica.role]).toEqual(['replica', 'replica']);
      // same connection -> one shared pool
      expect(client.replica).toBe(client.primary);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('?is_master= spellings (valkey-py to_bool)', () => {
  const [config] = resolveCaches({
    s: { location: 'valkey://svc/0', options: { sentinels: SENTINELS } },
  });
  const roles: Array<[string, 'primary' | 'replica']> = [
    ['', 'primary'],
    ['?is_master=1', 'primary'],
    ['?is_master=true', 'primary'],
    ['?is_master=True', 'primary'],
    ['?is_master=yes', 'primary'],
    ['?is_master=on', 'primary'],
    ['?is_master=0', 'replica'],
    ['?is_master=false', 'replica'],
    ['?is_master=False', 'replica'],
    ['?is_master=no', 'replica'],
    ['?is_master=off', 'replica'],
    ['?is_master=f', 'replica'],
    ['?is_master=n', 'replica'],
    ['?is_master=', 'replica'],
  ];
  it.each(roles)('valkey://svc/0%s -> %s pool', async (query, role) => {
    const factory = new SentinelConnectionFactory();
    const pool = factory.connect(`valkey://svc/0${query}`, config!);
    expect(pool).toBeInstanceOf(SentinelConnectionPool);
    expect(pool.role).toBe(role);
    await factory.close();
  });

  it('passes the sentinels, the sentinel kwargs (with timeouts) and the data-node options', () => {
    const [cfg] = resolveCaches({
      s: {
        location: 'valkey://user:pw@svc/4?is_master=0',
        options: {
          sentinels: [['10.0.0.1', 26379], { host: '10.0.0.2', port: 26380 }],
          sentinelKwargs: { password: 'sentinel-pw', socketTimeout: 0.5 },
          socketTimeout: 2,
          socketConnectTimeout: 3,
          connectionPoolKwargs: { keepAlive: 1000 },
        },
      },
    });
    class Spy extends SentinelConnectionFactory {
      params(url: string) {
        return this.makeConnectionParams(parseLocation(url), cfg!);
      }
    }
    const params = new Spy().params('valkey://user:pw@svc/4?is_master=0');
    expect(params.isPrimary).toBe(false);
    expect(params.sentinels).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
    ]);
    expect(params.sentinelKwargs).toEqual({
      password: 'sentinel-pw',
      socketTimeout: 0.5,
      socketConnectTimeout: 3,
    });
    expect(params.connection).toMatchObject({
      db: 4,
      username: 'user',
      password: 'pw',
      commandTimeout: 2000,
      connectTimeout: 3000,
      keepAlive: 1000,
    });
    expect(params.connection).not.toHaveProperty('host');
    expect(params.connection).not.toHaveProperty('port');
    expect(params.location.host).toBe('svc');
  });
});

describe('registry names', () => {
  it('resolves the seed dotted paths', async () => {
    const { connectionFactories, connectionPools } =
      await import('../../lib/connection/pool-registry.js');
    const { clientClasses } = await import('../../lib/client/client-registry.js');
    expect(connectionFactories.lookup('django_valkey.pool.SentinelConnectionFactory')).toBe(
      SentinelConnectionFactory,
    );
    expect(connectionPools.lookup('valkey.sentinel.SentinelConnectionPool')).toBe(
      SentinelConnectionPool,
    );
    expect(clientClasses.lookup('django_valkey.client.SentinelClient')).toBe(SentinelClient);
  });
});

describe('ReadonlyRetryPolicy', () => {
  it('resends a READONLY command once, then fails it when the next connection answers READONLY too', () => {
    const client = new EventEmitter();
    const policy = new ReadonlyRetryPolicy();
    policy.attach(client as unknown as Valkey);
    const readonly = new Error("READONLY You can't write against a read only replica.");
    client.emit('ready'); // connection 1
    expect(policy.decide(new Error('ERR wrong number of arguments'))).toBe(false);
    expect(policy.decide(readonly)).toBe(2); // every command refused on connection 1 is resent
    expect(policy.decide(readonly)).toBe(2);
    client.emit('ready'); // connection 2: still read-only
    expect(policy.decide(readonly)).toBe(1); // reconnect, but fail the command
    client.emit('ready'); // connection 3 after a READONLY on connection 2
    expect(policy.decide(readonly)).toBe(1);
    client.emit('ready'); // connection 4: works, no READONLY on it
    client.emit('ready'); // connection 5: the previous connection was clean, so resend again
    expect(policy.decide(readonly)).toBe(2);
    expect(policy.retried).toBe(3);
    expect(policy.rejected).toBe(2);
  });
});

describe('sentinelKwargs -> connection options of the sentinel connections', () => {
  it('converts seconds to ms and TLS true to defaults', () => {
    expect(
      sentinelConnectionOptions({
        username: 'u',
        password: 'p',
        tls: true,
        socketTimeout: 0.25,
        socketConnectTimeout: 2,
      }),
    ).toEqual({
      username: 'u',
      password: 'p',
      tls: {},
      commandTimeout: 250,
      connectTimeout: 2000,
      disconnectTimeout: 200,
    });
    // iovalkey's default disconnect timer (2000 ms) kept jest alive after the Sentinel specs
    expect(sentinelConnectionOptions(undefined)).toEqual({ disconnectTimeout: 200 });
    expect(sentinelConnectionOptions({ tls: { servername: 'x' } })).toEqual({
      tls: { servername: 'x' },
      disconnectTimeout: 200,
    });
  });

  it('fills missing sentinel timeouts from the cache (valkey-py behaviour)', () => {
    expect(
      resolveSentinelKwargs({ password: 'p' }, { socketTimeout: 3, socketConnectTimeout: 4 }),
    ).toEqual({
      password: 'p',
      socketTimeout: 3,
      socketConnectTimeout: 4,
    });
  });
});
