/**
 * Sentinel configurations that only fail at run time (no sentinel reachable, a service name no
 * sentinel knows, a sentinel that accepts connections but never answers): the first call fails
 * with an error naming the alias and saying what is wrong, within a bound, and never hangs.
 */
import { CacheConnectionError, type CacheConfig } from '../../lib/index.js';
import { allocatePorts } from '../harness/ports.js';
import { sharedTopology } from '../harness/shared-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { bootApp, sentinelPairs, within } from './sentinel-support.js';

const shared = sharedTopology();

/** Runs `call` and returns its error, failing the test when it takes longer than `ms`. */
async function failure(
  ms: number,
  call: () => Promise<unknown>,
): Promise<{ error: Error; ms: number }> {
  const start = Date.now();
  const error = await within(
    ms,
    'the failing call',
    call().then(
      () => {
        throw new Error('the call succeeded but should have failed');
      },
      (err: unknown) => err as Error,
    ),
  );
  return { error, ms: Date.now() - start };
}

function sentinelCache(
  sentinels: Array<[string, number]>,
  service: string,
  extra: CacheConfig['options'] = {},
): CacheConfig {
  return {
    location: `valkey://${service}/0`,
    options: {
      clientClass: 'SentinelClient',
      sentinels,
      socketTimeout: 1,
      socketConnectTimeout: 1,
      ...extra,
    },
  };
}

describe('unreachable sentinels', () => {
  let closedPorts: number[];
  beforeAll(async () => {
    // free ports nobody listens on
    closedPorts = await allocatePorts(3);
  });

  it('fail the first read and the first write at once, naming the alias and the sentinels', async () => {
    const app = await bootApp({
      broken: sentinelCache(
        closedPorts.map((p) => ['127.0.0.1', p]),
        'svc',
      ),
    });
    try {
      const cache = app.cache('broken');
      for (const call of [() => cache.get('k'), () => cache.set('k', 1), () => cache.get('k')]) {
        const { error, ms } = await failure(3000, call);
        expect(error).toBeInstanceOf(CacheConnectionError);
        expect(error.message).toMatch(
          /^cache 'broken': Sentinel: cannot find the servers of service 'svc': no sentinel is reachable/,
        );
        for (const port of closedPorts) expect(error.message).toContain(`127.0.0.1:${port}`);
        expect(error.message).toMatch(/ECONNREFUSED/);
        expect(ms).toBeLessThan(1000);
      }
      await expect(app.sentinelClient('broken')!.topology()).rejects.toThrow(
        /^cache 'broken': Sentinel: .*no sentinel is reachable/,
      );
    } finally {
      await app.close();
    }
  });

  it('with ignoreExceptions, reads return the default', async () => {
    const app = await bootApp({
      broken: sentinelCache(
        closedPorts.map((p) => ['127.0.0.1', p]),
        'svc',
        { ignoreExceptions: true },
      ),
    });
    try {
      expect(await within(3000, 'get', app.cache('broken').get('k', 'fallback'))).toBe('fallback');
      expect(await within(3000, 'set', app.cache('broken').set('k', 1))).toBe(false);
    } finally {
      await app.close();
    }
  });
});

describe('a service name no sentinel knows', () => {
  it.each([
    ['SentinelClient', sentinelCache(sentinelPairs(shared.sentinels), 'no_such_service')],
    [
      'DefaultClient with is_master=1/0 (the seed "other" cache)',
      {
        location: [
          'valkey://no_such_service/0?is_master=1',
          'valkey://no_such_service/0?is_master=0',
        ],
        options: {
          connectionFactory: 'SentinelConnectionFactory',
          sentinels: sentinelPairs(shared.sentinels),
          socketTimeout: 1,
        },
      } satisfies CacheConfig,
    ],
    [
      'replicas only (the seed "readonly" cache)',
      {
        location: 'valkey://no_such_service/0?is_master=0',
        options: {
          connectionFactory: 'SentinelConnectionFactory',
          sentinels: sentinelPairs(shared.sentinels),
          socketTimeout: 1,
        },
      } satisfies CacheConfig,
    ],
  ])('%s: the first call says so', async (_name, config) => {
    const app = await bootApp({ wrongname: config });
    try {
      const cache = app.cache('wrongname');
      for (const call of [() => cache.get('k'), () => cache.set('k', 1)]) {
        const { error, ms } = await failure(3000, call);
        expect(error).toBeInstanceOf(CacheConnectionError);
        expect(error.message).toMatch(
          /^cache 'wrongname': Sentinel: cannot find the servers of service 'no_such_service': no sentinel knows a primary named 'no_such_service'/,
        );
        expect(error.message).toMatch(/check the service name in the location/);
        expect(ms).toBeLessThan(1000);
      }
    } finally {
      await app.close();
    }
  });
});

describe('a sentinel that accepts connections but never answers', () => {
  let hung: StandaloneServer;
  beforeAll(async () => {
    hung = await startStandalone();
    hung.node.pause(); // SIGSTOP: the kernel still accepts TCP connections
  });
  afterAll(async () => {
    hung?.node.resume();
    await hung?.stop();
  });

  it('is skipped after the sentinel timeout: calls still work through the other sentinels', async () => {
    const sentinels: Array<[string, number]> = [
      [hung.host, hung.port],
      ...sentinelPairs(shared.sentinels),
    ];
    const app = await bootApp({
      s: sentinelCache(sentinels, shared.serviceName, { sentinelKwargs: { socketTimeout: 0.3 } }),
    });
    try {
      const cache = app.cache('s');
      const start = Date.now();
      await within(5000, 'set', cache.set('through-hung-sentinel', 'ok', 30));
      await within(5000, 'get', cache.get('through-hung-sentinel'));
      console.log(`first set+get with a hung first sentinel: ${Date.now() - start} ms`);
    } finally {
      await app.close();
    }
  });

  it('as the only sentinel: the first call fails within the sentinel timeout', async () => {
    const app = await bootApp({
      s: sentinelCache([[hung.host, hung.port]], 'svc', { sentinelKwargs: { socketTimeout: 0.3 } }),
    });
    try {
      const { error, ms } = await failure(3000, () => app.cache('s').get('k'));
      expect(error.message).toMatch(
        /^cache 's': Sentinel: cannot find the servers of service 'svc': no sentinel is reachable/,
      );
      expect(error.message).toContain(`${hung.host}:${hung.port}`);
      console.log(`hung only sentinel: failed in ${ms} ms with: ${error.message}`);
    } finally {
      await app.close();
    }
  });
});
