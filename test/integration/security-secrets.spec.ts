/**
 * No secret in any output: runs the module with credentials everywhere (data-node ACL user and
 * default-user passwords in URLs and options, a sentinel password, a passphrase-protected TLS
 * client key) through boot, successful calls, failures (wrong data-node password, wrong sentinel
 * password, a server that is down, an invalid config) and shutdown, while capturing every Nest
 * log line (all levels, through `Logger.overrideLogger`), every console call and every write to
 * stdout/stderr, every thrown error (message, stack, `util.inspect` with its cause chain), the
 * health indicator's output and the Prometheus metrics text. Fails on any occurrence of a secret
 * (plain or percent-encoded) or of the private key.
 */
import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { Logger, type LoggerService } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  CacheHandler,
  CacheModule,
  getCacheToken,
  type CacheConfig,
  type CachesConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { ValkeyHealthIndicator } from '../../lib/health/index.js';
import { registerCacheMetrics } from '../../lib/prometheus/index.js';
import { allocatePort } from '../harness/ports.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import type { TlsMaterial } from '../harness/tls.js';
import { sentinelPairs } from './sentinel-support.js';

/** Server starts (a Sentinel group) and the failure cases need more than Jest's default 5 s. */
jest.setTimeout(30_000);

const APP_PW = 'Secret-app-pw-7d1f';
const DEFAULT_PW = 'Secret-default-pw-91c2';
const WRONG_PW = 'Secret-wrong-pw-3e8a';
const OPTIONS_PW = 'Secret-options-pw-55b0';
const SENTINEL_PW = 'Secret-sentinel-pw-c4d7';
const WRONG_SENTINEL_PW = 'Secret-wrong-sentinel-pw-0f6e';
const DATA_PW = 'Secret-data-pw-8a3b';
const PROVIDED_WRONG_PW = 'Secret-provided-wrong-pw-6c2d';

