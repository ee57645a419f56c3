/**
 * The Terminus health indicator against real servers: the shared standalone and Sentinel group
 * for read-only checks, private servers for the destructive ones (a standalone killed, a replica
 * killed, every sentinel paused or killed), and a real Nest HTTP app with `GET /health`.
 */
import { jest } from '@jest/globals';
import { Controller, Get, Logger, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { CacheModule, type CachesConfig } from '../../lib/index.js';
import { ValkeyHealthIndicator, type SentinelHealth } from '../../lib/health/index.js';
import { allocatePort } from '../harness/ports.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { waitFor } from '../harness/wait.js';
import { sentinelPairs } from './sentinel-support.js';

const TIMEOUT_MS = 500;
/** Slack over the timeout for a check's end-to-end time (event loop, test overhead). */
const SLACK_MS = 400;

/** A module with TerminusModule, the caches and the indicator, as a user would write it. */
async function boot(caches: CachesConfig): Promise<{
  module: TestingModule;
  indicator: ValkeyHealthIndicator;
}> {
  const module = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false }), CacheModule.forRoot(caches)],
    providers: [ValkeyHealthIndicator],
  }).compile();
  await module.init();
  return { module, indicator: module.get(ValkeyHealthIndicator) };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - start };
}

let quiet: Array<ReturnType<typeof jest.spyOn>> = [];
beforeEach(() => {
  quiet = (['warn', 'error', 'log'] as const).map((level) =>
    jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined),
  );
});
afterEach(() => quiet.forEach((spy) => spy.mockRestore()));

describe('ValkeyHealthIndicator on a standalone server', () => {
  it('is up on the shared standalone, with the PING round trip', async () => {
    const shared = sharedTopology();
    const dead = `valkey://127.0.0.1:${await allocatePort()}/0`;
    const { module, indicator } = await boot({
      default: { location: shared.valkeyUrl(11) },
      shards: {
        location: [shared.valkeyUrl(11), shared.valkeyUrl(12)],
        options: { clientClass: 'ShardClient' },
      },
      halfDead: {
        location: [shared.valkeyUrl(11), dead],
        options: {
          clientClass: 'ShardClient',
          socketConnectTimeout: 0.2,
          connectionPoolKwargs: { disconnectTimeout: 50 },
        },
      },
    });
    try {
      const result = await indicator.isHealthy('default', { timeoutMs: TIMEOUT_MS });
      expect(result).toEqual({
        default: { status: 'up', alias: 'default', pingMs: expect.any(Number) },
      });
      const keyed = await indicator.isHealthy('default', { key: 'valkey' });
      expect(keyed.valkey?.status).toBe('up');
      // a ShardClient is pinged on every shard: one dead shard makes it down
      const shards = await indicator.isHealthy('shards', { timeoutMs: TIMEOUT_MS });
      expect(shards.shards?.status).toBe('up');
      const { value: halfDead, ms } = await timed(() =>
        indicator.isHealthy('halfDead', { timeoutMs: TIMEOUT_MS }),
      );
      expect(halfDead.halfDead).toMatchObject({
        status: 'down',
        message: expect.stringMatching(/PING to the primary/),
      });
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      const unknown = await indicator.isHealthy('nope');
      expect(unknown.nope).toMatchObject({
        status: 'down',
        message: expect.stringMatching(/nope/),
      });
    } finally {
      await module.close();
    }
  });

  describe('a private standalone with a password, killed', () => {
    const PASSWORD = 'health-s3cret-pw';
    let server: StandaloneServer;
    let module: TestingModule;
    let indicator: ValkeyHealthIndicator;
    beforeAll(async () => {
      server = await startStandalone({ requirepass: PASSWORD });
      ({ module, indicator } = await boot({
        default: {
          location: `valkey://:${PASSWORD}@${server.host}:${server.port}/0`,
          options: { socketConnectTimeout: 0.3, connectionPoolKwargs: { disconnectTimeout: 50 } },
        },
      }));
    });
    afterAll(async () => {
      await module?.close();
      await server?.stop();
    });

    it('is up, then down within the timeout once the server is killed; never shows the password', async () => {
      const up = await indicator.isHealthy('default', { timeoutMs: TIMEOUT_MS });
      expect(up.default?.status).toBe('up');
      await server.node.kill();
      const { value: down, ms } = await timed(() =>
        indicator.isHealthy('default', { timeoutMs: TIMEOUT_MS }),
      );
      expect(down.default).toMatchObject({
        status: 'down',
        alias: 'default',
        message: expect.stringMatching(/PING to the primary/),
      });
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(JSON.stringify([up, down])).not.toContain(PASSWORD);
    });
  });
});

