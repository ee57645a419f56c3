/**
 * Credential providers against real servers: a data-node ACL user whose password rotates while
 * writers run (every new connection authenticates with the provider's current secret, no call
 * fails and no acknowledged write is lost); a provider that throws fails the calls at once with a
 * CacheConnectionError naming the alias and the option, and the cache recovers when the provider
 * does; no secret in any error. Behind Sentinel: the sentinels' credentials and the data nodes'
 * from providers.
 */
import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CacheConnectionError, type CacheConfig } from '../../lib/index.js';
import type { Credentials } from '../../lib/extend/index.js';
import { ElastiCacheIamCredentialProvider } from '../../lib/credentials/elasticache.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { waitFor } from '../harness/wait.js';
import { appPerTest, failure } from './security-support.js';
import { bootApp, sentinelPairs, uniquePrefix, type SentinelApp } from './sentinel-support.js';

jest.setTimeout(30_000);

const PW1 = 'rotating-pw-one-Xa31';
const PW2 = 'rotating-pw-two-Lk88';
/** Bound for a call failed by the provider, in ms (far below socketTimeout, 5 s). */
const FAIL_FAST_MS = 1000;

/** A provider whose answer the test changes, counting the calls. */
function rotatingProvider(username: string, initial: string) {
  const state = { password: initial, calls: 0, fail: undefined as string | undefined };
  return {
    state,
    provider: {
      getCredentials: async (): Promise<Credentials> => {
        state.calls++;
        if (state.fail !== undefined) throw new Error(state.fail);
        return { username, password: state.password };
      },
    },
  };
}

