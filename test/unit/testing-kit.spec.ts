/**
 * The testing kit (`nestjs-valkey-cache/testing`) on its own: a Nest app's tests with the
 * connection factory overridden or with `CacheTestingModule`, no socket ever opened, expiry on a
 * fake clock and under jest's fake timers, keyspaces per location and database, replicas,
 * Sentinel, shard and cluster caches in memory, Valkey's glob rules, binary-safe values, the
 * reply shapes of iovalkey, and a clear error for a Lua script it cannot run.
 * (The whole cache API runs against it in `testing-kit-api.spec.ts`.)
 */
import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheConfigError,
  CacheError,
  CacheModule,
  CacheReadOnlyError,
  getCacheToken,
  getSentinelClientToken,
  InjectCache,
  SentinelClient,
  ShardClient,
  VALKEY_CONNECTION_FACTORY,
  ValkeyCache,
  type CachesConfig,
} from '../../lib/index.js';
import { ValkeyClusterCache, type ValkeyPool } from '../../lib/extend/index.js';
import {
  CacheTestingModule,
  FakeClock,
  globMatch,
  InMemoryClusterClient,
  InMemoryConnectionFactory,
  InMemoryServers,
  InMemoryValkey,
  registerInMemoryScript,
} from '../../lib/testing/index.js';
import { scriptHandler } from '../../lib/testing/commands/script-registry.js';
import { THROTTLER_INCREMENT } from '../../lib/adapters/throttler-script.js';
import { RefCountedPools } from '../../lib/connection/ref-counted-pools.js';

