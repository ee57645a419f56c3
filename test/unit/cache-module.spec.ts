import 'reflect-metadata';
import net from 'node:net';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import {
  CacheConfigError,
  CacheHandler,
  CacheModule,
  ConnectionFactory,
  DefaultClient,
  getCacheToken,
  InjectCache,
  VALKEY_CONNECTION_FACTORY,
  ValkeyCache,
  type CachesConfig,
} from '../../lib/index.js';
import { type ResolvedCacheConfig, type ValkeyPool } from '../../lib/extend/index.js';
import { InMemoryConnectionFactory } from '../../lib/testing/index.js';

const LOCAL = 'valkey://127.0.0.1:6399/1';

/** The testing kit's factory, recording which caches connected and whether it was closed. */
class RecordingFactory extends InMemoryConnectionFactory {
  readonly connected: Array<{ url: string; alias: string }> = [];
  closed = false;

  override connect(url: string, cache: ResolvedCacheConfig): ValkeyPool {
    this.connected.push({ url, alias: cache.alias });
    return super.connect(url, cache);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }
}

@Injectable()
class Greeter {
  constructor(
    @InjectCache() readonly cache: ValkeyCache,
    @InjectCache('other') readonly other: ValkeyCache,
  ) {}
}

describe('CacheModule without a server', () => {
  let connectSpy: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    connectSpy = jest.spyOn(net.Socket.prototype, 'connect');
  });
  afterEach(() => connectSpy.mockRestore());

  const caches: CachesConfig = {
    default: { location: LOCAL, keyPrefix: 'app' },
    other: { location: 'valkey://127.0.0.1:6399/2' },
  };

  it('forRoot() alone opens no connection; building the testing module opens none either', async () => {
    const dyn = CacheModule.forRoot(caches);
    expect(dyn.providers?.length).toBeGreaterThan(0);
    const moduleRef = await Test.createTestingModule({
      imports: [dyn],
      providers: [Greeter],
    }).compile();
    const greeter = moduleRef.get(Greeter);
    expect(greeter.cache).toBeInstanceOf(ValkeyCache);
    expect(greeter.cache).not.toBe(greeter.other);
    expect(greeter.cache.alias).toBe('default');
    expect(greeter.other.alias).toBe('other');
    await moduleRef.close();
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('overriding VALKEY_CONNECTION_FACTORY runs every cache on the in-memory factory, with no socket', async () => {
    const fake = new RecordingFactory();
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(caches)],
      providers: [Greeter],
    })
      .overrideProvider(VALKEY_CONNECTION_FACTORY)
      .useValue(fake)
      .compile();
    const { cache, other } = moduleRef.get(Greeter);
    expect(await cache.set('greeting', { hello: 'world' }, 10)).toBe(true);
    expect(await cache.get('greeting')).toEqual({ hello: 'world' });
    expect(await fake.client(LOCAL).keys('*')).toEqual(['app:1:greeting']);
    expect(await other.get('greeting', 'none')).toBe('none');
    expect(fake.connected.map((c) => c.alias).sort()).toEqual(['default', 'other']);
    await moduleRef.close();
    expect(fake.closed).toBe(true);
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('overriding one alias leaves the other cache real', async () => {
    const stub = { alias: 'stubbed', get: async () => 'from-stub' };
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(caches)],
      providers: [Greeter],
    })
      .overrideProvider(getCacheToken('other'))
      .useValue(stub)
      .compile();
    const greeter = moduleRef.get(Greeter);
    expect(await (greeter.other as unknown as typeof stub).get()).toBe('from-stub');
    expect(greeter.cache).toBeInstanceOf(ValkeyCache);
    await moduleRef.close();
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it('CacheHandler lists the aliases and names them in errors for unknown ones', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(caches)],
    }).compile();
    const handler = moduleRef.get(CacheHandler);
    expect(handler.aliases()).toEqual(['default', 'other']);
    expect(() => handler.get('missing')).toThrow(
      /cache 'missing': no such cache; configured aliases: default, other/,
    );
    await moduleRef.close();
  });
});