describe('credentialProvider on a standalone server', () => {
  let server: StandaloneServer;
  const { boot } = appPerTest();
  const admin = (args: string[]) => server.node.command(args);

  beforeAll(async () => {
    server = await startStandalone({ aclUsers: [`rot on >${PW1} ~* +@all`] });
  });
  afterAll(() => server?.stop());

  it('rotates the password under load: no failed call, no lost write', async () => {
    await admin(['ACL', 'SETUSER', 'rot', 'on', 'resetpass', `>${PW1}`, '~*', '+@all']);
    const { state, provider } = rotatingProvider('rot', PW1);
    const { cache } = await boot({
      rot: { location: server.url(0), options: { credentialProvider: provider } },
    });
    const c = cache('rot');
    const prefix = uniquePrefix('rot');
    const acked: string[] = [];
    const failures: unknown[] = [];
    let running = true;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const key = `${prefix}:${w}:${i}`;
        try {
          await c.set(key, i, 60);
          acked.push(key);
          expect(await c.get(key)).toBe(i);
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const workers = [0, 1, 2, 3].map((w) => worker(w));
    await waitFor(async () => (acked.length > 200 ? true : undefined), {
      timeoutMs: 5000,
      what: '200 writes before the rotation',
    });
    // the new secret is valid, the provider hands it out, the old one is revoked, and every
    // connection of the user is killed: the reconnects must authenticate with the new one
    await admin(['ACL', 'SETUSER', 'rot', `>${PW2}`]);
    state.password = PW2;
    await admin(['ACL', 'SETUSER', 'rot', `<${PW1}`]);
    const before = acked.length;
    await admin(['CLIENT', 'KILL', 'USER', 'rot']);
    await waitFor(async () => (acked.length > before + 200 ? true : undefined), {
      timeoutMs: 5000,
      what: '200 writes after the rotation',
    });
    running = false;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(state.calls).toBeGreaterThanOrEqual(2); // first connection and the reconnect
    expect(await c.getClient().call('ACL', 'WHOAMI')).toBe('rot');
    const stored = await c.getMany(acked);
    expect(Object.keys(stored).length).toBe(acked.length);
  });

  it('a throwing provider fails calls at once, naming the alias, and the cache recovers', async () => {
    await admin(['ACL', 'SETUSER', 'rot', 'on', 'resetpass', `>${PW1}`, '~*', '+@all']);
    const { state, provider } = rotatingProvider('rot', PW1);
    state.fail = 'vault unreachable';
    const { cache } = await boot({
      vault: { location: server.url(0), options: { credentialProvider: provider } },
    });
    const { error, ms } = await failure(() => cache('vault').get('k'));
    expect(error).toBeInstanceOf(CacheConnectionError);
    expect(error.message).toBe(
      "cache 'vault': options.credentialProvider failed: vault unreachable",
    );
    expect(ms).toBeLessThan(FAIL_FAST_MS);
    state.fail = undefined;
    await waitFor(
      async () =>
        (await cache('vault')
          .set('k', 'back')
          .catch(() => false))
          ? true
          : undefined,
      { timeoutMs: 5000, what: 'a write once the provider answers' },
    );
    expect(await cache('vault').get('k')).toBe('back');
  });

  it('an ElastiCache IAM token reaches the server as the user and password', async () => {
    // A real server cannot check SigV4, so the user's password is set to the token itself:
    // this proves the user id and the token are what every connection sends.
    const provider = new ElastiCacheIamCredentialProvider({
      userId: 'iam-user',
      cacheName: 'my-cache',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key-Wm02' },
      now: () => new Date('2026-12-07T10:20:30Z'),
    });
    const { password } = await provider.getCredentials();
    await admin(['ACL', 'SETUSER', 'iam-user', 'on', 'resetpass', `>${password}`, '~*', '+@all']);
    const { cache } = await boot({
      iam: { location: server.url(0), options: { credentialProvider: provider } },
    });
    await cache('iam').set('k', 'signed in');
    expect(await cache('iam').get('k')).toBe('signed in');
    expect(await cache('iam').getClient().call('ACL', 'WHOAMI')).toBe('iam-user');
  });

  it('a wrong secret from the provider gives WRONGPASS without the secret', async () => {
    const { provider } = rotatingProvider('rot', 'not-the-password-Zz19');
    const { cache } = await boot({
      wrong: { location: server.url(0), options: { credentialProvider: provider } },
    });
    const { error, ms } = await failure(() => cache('wrong').get('k'));
    expect(error.message).toMatch(/^cache 'wrong': server replied: WRONGPASS/);
    expect(ms).toBeLessThan(FAIL_FAST_MS);
    expect(inspect(error, { depth: 10 })).not.toContain('not-the-password-Zz19');
  });

  it('boot refuses a provider next to fixed credentials, naming the option paths', async () => {
    const { provider } = rotatingProvider('rot', PW1);
    const config: CacheConfig = {
      location: `valkey://rot:${PW1}@127.0.0.1:${server.port}/0`,
      options: { credentialProvider: provider, password: PW1 },
    };
    const error = await bootApp({ both: config }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(
      'caches.both.options.credentialProvider: cannot be combined with fixed credentials (options.password, the location URL)',
    );
    expect(error?.message).not.toContain(PW1);
  });
});

describe('credential providers behind Sentinel', () => {
  const SENTINEL_PW = 'sentinel-rot-pw-Pq70';
  const REPL_PW = 'repl-pw-Ty61';
  let topology: SentinelTopology;
  let app: SentinelApp | undefined;
  let errorLog: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    topology = await startSentinelTopology({
      replicas: 1,
      sentinels: 2,
      aclUsers: [`repl on >${REPL_PW} ~* &* +@all`, `rot on >${PW1} ~* +@all`],
      authUser: { username: 'repl', password: REPL_PW },
      sentinelRequirepass: SENTINEL_PW,
    });
  });
  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });
  beforeEach(() => {
    errorLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    errorLog.mockRestore();
  });

  it('asks for the sentinels and the data nodes credentials; reads reach the replica', async () => {
    const sentinels = { calls: 0 };
    const data = rotatingProvider('rot', PW1);
    app = await bootApp({
      s: {
        location: `valkey://${topology.serviceName}/0`,
        options: {
          clientClass: 'SentinelClient',
          sentinels: sentinelPairs(topology.sentinels),
          sentinelKwargs: {
            credentialProvider: {
              getCredentials: () => {
                sentinels.calls++;
                return { password: SENTINEL_PW };
              },
            },
          },
          credentialProvider: data.provider,
        },
      },
    });
    const cache = app.cache('s');
    const key = uniquePrefix('behind-sentinel');
    await cache.set(key, 'provided');
    const primary = topology.nodes[0]!;
    expect(await primary.command(['GET', `:1:${key}`])).toBe('"provided"');
    await waitFor(async () => ((await cache.get(key)) === 'provided' ? true : undefined), {
      timeoutMs: 5000,
      what: 'the value on the replica',
    });
    const replica = app.sentinelClient('s')!.replica.acquire();
    expect(await replica.call('ACL', 'WHOAMI')).toBe('rot');
    expect(sentinels.calls).toBeGreaterThanOrEqual(1);
    expect(data.state.calls).toBeGreaterThanOrEqual(2); // the primary and the replica
  });
});