describe('ValkeyHealthIndicator on a private Sentinel topology', () => {
  const PASSWORD = 'sentinel-s3cret-pw';
  let topology: SentinelTopology;
  let module: TestingModule;
  let indicator: ValkeyHealthIndicator;
  const check = async (): Promise<{ status: string; sentinel: SentinelHealth; message?: string }> =>
    (await indicator.isHealthy('s', { timeoutMs: TIMEOUT_MS })).s as unknown as {
      status: string;
      sentinel: SentinelHealth;
      message?: string;
    };

  beforeAll(async () => {
    topology = await startSentinelTopology({ replicas: 2, requirepass: PASSWORD });
    ({ module, indicator } = await boot({
      s: {
        location: `valkey://${topology.serviceName}/0`,
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          password: PASSWORD,
          socketTimeout: 1,
        },
      },
    }));
  });
  afterAll(async () => {
    for (const s of topology?.sentinelNodes ?? []) if (s.running) topology.resume(s);
    await module?.close();
    await topology?.stop();
  });

  it('reports the primary, the replicas up and their lag, then fewer replicas, then down without sentinels', async () => {
    const primary = await topology.primary();
    const replicas = await topology.replicas();
    expect(replicas).toHaveLength(2);
    const healthy = await check();
    expect(healthy.status).toBe('up');
    expect(healthy.sentinel.primary).toBe(`${primary.host}:${primary.port}`);
    expect(healthy.sentinel.service).toBe(topology.serviceName);
    expect(healthy.sentinel.sentinels).toEqual({ answered: 3, total: 3 });
    expect(healthy.sentinel.replicas.up).toBe(2);
    expect(healthy.sentinel.replicas.total).toBe(2);
    expect(healthy.sentinel.replicas.nodes.map((n) => n.address).sort()).toEqual(
      replicas.map((r) => `${r.host}:${r.port}`).sort(),
    );
    for (const node of healthy.sentinel.replicas.nodes) {
      expect(node.up).toBe(true);
      expect(node.lagSeconds).toEqual(expect.any(Number));
      expect(node.lagSeconds).toBeLessThanOrEqual(2);
      expect(node.behindBytes).toEqual(expect.any(Number));
    }

    // a replica dies: one fewer up, the cache stays up
    const victim = replicas[0]!;
    await topology.kill(victim);
    const degraded = await waitFor(
      async () => {
        const h = await check();
        return h.sentinel.replicas.up === 1 ? h : undefined;
      },
      { timeoutMs: 5000, what: 'one replica up' },
    );
    expect(degraded.status).toBe('up');
    expect(degraded.sentinel.replicas.nodes.find((n) => !n.up)?.address).toBe(
      `${victim.host}:${victim.port}`,
    );

    // no sentinel answers (one hung, two gone): down within the timeout, although PING works
    const [paused, ...killed] = topology.sentinelNodes;
    topology.pause(paused!);
    for (const s of killed) await topology.kill(s);
    const { value: down, ms } = await timed(check);
    expect(down.status).toBe('down');
    expect(down.message).toMatch(/no sentinel .* answered within 500 ms/);
    expect(down.sentinel.sentinels).toEqual({ answered: 0, total: 3 });
    expect(down.sentinel.primary).toBeNull();
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(JSON.stringify([healthy, degraded, down])).not.toContain(PASSWORD);
    topology.resume(paused!);
  });
});

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly valkey: ValkeyHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.valkey.isHealthy('default', { timeoutMs: 1000 }),
      () => this.valkey.isHealthy('sentinel', { timeoutMs: 1000 }),
    ]);
  }

  @Get('dead')
  @HealthCheck()
  dead() {
    return this.health.check([() => this.valkey.isHealthy('dead', { timeoutMs: 300 })]);
  }
}

describe('GET /health through a real Nest HTTP app', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const shared = sharedTopology();
    const deadPort = await allocatePort();
    const module = await Test.createTestingModule({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        CacheModule.forRoot({
          default: { location: shared.valkeyUrl(11) },
          sentinel: {
            location: shared.sentinelUrl(11),
            options: { clientClass: 'SentinelClient', sentinels: [...shared.sentinelPairs] },
          },
          dead: {
            location: `valkey://:http-s3cret@127.0.0.1:${deadPort}/0`,
            options: { socketConnectTimeout: 0.2, connectionPoolKwargs: { disconnectTimeout: 50 } },
          },
        }),
      ],
      controllers: [HealthController],
      providers: [ValkeyHealthIndicator],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app?.close());

  it('answers 200 with both caches up and the Sentinel topology', async () => {
    const shared = sharedTopology();
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    const body = res.body as {
      status: string;
      info: Record<string, { status: string; sentinel?: SentinelHealth }>;
    };
    expect(body.status).toBe('ok');
    expect(body.info['default']?.status).toBe('up');
    expect(body.info['sentinel']?.status).toBe('up');
    expect(body.info['sentinel']?.sentinel?.primary).toBe(
      `${shared.primary.host}:${shared.primary.port}`,
    );
    expect(body.info['sentinel']?.sentinel?.replicas.total).toBe(shared.replicas.length);
  });

  it('answers 503 when a cache is down, without its password', async () => {
    const res = await request(app.getHttpServer()).get('/health/dead').expect(503);
    const body = res.body as { status: string; error: Record<string, { status: string }> };
    expect(body.status).toBe('error');
    expect(body.error['dead']?.status).toBe('down');
    expect(res.text).not.toContain('http-s3cret');
  });
});