/** The source of every `new LuaScript(…)` literal in lib/ (outside the kit), by file. */
function libraryScripts(): Array<{ file: string; source: string }> {
  const found: Array<{ file: string; source: string }> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join('lib', 'testing')) walk(path);
      } else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/new LuaScript\(\s*(?:`([^`]*)`|'((?:[^'\\]|\\.)*)')/g)) {
          found.push({ file: path, source: m[1] ?? m[2]!.replace(/\\(.)/g, '$1') });
        }
      }
    }
  };
  walk('lib');
  return found;
}

// ------------------------------------------------------------------------------------------------
// A small app, as a user has it: a module that configures the caches, a service that uses one.

@Injectable()
class GreetingService {
  calls = 0;
  constructor(@InjectCache() private readonly cache: ValkeyCache) {}

  /** Computes a greeting once per name and keeps it for 60 s. */
  greet(name: string): Promise<string> {
    return this.cache.getOrSet(
      `greeting:${name}`,
      () => {
        this.calls++;
        return `Hello, ${name}!`;
      },
      60,
    );
  }
}

@Module({
  imports: [
    CacheModule.forRoot({
      default: { location: 'valkey://cache.internal:6379/0', keyPrefix: 'app' },
    }),
  ],
  providers: [GreetingService],
})
class AppModule {}

describe('the testing kit', () => {
  let connectSpy: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    connectSpy = jest.spyOn(net.Socket.prototype, 'connect');
  });
  afterEach(() => {
    // Every test of this file runs without a single socket.
    expect(connectSpy).not.toHaveBeenCalled();
    connectSpy.mockRestore();
  });

  it('the socket spy sees a real client connect (control for the no-socket checks)', async () => {
    const real = new Valkey({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    real.on('error', () => undefined);
    await real.connect().catch(() => undefined);
    expect(connectSpy).toHaveBeenCalled();
    real.disconnect();
    connectSpy.mockClear();
  });

  describe('overrideProvider(VALKEY_CONNECTION_FACTORY).useClass(InMemoryConnectionFactory)', () => {
    let moduleRef: TestingModule;
    let service: GreetingService;
    let factory: InMemoryConnectionFactory;

    beforeEach(async () => {
      moduleRef = await Test.createTestingModule({ imports: [AppModule] })
        .overrideProvider(VALKEY_CONNECTION_FACTORY)
        .useClass(InMemoryConnectionFactory)
        .compile();
      await moduleRef.init();
      service = moduleRef.get(GreetingService);
      factory = moduleRef.get(VALKEY_CONNECTION_FACTORY);
    });
    afterEach(() => moduleRef.close());

    it('runs the app service on the in-memory store', async () => {
      expect(factory).toBeInstanceOf(InMemoryConnectionFactory);
      expect(await service.greet('Ada')).toBe('Hello, Ada!');
      expect(await service.greet('Ada')).toBe('Hello, Ada!');
      expect(service.calls).toBe(1);
      // The value is where a real server would hold it: prefixed key, JSON, 60 s TTL.
      const raw = factory.client('valkey://cache.internal:6379/0');
      expect(await raw.get('app:1:greeting:Ada')).toBe('"Hello, Ada!"');
      expect(await raw.ttl('app:1:greeting:Ada')).toBe(60);
      expect(await raw.dbsize()).toBe(1);
    });

    it('gives every test app a fresh, empty store', async () => {
      const raw = factory.client('valkey://cache.internal:6379/0');
      expect(await raw.dbsize()).toBe(0);
      expect(service.calls).toBe(0);
    });

    it('closes its connections on app shutdown', async () => {
      const cache = moduleRef.get<ValkeyCache>(getCacheToken());
      await cache.set('k', 1);
      const conn = cache.getClient();
      expect(conn).toBeInstanceOf(InMemoryValkey);
      expect(conn.status).toBe('ready');
      await moduleRef.close();
      expect(conn.status).toBe('end');
      await expect(conn.get('k')).rejects.toThrow('Connection is closed.');
    });
  });

  it('refuses a ValkeyClusterCache under the override at boot, naming the alias', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          sessions: { backend: 'ValkeyClusterCache', location: 'valkey://node1:7000' },
        }),
      ],
    })
      .overrideProvider(VALKEY_CONNECTION_FACTORY)
      .useClass(InMemoryConnectionFactory)
      .compile();
    await expect(compiling).rejects.toBeInstanceOf(CacheConfigError);
    await expect(compiling).rejects.toThrow(/sessions.*backend.*CacheTestingModule/s);
  });

  describe('CacheTestingModule.forRoot', () => {
    const caches: CachesConfig = {
      default: { location: 'valkey://cache:6379/0', keyPrefix: 'a' },
      // Same server and database as `default`: one keyspace.
      neighbour: { location: 'valkey://cache:6379/0', keyPrefix: 'b' },
      // Another database of the same server, and another server.
      otherDb: { location: 'valkey://cache:6379/1' },
      otherHost: { location: 'valkey://elsewhere:6379/0' },
      // A per-cache factory would win over an overridden global one; here it is removed.
      ownFactory: {
        location: 'valkey://cache:6379/2',
        options: { connectionFactory: 'ConnectionFactory' },
      },
      cluster: {
        backend: 'ValkeyClusterCache',
        location: ['valkey://node1:7000', 'valkey://node2:7001'],
        options: { scaleReads: 'slave' },
      },
      sentinel: {
        location: 'valkey://mymaster/0',
        options: {
          clientClass: 'SentinelClient',
          connectionPoolClass: 'SentinelConnectionPool',
          sentinels: [['sentinel-1', 26379]],
        },
      },
      replicated: {
        location: ['valkey://primary:6379/3', 'valkey://replica:6380/3'],
        timeout: null,
      },
      shards: {
        location: ['valkey://shard0:6379/0', 'valkey://shard1:6379/0', 'valkey://shard2:6379/0'],
        options: { clientClass: 'ShardClient' },
      },
      herd: { location: 'valkey://cache:6379/4', options: { clientClass: 'HerdClient' } },
    };
    let moduleRef: TestingModule;
    let factory: InMemoryConnectionFactory;
    const cache = (alias: string): ValkeyCache => moduleRef.get<ValkeyCache>(getCacheToken(alias));

    beforeAll(async () => {
      moduleRef = await Test.createTestingModule({
        imports: [CacheTestingModule.forRoot(caches)],
      }).compile();
      await moduleRef.init();
      factory = moduleRef.get(InMemoryConnectionFactory);
    });
    afterAll(() => moduleRef.close());
    beforeEach(() => factory.flushAll());

    it('exposes the factory as InMemoryConnectionFactory and VALKEY_CONNECTION_FACTORY', () => {
      expect(factory).toBeInstanceOf(InMemoryConnectionFactory);
      expect(moduleRef.get(VALKEY_CONNECTION_FACTORY)).toBe(factory);
    });

    it('keyspaces are per location and database, shared like a real server', async () => {
      await cache('default').set('k', 1);
      await cache('neighbour').set('k', 2);
      await cache('otherDb').set('k', 3);
      await cache('otherHost').set('k', 4);
      await cache('ownFactory').set('k', 5);
      expect(factory.servers.serverFor('valkey://cache:6379').keys(0).sort()).toEqual([
        'a:1:k',
        'b:1:k',
      ]);
      expect(factory.servers.serverFor('valkey://cache:6379').keys(1)).toEqual([':1:k']);
      expect(factory.servers.serverFor('valkey://cache:6379').keys(2)).toEqual([':1:k']);
      expect(factory.servers.serverFor('valkey://elsewhere:6379').keys(0)).toEqual([':1:k']);
      // clear() is FLUSHDB: it empties the shared database, as on a server.
      await cache('neighbour').clear();
      expect(await cache('default').get('k')).toBeNull();
      expect(await cache('otherDb').get('k')).toBe(3);
    });

    it('runs a ValkeyClusterCache in memory with the cluster key rules', async () => {
      const c = cache('cluster');
      expect(c).toBeInstanceOf(ValkeyClusterCache);
      expect(c.client).toBeInstanceOf(InMemoryClusterClient);
      expect(await c.setMany({ a: 1, b: 2, c: 3 })).toEqual([]);
      expect(await c.getMany(['a', 'b', 'c'])).toEqual({ a: 1, b: 2, c: 3 });
      await expect(c.mset({ a: 1, b: 2 })).rejects.toBeInstanceOf(CacheArgumentError);
      expect(await c.mset({ 'a{t}': 1, 'b{t}': 2 })).toBe(true);
      expect((await c.keys('*')).sort()).toEqual(['a', 'a{t}', 'b', 'b{t}', 'c']);
    });

    it('serves a Sentinel cache: primary and replica pools share the service keyspace', async () => {
      const c = cache('sentinel');
      expect(c.client).toBeInstanceOf(SentinelClient);
      expect(moduleRef.get(getSentinelClientToken('sentinel'))).toBe(c.client);
      await c.set('k', 'v'); // primary pool
      expect(await c.get('k')).toBe('v'); // replica pool
      const replica = c.getClient({ write: false });
      expect(replica).not.toBe(c.getClient());
      expect(await replica.get(':1:k')).toBe('"v"');
      await expect(replica.set(':1:k', 'x')).rejects.toThrow(/^READONLY/);
      // The sentinels themselves are not emulated.
      await expect((c.client as SentinelClient).topology()).rejects.toBeInstanceOf(CacheError);
    });

    it('a location list: replicas read the primary data and refuse writes', async () => {
      const c = cache('replicated');
      await c.set('k', 'v');
      expect(await c.get('k')).toBe('v'); // read from the replica
      const replica = c.getClient({ write: false });
      expect(await replica.call('ROLE')).toEqual(['slave', 'primary:6379', 0, 'connected', 0]);
      await expect(replica.set(':1:x', '1')).rejects.toThrow(
        "READONLY You can't write against a read only replica.",
      );
      // The replica's own URL reaches the primary's data too, read-only.
      const viaReplicaUrl = factory.client('valkey://replica:6380/3');
      expect(await viaReplicaUrl.get(':1:k')).toBe('"v"');
      await expect(viaReplicaUrl.del(':1:k')).rejects.toThrow(/^READONLY/);
      expect(await factory.client('valkey://primary:6379/3').del(':1:k')).toBe(1);
    });

    it('a replica-only location gets CacheReadOnlyError on write, as on a server', async () => {
      const servers = new InMemoryServers();
      const ref = await Test.createTestingModule({
        imports: [
          CacheTestingModule.forRoot(
            { ro: { location: 'valkey://db-replica:6379/0?is_master=0' } },
            { servers },
          ),
        ],
      }).compile();
      await expect(ref.get<ValkeyCache>(getCacheToken('ro')).set('k', 1)).rejects.toBeInstanceOf(
        CacheReadOnlyError,
      );
      await ref.close();
    });

    it('ShardClient shards are separate servers; incrVersion moves a key across them', async () => {
      const c = cache('shards');
      const client = c.client as ShardClient;
      const data = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
      await c.setMany(data, 100);
      const perShard = ['shard0', 'shard1', 'shard2'].map(
        (h) => factory.servers.serverFor(`valkey://${h}:6379`).keys(0).length,
      );
      expect(perShard.every((n) => n > 0)).toBe(true);
      expect(perShard.reduce((a, b) => a + b)).toBe(30);
      // Find a key whose next version lives on another shard (DUMP/RESTORE between servers).
      const key = Object.keys(data).find(
        (k) => client.shardIndex(c.makeKey(k)) !== client.shardIndex(c.makeKey(k, 2)),
      )!;
      expect(await c.incrVersion(key)).toBe(2);
      expect(await c.get(key, null, { version: 2 })).toBe(data[key]);
      expect(await c.ttl(key, { version: 2 })).toBe(100);
      expect(await c.hasKey(key)).toBe(false);
    });

    it('HerdClient caches work too', async () => {
      const c = cache('herd');
      expect(await c.getOrSet('h', () => 'fresh', 10)).toBe('fresh');
      expect(await c.get('h')).toBe('fresh');
      await expect(c.incr('h')).rejects.toBeInstanceOf(CacheArgumentError);
    });
  });

  describe('time', () => {
    it('a FakeClock moves expiry by hand: a key lives exactly its timeout', async () => {
      const clock = new FakeClock();
      const moduleRef = await Test.createTestingModule({
        imports: [CacheTestingModule.forRoot({ default: { location: 'valkey://c/0' } }, { clock })],
      }).compile();
      const cache = moduleRef.get<ValkeyCache>(getCacheToken());
      await cache.set('session', { user: 1 }); // default timeout: 300 s
      await cache.set('forever', 1, null);
      expect(await cache.ttl('session')).toBe(300);
      clock.advance(299_500);
      expect(await cache.pttl('session')).toBe(500);
      expect(await cache.ttl('session')).toBe(1); // rounded to the nearest second, as Valkey
      clock.advance(500);
      expect(await cache.get('session')).toEqual({ user: 1 }); // expires once the time has passed
      clock.advance(1);
      expect(await cache.get('session')).toBeNull();
      expect(await cache.ttl('session')).toBe(0);
      expect(await cache.get('forever')).toBe(1);
      // Absolute expiry is on the same clock.
      expect(await cache.pexpireAt('forever', clock.now() + 1_000)).toBe(true);
      clock.advance(1_001);
      expect(await cache.keys('*')).toEqual([]);
      await moduleRef.close();
    });

    it('the default clock follows jest fake timers, and replies need no timer', async () => {
      jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
      try {
        const factory = new InMemoryConnectionFactory();
        const raw = factory.client('valkey://c:6379/0');
        expect(await raw.set('k', 'v', 'PX', 10_000)).toBe('OK');
        expect(await raw.pexpiretime('k')).toBe(Date.parse('2030-01-01T00:00:10Z'));
        jest.advanceTimersByTime(10_001);
        expect(await raw.exists('k')).toBe(0);
        await raw.quit();
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('the in-memory client', () => {
    let factory: InMemoryConnectionFactory;
    let raw: InMemoryValkey;
    beforeEach(() => {
      factory = new InMemoryConnectionFactory();
      raw = factory.client('valkey://host:6379/0', { connectionName: 'probe' });
    });
    afterEach(() => raw.disconnect());

    it('is an iovalkey client: lazy status, events, quit', async () => {
      expect(raw.status).toBe('wait');
      const ready = new Promise((resolve) => raw.once('ready', resolve));
      expect(await raw.ping()).toBe('PONG');
      expect(raw.status).toBe('ready');
      await ready;
      expect(await raw.client('GETNAME')).toBe('probe');
      const ended = new Promise((resolve) => raw.once('end', resolve));
      expect(await raw.quit()).toBe('OK');
      await ended;
      expect(raw.status).toBe('end');
    });

    it('gives the reply shapes iovalkey gives', async () => {
      expect(await raw.set('s', 'v')).toBe('OK');
      expect(await raw.set('s', 'w', 'NX')).toBeNull();
      expect(await raw.set('s', 'w', 'GET')).toBe('v');
      expect(await raw.getBuffer('s')).toEqual(Buffer.from('w'));
      expect(await raw.mget('s', 'missing')).toEqual(['w', null]);
      expect(await raw.incr('n')).toBe(1);
      expect(await raw.incrbyfloat('f', '1.5')).toBe('1.5');
      expect(await raw.hset('h', { a: '1', b: '2' })).toBe(2);
      expect(await raw.hgetall('h')).toEqual({ a: '1', b: '2' });
      expect(await raw.type('h')).toBe('hash');
      expect(await raw.type('none')).toBe('none');
      expect(await raw.ttl('s')).toBe(-1);
      expect(await raw.ttl('missing')).toBe(-2);
      expect(await raw.rpush('l', 'a', 'b', 'c')).toBe(3);
      expect(await raw.lrange('l', 0, -1)).toEqual(['a', 'b', 'c']);
      const [cursor, keys] = await raw.scan('0', 'MATCH', '*', 'COUNT', 100);
      expect(cursor).toBe('0');
      expect(keys.sort()).toEqual(['f', 'h', 'l', 'n', 's']);
      expect(await raw.multi().set('x', '1').incr('x').get('x').exec()).toEqual([
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ]);
      expect(await raw.pipeline().get('x').hget('h', 'a').exec()).toEqual([
        [null, '2'],
        [null, '1'],
      ]);
      // Errors are ReplyErrors with the server's messages.
      await expect(raw.incr('s')).rejects.toMatchObject({
        name: 'ReplyError',
        message: 'ERR value is not an integer or out of range',
      });
      await expect(raw.get('h')).rejects.toThrow(/^WRONGTYPE/);
      await expect(raw.call('NOSUCHCMD')).rejects.toThrow(/unknown command.*in-memory/);
      // A transaction with a queued error is discarded whole.
      await expect(raw.multi().set('y', '1').call('NOSUCHCMD').exec()).rejects.toThrow(/EXECABORT/);
      expect(await raw.exists('y')).toBe(0);
    });

    it('scanStream walks every key, in several SCAN steps', async () => {
      await raw.mset(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`k:${i}`, i])));
      await raw.set('other', 1);
      const seen = new Set<string>();
      let batches = 0;
      for await (const batch of raw.scanStream({ match: 'k:*', count: 20 })) {
        batches++;
        for (const k of batch as string[]) seen.add(k);
      }
      expect(seen.size).toBe(250);
      expect(batches).toBeGreaterThan(5);
    });

    it('is binary safe, in keys and values', async () => {
      const key = Buffer.from([0x6b, 0x00, 0xff, 0xfe]);
      const value = Buffer.from([0x00, 0x01, 0xff, 0x80, 0x0a, 0x0d]);
      expect(await raw.set(key, value)).toBe('OK');
      expect(await raw.getBuffer(key)).toEqual(value);
      expect(await raw.keysBuffer('k*')).toEqual([key]);
      expect(await raw.strlen(key)).toBe(6);
      await raw.sadd('set', value, Buffer.from('x'));
      expect(await raw.sismember('set', value)).toBe(1);
      expect(await raw.smembersBuffer('set')).toContainEqual(value);
    });

    it('is seen in CLIENT LIST and INFO commandstats', async () => {
      await raw.get('a');
      await raw.get('b');
      const list = (await raw.client('LIST')) as string;
      expect(list).toMatch(/name=probe .*cmd=client\|list .*tot-cmds=\d+/);
      expect(await raw.info('commandstats')).toMatch(/^cmdstat_get:calls=2,/m);
    });

    it('fails an unknown Lua script clearly, and runs one taught with registerInMemoryScript', async () => {
      const source = "return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])";
      await expect(raw.eval(source, 1, 'k', 'v', 1000)).rejects.toThrow(
        /not supported by the in-memory store.*registerInMemoryScript/,
      );
      registerInMemoryScript(source, (redis, keys, argv) =>
        redis.call('SET', keys[0]!, argv[0]!, 'PX', argv[1]!),
      );
      expect(await raw.eval(source, 1, 'k', 'v', 1000)).toBe('OK');
      expect(await raw.pttl('k')).toBeGreaterThan(900);
      // Cached by SHA1 like a server: EVALSHA works after EVAL, fails after SCRIPT FLUSH.
      const sha = (await raw.script('LOAD', source)) as string;
      expect(await raw.evalsha(sha, 1, 'k2', 'v', 1000)).toBe('OK');
      await raw.script('FLUSH');
      await expect(raw.evalsha(sha, 1, 'k2', 'v', 1000)).rejects.toThrow(/^NOSCRIPT/);
      // defineCommand (EVALSHA, then EVAL on NOSCRIPT) works the same.
      raw.defineCommand('setpx', { numberOfKeys: 1, lua: source });
      const setpx = (raw as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
        'setpx'
      ]!;
      expect(await setpx.call(raw, 'k3', 'v', 1000)).toBe('OK');
    });

    it('duplicate() is another in-memory connection to the same data', async () => {
      await raw.set('k', 'v');
      const other = raw.duplicate();
      expect(other).toBeInstanceOf(InMemoryValkey);
      expect(await other.get('k')).toBe('v');
      other.disconnect();
    });

    it('two factories can share servers', async () => {
      const servers = new InMemoryServers();
      const a = new InMemoryConnectionFactory({ servers });
      const b = new InMemoryConnectionFactory({ servers });
      await a.client('valkey://shared:6379/0').set('k', 'v');
      expect(await b.client('valkey://shared:6379/0').get('k')).toBe('v');
      expect(await factory.client('valkey://shared:6379/0').get('k')).toBeNull();
    });
  });

  it('emulates every Lua script of the library (a changed or new script fails here)', () => {
    const scripts = libraryScripts();
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    expect(scripts.map((s) => s.file)).toContain(join('lib', 'adapters', 'throttler-script.ts'));
    const missing = scripts.filter((s) => scriptHandler(s.source) === undefined);
    expect(missing).toEqual([]);
    // The scan reads the same text the library runs.
    expect(scripts.map((s) => s.source)).toContain(THROTTLER_INCREMENT.source);
  });

  it('runs without @nestjs/throttler: neither the kit nor the throttler script imports the peer', () => {
    const importsOf = (path: string): string[] =>
      [...readFileSync(path, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    const files = [join('lib', 'adapters', 'throttler-script.ts')];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) files.push(path);
      }
    };
    walk(join('lib', 'testing'));
    expect(files.length).toBeGreaterThan(10);
    const offending = files.filter((f) =>
      importsOf(f).some(
        (m) => m.startsWith('@nestjs/throttler') || m.endsWith('throttler-storage.js'),
      ),
    );
    expect(offending).toEqual([]);
  });

  it("runs the throttler storage's script: a fixed window, then a block", async () => {
    const clock = new FakeClock();
    const raw = new InMemoryConnectionFactory({ clock }).client('valkey://t:6379/0');
    const hit = (block: number): Promise<unknown> =>
      raw.eval(THROTTLER_INCREMENT.source, 2, 'hits', 'block', 1000, 2, block);
    expect(await hit(5000)).toEqual([1, 1000, 0, 0]);
    clock.advance(100);
    expect(await hit(5000)).toEqual([2, 900, 0, 0]);
    expect(await hit(5000)).toEqual([3, 5000, 1, 5000]); // over the limit: blocked 5 s
    clock.advance(1000);
    expect(await hit(5000)).toEqual([3, 4000, 1, 4000]);
    clock.advance(4001);
    expect(await hit(5000)).toEqual([1, 1000, 0, 0]); // the block is over: a new window
    // Without a block: refused, not counted, until the window ends.
    expect(await hit(0)).toEqual([2, 1000, 0, 0]);
    expect(await hit(0)).toEqual([3, 1000, 1, 1000]);
    expect(await raw.get('hits')).toBe('2');
    raw.disconnect();
  });

  it("matches globs as Valkey's stringmatchlen does", () => {
    const cases: Array<[string, string, boolean]> = [
      ['*', '', true],
      ['*', 'anything', true],
      ['h?llo', 'hello', true],
      ['h?llo', 'hllo', false],
      ['h*llo', 'heeeello', true],
      ['h[ae]llo', 'hallo', true],
      ['h[ae]llo', 'hillo', false],
      ['h[^e]llo', 'hallo', true],
      ['h[^e]llo', 'hello', false],
      ['h[a-b]llo', 'hbllo', true],
      ['h[b-a]llo', 'hallo', true], // reversed ranges work
      ['h\\*llo', 'h*llo', true],
      ['h\\*llo', 'hello', false],
      ['a[\\]]b', 'a]b', true],
      ['a*b?[x]\\\\:1:*', 'aZZbQx\\:1:k', true],
      ['a\\*b\\?\\[x\\]\\\\:1:*', 'a*b?[x]\\:1:k', true],
      ['a\\*b\\?\\[x\\]\\\\:1:*', 'aZZbQx\\:1:k', false],
      ['foo*bar', 'foobar', true],
      ['foo**', 'foo', true],
      ['[abc', 'c', true], // an unterminated class ends at the pattern's end
    ];
    for (const [pattern, subject, expected] of cases) {
      expect([pattern, subject, globMatch(pattern, subject)]).toEqual([pattern, subject, expected]);
    }
  });
});

