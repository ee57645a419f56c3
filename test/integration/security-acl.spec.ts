/**
 * Authentication and ACLs against real servers started by the harness: data-node user name and
 * password from the URL (percent-encoded) or from `options`; a user limited to `~app:*` keys and
 * without FLUSHDB works inside its prefix and gets a CacheError (NOPERM) outside it; wrong or
 * missing credentials fail the first call at once with a typed error naming the alias (boot is
 * lazy and succeeds), later calls too, with the password redacted from the error's cause. Sentinel
 * `requirepass` and sentinel ACL users through `sentinelKwargs`, data-node ACL users behind
 * Sentinel.
 */
import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CacheConnectionError, CacheError, type CacheConfig } from '../../lib/index.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { waitFor } from '../harness/wait.js';
import { appPerTest, failure } from './security-support.js';
import { bootApp, sentinelPairs, uniquePrefix, type SentinelApp } from './sentinel-support.js';

/** Server starts (a Sentinel group) and the failure cases need more than Jest's default 5 s. */
jest.setTimeout(30_000);

const DEFAULT_PW = 'default-pw-Ka71';
const APP_PW = 'app-pw-Rr52';
/** A password with the characters a URL needs encoded. */
const ODD_PW = 'p@ss:w/rd%#?&+x';
const WRONG_PW = 'wrong-pw-Qz09';
/** Bound for a call refused on authentication, in ms (far below socketTimeout, 5 s). */
const FAIL_FAST_MS = 1000;

describe('ACL users and passwords on a standalone server', () => {
  let server: StandaloneServer;
  const { boot, errorLog } = appPerTest();
  const at = (auth: string, db = 0): string => `valkey://${auth}127.0.0.1:${server.port}/${db}`;

  beforeAll(async () => {
    server = await startStandalone({
      requirepass: DEFAULT_PW,
      aclUsers: [
        `app on >${APP_PW} ~app:* resetchannels +@all -flushdb -flushall`,
        `odd on >${ODD_PW} ~* +@all`,
      ],
    });
  });
  afterAll(() => server?.stop());
  it('takes the user and password from the URL, percent-encoded, or from options', async () => {
    const { cache } = await boot({
      url: { location: at(`app:${APP_PW}@`), keyPrefix: 'app' },
      options: {
        location: at(''),
        keyPrefix: 'app',
        options: { username: 'app', password: APP_PW },
      },
      encoded: { location: at(`odd:${encodeURIComponent(ODD_PW)}@`), keyPrefix: 'app' },
      query: {
        location: `${at('')}?username=odd&password=${encodeURIComponent(ODD_PW)}`,
        keyPrefix: 'app',
      },
      defaultUser: { location: at(`:${DEFAULT_PW}@`), keyPrefix: 'app' },
    });
    await cache('url').set('k', 'from the url');
    for (const alias of ['options', 'encoded', 'query', 'defaultUser']) {
      expect(await cache(alias).get('k')).toBe('from the url');
    }
    const who = await cache('encoded').getClient().call('ACL', 'WHOAMI');
    expect(who).toBe('odd');
    expect(await cache('options').getClient().call('ACL', 'WHOAMI')).toBe('app');
  });

  it('a user limited to ~app:* works inside its prefix and gets NOPERM outside it', async () => {
    const config = (keyPrefix: string, extra = {}): CacheConfig => ({
      location: at(`app:${APP_PW}@`),
      keyPrefix,
      options: { ...extra },
    });
    const { cache } = await boot({
      inside: config('app'),
      outside: config('other'),
      lenient: config('other', { ignoreExceptions: true }),
    });
    const inside = cache('inside');
    const key = uniquePrefix('k');
    await inside.set(key, { ok: true });
    expect(await inside.get(key)).toEqual({ ok: true });
    await inside.set(`${key}:n`, 1);
    expect(await inside.incr(`${key}:n`, 2)).toBe(3);
    expect(await inside.getMany([key, 'missing'])).toEqual({ [key]: { ok: true } });
    expect(await inside.hasKey(key)).toBe(true);
    expect(await inside.deletePattern(`${key}*`)).toBeGreaterThanOrEqual(1);

    for (const call of [() => cache('outside').get('k'), () => cache('outside').set('k', 1)]) {
      const { error } = await failure(call);
      expect(error).toBeInstanceOf(CacheError);
      expect(error).not.toBeInstanceOf(CacheConnectionError);
      expect(error.message).toMatch(/^cache 'outside': server replied: NOPERM/);
    }
    // a permission error is not an outage: ignoreExceptions does not hide it
    await expect(cache('lenient').get('k')).rejects.toThrow(
      /^cache 'lenient': server replied: NOPERM/,
    );
    // FLUSHDB is not granted: clear() says so
    await expect(inside.clear()).rejects.toThrow(
      /^cache 'inside': server replied: NOPERM.*flushdb/i,
    );
  });

  it('a wrong password fails the first call at once (boot is lazy), and every later call', async () => {
    const { cache } = await boot({
      wrong: { location: at(`app:${WRONG_PW}@`), options: { socketTimeout: 5 } },
      missing: { location: at('') },
    });
    for (let i = 0; i < 3; i++) {
      const { error, ms } = await failure(() => cache('wrong').get('k'));
      // a connection error, as valkey-py's AuthenticationError: ignoreExceptions covers it
      expect(error).toBeInstanceOf(CacheConnectionError);
      expect(error.message).toBe(
        "cache 'wrong': server replied: WRONGPASS invalid username-password pair or user is disabled.",
      );
      expect(ms).toBeLessThan(FAIL_FAST_MS);
      // iovalkey keeps the AUTH arguments on the reply error: they are redacted
      const shown = inspect(error, { depth: 10 });
      expect(shown).toContain("args: [ 'app', '***' ]");
      expect(shown).not.toContain(WRONG_PW);
    }
    const { error, ms } = await failure(() => cache('missing').set('k', 1));
    expect(error.message).toBe("cache 'missing': server replied: NOAUTH Authentication required.");
    expect(ms).toBeLessThan(FAIL_FAST_MS);
    const logged = errorLog()
      .mock.calls.map((c: unknown[]) => String(c[0]))
      .join('\n');
    expect(logged).toContain('WRONGPASS');
    expect(logged).not.toContain(WRONG_PW);
  });
});