describe('no secret in logs, errors, health output or metrics', () => {
  let server: StandaloneServer;
  let topology: SentinelTopology;
  let tls: TlsMaterial;
  const captured: string[] = [];
  const restore: Array<() => void> = [];
  let logger: LoggerService;

  /** Every secret of this run, with its percent-encoded form and the private key's body. */
  function secrets(): string[] {
    const keyBody = tls.encryptedClient.key
      .split('\n')
      .filter((l) => l.length > 0 && !l.startsWith('-----'))
      .join('');
    const plain = [
      APP_PW,
      DEFAULT_PW,
      WRONG_PW,
      OPTIONS_PW,
      SENTINEL_PW,
      WRONG_SENTINEL_PW,
      DATA_PW,
      PROVIDED_WRONG_PW,
      tls.clientKeyPassphrase,
    ];
    return [...plain, ...plain.map(encodeURIComponent), keyBody.slice(0, 40), keyBody.slice(-40)];
  }

  function capture(what: string, value: unknown): void {
    captured.push(`${what}: ${typeof value === 'string' ? value : inspect(value, { depth: 10 })}`);
  }

  function captureError(what: string, error: unknown): void {
    capture(`${what} (inspect)`, error);
    if (error instanceof Error) {
      capture(`${what} (message)`, error.message);
      capture(`${what} (stack)`, error.stack ?? '');
      if (error.cause !== undefined) captureError(`${what} cause`, error.cause);
    }
  }

  async function expectFailure(what: string, fn: () => Promise<unknown>): Promise<Error> {
    try {
      await fn();
    } catch (error) {
      captureError(what, error);
      return error as Error;
    }
    throw new Error(`${what}: expected a failure`);
  }

  beforeAll(async () => {
    // everything the process prints from here on is captured (and still silenced)
    logger = {
      log: (...args: unknown[]) => capture('log', args),
      error: (...args: unknown[]) => capture('error', args),
      warn: (...args: unknown[]) => capture('warn', args),
      debug: (...args: unknown[]) => capture('debug', args),
      verbose: (...args: unknown[]) => capture('verbose', args),
      fatal: (...args: unknown[]) => capture('fatal', args),
    };
    Logger.overrideLogger(logger);
    restore.push(() => Logger.overrideLogger(true));
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        capture(`console.${method}`, args);
      });
      restore.push(() => spy.mockRestore());
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        capture(stream === process.stdout ? 'stdout' : 'stderr', String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => {
        stream.write = original as typeof stream.write;
      });
    }

    server = await startStandalone({
      requirepass: DEFAULT_PW,
      aclUsers: [`app on >${APP_PW} ~* +@all`, `opt on >${OPTIONS_PW} ~* +@all`],
      tls: { authClients: 'yes' },
    });
    tls = server.tls!;
    topology = await startSentinelTopology({
      replicas: 0,
      sentinels: 1,
      requirepass: DATA_PW,
      sentinelRequirepass: SENTINEL_PW,
    });
  });

  afterAll(async () => {
    for (const undo of restore.reverse()) undo();
    await Promise.all([server?.stop(), topology?.stop()]);
  });

  it('holds for a whole run: boot, calls, failures, health, metrics, shutdown', async () => {
    const tlsOptions = {
      ca: tls.ca.cert,
      cert: tls.encryptedClient.cert,
      key: tls.encryptedClient.key,
      passphrase: tls.clientKeyPassphrase,
    };
    const at = (auth: string): string => `valkeys://${auth}127.0.0.1:${server.port}/0`;
    const base = (location: string, options: CacheConfig['options'] = {}): CacheConfig => ({
      location,
      keyPrefix: 'secrets',
      options: {
        socketTimeout: 0.5,
        socketConnectTimeout: 0.5,
        logIgnoredExceptions: true,
        ...options,
        connectionPoolKwargs: { tls: tlsOptions, disconnectTimeout: 50 },
      },
    });
    const deadPort = await allocatePort();
    const caches: CachesConfig = {
      default: base(at(`app:${APP_PW}@`)),
      options: base(at(''), { username: 'opt', password: OPTIONS_PW }),
      query: base(`${at('')}?password=${encodeURIComponent(DEFAULT_PW)}`),
      wrong: base(at(`app:${WRONG_PW}@`)),
      wrongLenient: base(at(`app:${WRONG_PW}@`), { ignoreExceptions: true }),
      provided: base(at(''), {
        credentialProvider: { getCredentials: async () => ({ username: 'app', password: APP_PW }) },
      }),
      providedWrong: base(at(''), {
        credentialProvider: {
          getCredentials: async () => ({ username: 'app', password: PROVIDED_WRONG_PW }),
        },
      }),
      down: {
        location: `valkey://app:${APP_PW}@127.0.0.1:${deadPort}/0`,
        options: {
          ignoreExceptions: true,
          logIgnoredExceptions: true,
          socketTimeout: 0.3,
          socketConnectTimeout: 0.3,
          connectionPoolKwargs: { disconnectTimeout: 50 },
        },
      },
      sentinel: {
        location: `valkey://:${DATA_PW}@${topology.serviceName}/0`,
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          sentinelKwargs: {
            credentialProvider: { getCredentials: () => ({ password: SENTINEL_PW }) },
          },
          connectionPoolKwargs: { disconnectTimeout: 50 },
        },
      },
      sentinelWrong: {
        location: `valkey://:${DATA_PW}@${topology.serviceName}/0`,
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          sentinelKwargs: { password: WRONG_SENTINEL_PW, socketTimeout: 0.5 },
          connectionPoolKwargs: { disconnectTimeout: 50 },
        },
      },
    };

    // an invalid config that holds passwords is refused at boot without printing them
    const invalid = await expectFailure('invalid config', async () => {
      const bad = await Test.createTestingModule({
        imports: [
          CacheModule.forRoot({
            bad: { location: `valkey://app:${APP_PW}@127.0.0.1:99999/0?password=${WRONG_PW}` },
            worse: { location: `valkey://app:${APP_PW}@127.0.0.1/0?bogus=1&password=${WRONG_PW}` },
          }),
        ],
      })
        .setLogger(logger)
        .compile();
      await bad.init();
    });
    expect(invalid.message).toMatch(/caches\.bad\.location/);

    // Test.createTestingModule installs its own logger (which drops log and warn lines) unless
    // told otherwise: keep ours
    const app = await Test.createTestingModule({ imports: [CacheModule.forRoot(caches)] })
      .setLogger(logger)
      .compile();
    await app.init();
    const cache = (alias: string): ValkeyCache => app.get<ValkeyCache>(getCacheToken(alias));

    await cache('default').set('k', { n: 1 });
    expect(await cache('default').get('k')).toEqual({ n: 1 });
    expect(await cache('options').get('k')).toEqual({ n: 1 });
    expect(await cache('query').get('k')).toEqual({ n: 1 });
    expect(await cache('provided').get('k')).toEqual({ n: 1 });
    await expectFailure('wrong provided password', () => cache('providedWrong').get('k'));
    await cache('sentinel').set('k', 'via sentinel');
    expect(await cache('sentinel').get('k')).toBe('via sentinel');

    const wrong = await expectFailure('wrong password', () => cache('wrong').get('k'));
    expect(wrong.message).toMatch(/WRONGPASS/);
    await expectFailure('wrong password, again', () => cache('wrong').set('k', 1));
    // a refused password is a connection error: ignoreExceptions falls back (and logs it)
    expect(await cache('wrongLenient').get('k', 'fallback')).toBe('fallback');
    expect(await cache('down').get('k', 'fallback')).toBe('fallback');
    await expectFailure('server down, not covered by ignoreExceptions', () =>
      cache('down').ttl('k'),
    );
    const sentinelWrong = await expectFailure('wrong sentinel password', () =>
      cache('sentinelWrong').get('k'),
    );
    expect(sentinelWrong.message).toMatch(/WRONGPASS/);

    // health output and metrics (built by the health/observability parts)
    const handler = app.get(CacheHandler);
    const health = new ValkeyHealthIndicator(new HealthIndicatorService(), handler);
    for (const alias of handler.aliases()) {
      capture(`health ${alias}`, await health.isHealthy(alias, { timeoutMs: 500 }));
    }
    const registry = new Registry();
    registerCacheMetrics(handler, { registry });
    capture('metrics', await registry.metrics());

    await app.close();

    // the capture works: it saw the failures it must report
    const all = captured.join('\n');
    expect(all).toContain('WRONGPASS');
    expect(all).toMatch(/ignored: /);
    expect(all).toMatch(/connection error on/);
    expect(all).toMatch(/valkey_cache_errors_total\{alias="wrong"\} [1-9]/);
    expect(all).toMatch(/health wrong: .*down/s);

    const leaks = secrets().flatMap((secret) =>
      captured.filter((line) => line.includes(secret)).map((line) => `${secret} in ${line}`),
    );
    expect(leaks).toEqual([]);
  });
});