describe('connection factory precedence: per-cache > global > client default', () => {
  const made: Record<string, string[]> = {};
  function recording(name: string) {
    return class extends ConnectionFactory {
      override connect(url: string, cache: ResolvedCacheConfig): ValkeyPool {
        (made[name] ??= []).push(cache.alias);
        return super.connect(url, cache);
      }
    };
  }
  const GlobalFactory = recording('global');
  const PerCacheFactory = recording('perCache');
  const ClientDefaultFactory = recording('clientDefault');
  class OwnDefaultClient extends DefaultClient {
    static override readonly defaultConnectionFactory = ClientDefaultFactory;
  }
  beforeEach(() => {
    for (const k of Object.keys(made)) delete made[k];
  });

  async function boot(caches: CachesConfig, moduleOptions = {}) {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(caches, moduleOptions)],
    }).compile();
    await moduleRef.close();
  }

  it('uses the client class default when neither cache nor module sets a factory', async () => {
    await boot({
      a: { location: LOCAL, options: { clientClass: OwnDefaultClient } },
      b: { location: LOCAL },
    });
    expect(made).toEqual({ clientDefault: ['a'] });
  });

  it('uses the global factory over the client default', async () => {
    await boot(
      { a: { location: LOCAL, options: { clientClass: OwnDefaultClient } } },
      { connectionFactory: GlobalFactory },
    );
    expect(made).toEqual({ global: ['a'] });
  });

  it('uses the per-cache factory over the global one', async () => {
    await boot(
      {
        a: {
          location: LOCAL,
          options: { clientClass: OwnDefaultClient, connectionFactory: PerCacheFactory },
        },
        b: { location: LOCAL },
      },
      { connectionFactory: GlobalFactory },
    );
    expect(made).toEqual({ perCache: ['a'], global: ['b'] });
  });

  it('an overridden token counts as set by the app and wins over the client default', async () => {
    const fake = new RecordingFactory();
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({ a: { location: LOCAL, options: { clientClass: OwnDefaultClient } } }),
      ],
    })
      .overrideProvider(VALKEY_CONNECTION_FACTORY)
      .useValue(fake)
      .compile();
    await moduleRef.close();
    expect(fake.connected.map((c) => c.alias)).toEqual(['a']);
    expect(made).toEqual({});
  });

  it('accepts factory names, including the Django dotted path', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot(
          {
            a: {
              location: LOCAL,
              options: { connectionFactory: 'django_valkey.pool.ConnectionFactory' },
            },
          },
          { connectionFactory: 'ConnectionFactory' },
        ),
      ],
    }).compile();
    expect(moduleRef.get(VALKEY_CONNECTION_FACTORY)).toBeInstanceOf(ConnectionFactory);
    await moduleRef.close();
  });

  it('shares one pool between caches with the same connection, not across passwords', async () => {
    const factory = new ConnectionFactory();
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot(
          {
            a: { location: LOCAL },
            b: { location: LOCAL, keyPrefix: 'other' },
            c: { location: LOCAL, options: { password: 's3cret' } },
          },
          { connectionFactory: factory },
        ),
      ],
    }).compile();
    const handler = moduleRef.get(CacheHandler);
    const pool = (alias: string) => handler.client(alias).primary;
    expect(pool('a')).toBe(pool('b'));
    expect(pool('a')).not.toBe(pool('c'));
    await moduleRef.close();
  });
});

describe('CacheModule.forRootAsync', () => {
  const CONFIG = Symbol('CONFIG');
  @Module({
    providers: [{ provide: CONFIG, useValue: { url: LOCAL, prefix: 'async' } }],
    exports: [CONFIG],
  })
  class ConfigModule {}

  it('builds caches from injected config (ConfigService style)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRootAsync({
          aliases: ['default', 'other'],
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (cfg: { url: string; prefix: string }) => ({
            default: { location: cfg.url, keyPrefix: cfg.prefix },
            other: { location: cfg.url, version: 2 },
          }),
        }),
      ],
      providers: [Greeter],
    })
      .overrideProvider(VALKEY_CONNECTION_FACTORY)
      .useValue(new InMemoryConnectionFactory())
      .compile();
    const greeter = moduleRef.get(Greeter);
    expect(greeter.cache.makeKey('k')).toBe('async:1:k');
    expect(greeter.other.makeKey('k')).toBe(':2:k');
    await moduleRef.close();
  });

  it('supports useClass', async () => {
    @Injectable()
    class Caches {
      createCachesConfig(): CachesConfig {
        return { default: { location: LOCAL, timeout: null } };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRootAsync({ aliases: ['default'], useClass: Caches })],
    }).compile();
    expect(moduleRef.get<ValkeyCache>(getCacheToken()).defaultTimeout).toBeNull();
    await moduleRef.close();
  });

  it('fails boot clearly when the factory result does not match the declared aliases', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        CacheModule.forRootAsync({
          aliases: ['default', 'sessions'],
          useFactory: () => ({ default: { location: LOCAL }, sesions: { location: LOCAL } }),
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(CacheConfigError);
    await expect(compiling).rejects.toThrow(
      /caches\.sessions: declared in forRootAsync\(\{ aliases \}\) but missing/,
    );
    await expect(compiling).rejects.toThrow(
      /caches\.sesions: returned by the factory but not declared/,
    );
  });
});