describe('Sentinel with requirepass, sentinel ACL users and data-node ACL users', () => {
  const SENTINEL_PW = 'sentinel-pw-Jd44';
  const SENTINEL_ACL_PW = 'sentinel-acl-pw-Wq27';
  const REPL_PW = 'repl-pw-Hn30';
  let topology: SentinelTopology;
  let app: SentinelApp | undefined;
  let errorLog: ReturnType<typeof jest.spyOn>;
  let warnLog: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    topology = await startSentinelTopology({
      replicas: 1,
      sentinels: 2,
      requirepass: DEFAULT_PW,
      aclUsers: [
        `repl on >${REPL_PW} ~* &* +@all`,
        `app on >${APP_PW} ~app:* resetchannels +@all -flushdb -flushall`,
      ],
      authUser: { username: 'repl', password: REPL_PW },
      sentinelRequirepass: SENTINEL_PW,
      sentinelAclUsers: [`cacheapp on >${SENTINEL_ACL_PW} allchannels +@all`],
      sentinelDebug: { 'info-period': 500 },
    });
  });
  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });
  beforeEach(() => {
    errorLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warnLog = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    errorLog.mockRestore();
    warnLog.mockRestore();
  });

  function sentinelCache(
    sentinelKwargs: { username?: string; password?: string },
    auth = `app:${APP_PW}@`,
  ): CacheConfig {
    return {
      location: `valkey://${auth}${topology.serviceName}/0`,
      keyPrefix: 'app',
      options: {
        clientClass: 'SentinelClient',
        sentinels: sentinelPairs(topology.sentinels),
        sentinelKwargs: { ...sentinelKwargs, socketTimeout: 1, socketConnectTimeout: 1 },
        connectionPoolKwargs: { disconnectTimeout: 50 },
      },
    };
  }

  it('sentinelKwargs password (requirepass) and username/password (ACL user) both work', async () => {
    app = await bootApp({
      requirepass: sentinelCache({ password: SENTINEL_PW }),
      acl: sentinelCache({ username: 'cacheapp', password: SENTINEL_ACL_PW }),
    });
    const key = uniquePrefix('k');
    await app.cache('requirepass').set(key, 'behind sentinel auth');
    const acl = app.cache('acl');
    expect(await acl.getClient({ write: true }).call('ACL', 'WHOAMI')).toBe('app');
    const primary = await topology.primary();
    expect(await primary.command(['GET', `app:1:${key}`])).toBe('"behind sentinel auth"');
    // reads go to the replica (the data-node user authenticates there too) once it has the key
    await waitFor(
      async () => ((await acl.get(key)) === 'behind sentinel auth' ? true : undefined),
      {
        timeoutMs: 3000,
        what: 'the replica to serve the key',
      },
    );
    expect(await acl.getClient({ write: false }).call('ACL', 'WHOAMI')).toBe('app');
  });

  it('a wrong or missing sentinel password fails clearly and at once', async () => {
    app = await bootApp({
      wrong: sentinelCache({ password: WRONG_PW }),
      missing: sentinelCache({}),
    });
    const wrong = await failure(() => app!.cache('wrong').set('k', 1));
    expect(wrong.error).toBeInstanceOf(CacheConnectionError);
    expect(wrong.error.message).toMatch(
      /^cache 'wrong': Sentinel: cannot find the servers of service '[^']+': no sentinel is reachable: .*WRONGPASS/,
    );
    expect(wrong.ms).toBeLessThan(FAIL_FAST_MS);
    const missing = await failure(() => app!.cache('missing').get('k'));
    expect(missing.error).toBeInstanceOf(CacheConnectionError);
    expect(missing.error.message).toMatch(/no sentinel is reachable: .*NOAUTH/);
    for (const e of [wrong.error, missing.error]) {
      expect(inspect(e, { depth: 10 })).not.toContain(WRONG_PW);
      expect(inspect(e, { depth: 10 })).not.toContain(SENTINEL_PW);
    }
  });

  it('a wrong data-node password behind Sentinel fails with WRONGPASS at once', async () => {
    app = await bootApp({ wrong: sentinelCache({ password: SENTINEL_PW }, `app:${WRONG_PW}@`) });
    const { error, ms } = await failure(() => app!.cache('wrong').set('k', 1));
    expect(error.message).toMatch(/^cache 'wrong': server replied: WRONGPASS/);
    expect(ms).toBeLessThan(FAIL_FAST_MS);
    expect(inspect(error, { depth: 10 })).not.toContain(WRONG_PW);
  });
});
