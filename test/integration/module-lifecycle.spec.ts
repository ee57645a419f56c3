import 'reflect-metadata';
import { Injectable, Logger, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Valkey } from 'iovalkey';
import {
  CacheHandler,
  CacheModule,
  InjectCache,
  ValkeyCache,
  type CachesConfig,
} from '../../lib/index.js';
import { sharedTopology } from '../harness/shared-topology.js';

// This file owns databases 14 and 15 of the shared standalone server.
const DB_A = 14;
const DB_B = 15;

@Injectable()
class TwoCaches {
  constructor(
    @InjectCache() readonly main: ValkeyCache,
    @InjectCache('archive') readonly archive: ValkeyCache,
  ) {}
}

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.log(message, ...rest);
  }
  debug(): void {}
  verbose(): void {}
}

describe('CacheModule against a real Valkey', () => {
  const topo = sharedTopology();
  const raw = new Valkey({
    host: topo.standalone.host,
    port: topo.standalone.port,
    lazyConnect: true,
  });

  afterAll(async () => {
    raw.disconnect();
  });

  it('two caches on two databases are distinct providers and both work', async () => {
    const caches: CachesConfig = {
      default: { location: topo.valkeyUrl(DB_A), keyPrefix: 'life' },
      archive: {
        location: `valkey://${topo.standalone.host}:${topo.standalone.port}?db=${DB_B}`,
        keyPrefix: 'life',
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot(caches)],
      providers: [TwoCaches],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const { main, archive } = app.get(TwoCaches);
    expect(main).not.toBe(archive);

    await main.set('k', 'in A', 30);
    await archive.set('k', { in: 'B' }, 30);
    expect(await main.get('k')).toBe('in A');
    expect(await archive.get('k')).toEqual({ in: 'B' });

    await raw.select(DB_A);
    expect(await raw.get('life:1:k')).toBe('"in A"');
    await raw.select(DB_B);
    expect(await raw.get('life:1:k')).toBe('{"in":"B"}');

    // shutdown closes every connection the module opened
    const clients = [main, archive].map((c) => c.getClient());
    expect(clients.every((c) => c.status === 'ready')).toBe(true);
    await app.close();
    expect(clients.map((c) => c.status)).toEqual(['end', 'end']);
  });

  it('logs connection events per alias and never prints the password', async () => {
    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    try {
      // A closed port: the connection fails, is retried and logged.
      const closed = `valkey://app:s3cr3t-pw@127.0.0.1:1/0`;
      const moduleRef = await Test.createTestingModule({
        imports: [
          CacheModule.forRoot({
            flaky: { location: closed, options: { socketTimeout: 0.3, socketConnectTimeout: 0.3 } },
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger });
      await app.init();
      const cache = app.get(CacheHandler).get('flaky');
      await expect(cache.get('x')).rejects.toThrow(/cache 'flaky'/);
      await app.close();
      const ours = logger.lines.filter((l) => l.includes('127.0.0.1:1'));
      expect(ours.length).toBeGreaterThan(0);
      expect(logger.lines.join('\n')).not.toContain('s3cr3t-pw');
    } finally {
      Logger.overrideLogger(true);
    }
  });

  it('a cache used only after boot connects lazily and closes on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ default: { location: topo.valkeyUrl(DB_A) } })],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const cache = app.get(CacheHandler).get();
    expect(cache.getClient().status).toBe('wait');
    expect(await cache.set('lazy', 1)).toBe(true);
    expect(cache.getClient().status).toBe('ready');
    await app.close();
    expect(cache.getClient().status).toBe('end');
  });

  it('closeConnection: close() drops the connection and the next call reconnects', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          default: { location: topo.valkeyUrl(DB_A), options: { closeConnection: true } },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const cache = app.get(CacheHandler).get();
    try {
      await cache.set('reopen', 'v1');
      const before = cache.getClient();
      await cache.close();
      expect(before.status).toBe('end');
      expect(await cache.get('reopen')).toBe('v1');
      expect(cache.getClient()).not.toBe(before);
    } finally {
      await app.close();
    }
    expect(cache.getClient().status).toBe('end');
  });
});
