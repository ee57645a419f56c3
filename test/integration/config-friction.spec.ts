/**
 * The boot-time hints for common config slips, on an app that talks to the real servers: a
 * timeout over 30 days warns once and is still taken as seconds by the server; `ttl:` and a
 * Sentinel location with a port fail boot before any socket is opened.
 */
import 'reflect-metadata';
import net from 'node:net';
import { jest } from '@jest/globals';
import { Injectable, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Valkey } from 'iovalkey';
import { CacheConfigError, CacheModule, InjectCache, ValkeyCache } from '../../lib/index.js';
import type { CachesConfig } from '../../lib/index.js';
import { sharedTopology } from '../harness/shared-topology.js';

// Keys carry a prefix of their own; database 12 is only pinged by another file.
const DB = 12;
const PREFIX = `friction-${process.pid}`;
const TIMEOUT_S = 3_600_000; // 41.7 days: over the 30-day hint, a plausible millisecond slip

@Injectable()
class UsesCache {
  constructor(@InjectCache('api') readonly cache: ValkeyCache) {}
}

async function boot(caches: CachesConfig, providers: Array<typeof UsesCache> = []) {
  return Test.createTestingModule({ imports: [CacheModule.forRoot(caches)], providers })
    .compile()
    .then((m) => m.init());
}

let warn: jest.SpiedFunction<Logger['warn']>;
beforeEach(() => {
  warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

it('a timeout over 30 days warns once naming the alias, and the server keeps it as seconds', async () => {
  const topo = sharedTopology();
  const app = await boot(
    {
      api: { location: topo.valkeyUrl(DB), keyPrefix: PREFIX, timeout: TIMEOUT_S },
    },
    [UsesCache],
  );
  const raw = new Valkey({ host: topo.standalone.host, port: topo.standalone.port, db: DB });
  try {
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      `caches.api.timeout is ${TIMEOUT_S} seconds (over 30 days): timeouts are in seconds, not milliseconds`,
    ]);
    const { cache } = app.get(UsesCache);
    await cache.set('k', 'v');
    const pttl = await raw.pttl(cache.makeKey('k'));
    // Stored with PX = timeout * 1000: within the few ms since the write.
    expect(pttl).toBeLessThanOrEqual(TIMEOUT_S * 1000);
    expect(pttl).toBeGreaterThan(TIMEOUT_S * 1000 - 10_000);
    await cache.delete('k');
  } finally {
    raw.disconnect();
    await app.close();
  }
});

async function bootError(caches: CachesConfig): Promise<CacheConfigError> {
  const error = await boot(caches).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CacheConfigError);
  return error as CacheConfigError;
}

describe('boot errors open no socket', () => {
  let connect: jest.SpiedFunction<net.Socket['connect']>;
  beforeEach(() => {
    connect = jest.spyOn(net.Socket.prototype, 'connect');
  });
  afterEach(() => {
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });

  it("ttl: did you mean 'timeout' (seconds)", async () => {
    const error = await bootError({
      api: { location: sharedTopology().valkeyUrl(DB), ttl: 60 } as unknown as CachesConfig[string],
    });
    expect(error.problems.map((p) => `${p.alias}.${p.path}`)).toEqual(['api.ttl']);
    expect(error.message).toContain("did you mean 'timeout' (seconds)?");
  });

  it("a Sentinel location with a real sentinel's address: the host part is the service name", async () => {
    const topo = sharedTopology();
    const sentinel = topo.sentinels[0]!;
    const error = await bootError({
      sentinel: {
        location: `valkey://${sentinel.host}:${sentinel.port}/0`,
        options: { connectionFactory: 'SentinelConnectionFactory', sentinels: topo.sentinelPairs },
      },
    });
    expect(error.problems.map((p) => p.alias)).toEqual(['sentinel']);
    expect(error.message).toContain(
      `has a port (${sentinel.port}), but the host part of a Sentinel location is the service name`,
    );
  });
});