describe('RefCountedPools (the pool bookkeeping of ConnectionFactory and InMemoryConnectionFactory)', () => {
  /** A pool that records its close and can be told to fail it. */
  const pool = (closeFails = false): ValkeyPool & { closes: number } => {
    const p = {
      role: 'primary' as const,
      closes: 0,
      acquire: (): never => {
        throw new Error('not used');
      },
      clients: () => [],
      describe: () => 'test pool',
      close: async (): Promise<void> => {
        p.closes++;
        if (closeFails) throw new Error('close failed');
      },
    };
    return p;
  };

  it('shares one pool per key and closes it after its last user only', async () => {
    const pools = new RefCountedPools<ReturnType<typeof pool>>();
    const made: Array<ReturnType<typeof pool>> = [];
    const create = (): ReturnType<typeof pool> => {
      const p = pool();
      made.push(p);
      return p;
    };
    const a = pools.acquire('k', create);
    expect(pools.acquire('k', create)).toBe(a);
    const b = pools.acquire('other', create);
    expect(b).not.toBe(a);
    expect(made).toHaveLength(2);
    await pools.release(a);
    expect(a.closes).toBe(0); // one user left
    await pools.release(a);
    expect(a.closes).toBe(1);
    await pools.release(a); // no longer held: ignored
    expect(a.closes).toBe(1);
    // The key was forgotten: the next acquire makes a fresh pool.
    const c = pools.acquire('k', create);
    expect(c).not.toBe(a);
    expect(made).toHaveLength(3);
  });

  it('close() closes every pool even when one fails to close, and forgets them all', async () => {
    const pools = new RefCountedPools<ReturnType<typeof pool>>();
    const failing = pools.acquire('a', () => pool(true));
    const others = [pools.acquire('b', () => pool()), pools.acquire('c', () => pool())];
    await expect(pools.close()).resolves.toBeUndefined();
    expect([failing.closes, ...others.map((p) => p.closes)]).toEqual([1, 1, 1]);
    await pools.release(others[0]!); // forgotten: not closed twice
    expect(others[0]!.closes).toBe(1);
    expect(pools.acquire('b', () => pool())).not.toBe(others[0]);
  });
});
