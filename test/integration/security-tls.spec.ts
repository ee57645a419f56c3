/**
 * TLS against real TLS-only `valkey-server`s and sentinels started by the harness with
 * certificates generated in this run (openssl): `valkeys://` / `rediss://` locations verify the
 * server certificate by default; `connectionPoolKwargs.tls` takes the CA, a client certificate
 * and key (also passphrase-protected) and `servername`; a wrong CA, a wrong host name or a missing
 * client certificate fails the call at once with a CacheConnectionError that names the alias and
 * the reason (never a wait for socketTimeout); TLS material is part of the pool-sharing key.
 * Sentinel over TLS: `sentinelKwargs.tls` for the sentinels, `connectionPoolKwargs.tls` for the
 * primary and the replicas the sentinels name.
 */
import { jest } from '@jest/globals';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  CacheConnectionError,
  type CacheConfig,
  type SentinelConnectionPool,
} from '../../lib/index.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import type { TlsMaterial } from '../harness/tls.js';
import { waitFor } from '../harness/wait.js';
import { appPerTest, failure } from './security-support.js';
import { bootApp, sentinelPairs, uniquePrefix, type SentinelApp } from './sentinel-support.js';

/** Server starts (a Sentinel group) and the failure cases need more than Jest's default 5 s. */
jest.setTimeout(30_000);

/** Bound for a call that must fail on the TLS handshake, in ms: far below socketTimeout (5 s). */
const FAIL_FAST_MS = 1500;

/**
 * Bound for a client certificate refused by a TLS 1.3 server, in ms: the server sends its alert
 * after the client's handshake finished, and the socket may see a plain reset first, on every
 * reconnect until the call's 5 s socketTimeout; plus slack for a loaded machine.
 */
const MTLS_FAIL_MS = 6500;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('TLS to a standalone server', () => {
  let server: StandaloneServer;
  let mtls: StandaloneServer;
  let tls: TlsMaterial;
  const { boot, errorLog } = appPerTest();

  beforeAll(async () => {
    server = await startStandalone({ tls: true });
    tls = server.tls!;
    mtls = await startStandalone({ tls: { material: tls, authClients: 'yes' } });
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), mtls?.stop()]);
  });
  let prefix = '';
  beforeEach(() => {
    prefix = uniquePrefix('tls');
  });

  /** A cache on `location` with `tls` options; the caches of one test share a key prefix. */
  function tlsCache(location: string, tlsOptions: TlsOptions | undefined, extra = {}): CacheConfig {
    return {
      location,
      keyPrefix: prefix,
      options: {
        ...extra,
        connectionPoolKwargs: { disconnectTimeout: 50, ...(tlsOptions && { tls: tlsOptions }) },
      },
    };
  }

  it('valkeys:// and rediss:// connect with the CA from connectionPoolKwargs.tls.ca', async () => {
    expect(server.url(3)).toMatch(/^valkeys:\/\//);
    const { cache } = await boot({
      valkeys: tlsCache(server.url(3), { ca: tls.ca.cert }),
      rediss: tlsCache(server.url(3).replace('valkeys:', 'rediss:'), { ca: tls.ca.cert }),
    });
    for (const alias of ['valkeys', 'rediss']) {
      await cache(alias).set('k', { alias, n: 1 });
      expect(await cache(alias).get('k')).toEqual({ alias, n: 1 });
    }
    // the server listens on TLS only (port 0): these round trips went over TLS
    expect(await server.node.command(['CONFIG', 'GET', 'port'])).toEqual(['port', '0']);
  });

  it('verifies the server certificate by default: without the CA the call fails at once, clearly', async () => {
    const { cache } = await boot({ noca: tlsCache(server.url(3), undefined) });
    for (let i = 0; i < 2; i++) {
      const { error, ms } = await failure(() => cache('noca').get('k'));
      expect(error).toBeInstanceOf(CacheConnectionError);
      expect(error.message).toMatch(
        /^cache 'noca': TLS handshake with 127\.0\.0\.1:\d+\/3 failed: /,
      );
      expect(error.message).toMatch(/certificate verify failed/);
      expect(error.message).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
      expect(error.message).toContain('connectionPoolKwargs.tls.ca');
      expect(ms).toBeLessThan(FAIL_FAST_MS);
    }
    expect(errorLog()).toHaveBeenCalledWith(expect.stringContaining('connection error on'));
  });

  it('a wrong CA fails clearly; with ignoreExceptions the call returns its fallback at once', async () => {
    const { cache } = await boot({
      wrong: tlsCache(server.url(3), { ca: tls.otherCa.cert }),
      lenient: tlsCache(server.url(3), { ca: tls.otherCa.cert }, { ignoreExceptions: true }),
    });
    const { error, ms } = await failure(() => cache('wrong').set('k', 1));
    expect(error).toBeInstanceOf(CacheConnectionError);
    expect(error.message).toMatch(
      /^cache 'wrong': TLS handshake .* failed: .*certificate.* \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\); certificate verify failed/,
    );
    expect(ms).toBeLessThan(FAIL_FAST_MS);
    const fallback = await timed(() => cache('lenient').get('k', 'fallback'));
    expect(fallback.value).toBe('fallback');
    expect(fallback.ms).toBeLessThan(FAIL_FAST_MS);
  });

  it('servername: a name in the certificate passes, another fails with a hint', async () => {
    const { cache } = await boot({
      good: tlsCache(server.url(3), { ca: tls.ca.cert, servername: 'localhost' }),
      bad: tlsCache(server.url(3), { ca: tls.ca.cert, servername: 'cache.example.org' }),
    });
    await cache('good').set('k', 'v');
    expect(await cache('good').get('k')).toBe('v');
    const { error, ms } = await failure(() => cache('bad').get('k'));
    expect(error).toBeInstanceOf(CacheConnectionError);
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(error.message).toContain('connectionPoolKwargs.tls.servername');
    expect(ms).toBeLessThan(FAIL_FAST_MS);
  });

  it('a server that requires client certificates (tls-auth-clients yes): over TLS 1.2 a missing or refused one fails at once with the reason', async () => {
    // TLS 1.2: the server refuses the certificate inside the handshake, before the client sends
    // anything, so the alert always arrives (with TLS 1.3 a reset may come first: next test)
    const tls12 = { ca: tls.ca.cert, maxVersion: 'TLSv1.2' } as const;
    const { cache } = await boot({
      cert: tlsCache(mtls.url(3), { ca: tls.ca.cert, cert: tls.client.cert, key: tls.client.key }),
      encrypted: tlsCache(mtls.url(3), {
        ca: tls.ca.cert,
        cert: tls.encryptedClient.cert,
        key: tls.encryptedClient.key,
        passphrase: tls.clientKeyPassphrase,
      }),
      nocert: tlsCache(mtls.url(3), tls12),
      intruder: tlsCache(mtls.url(3), {
        ...tls12,
        cert: tls.otherClient.cert,
        key: tls.otherClient.key,
      }),
    });
    await cache('cert').set('k', 'mtls');
    expect(await cache('cert').get('k')).toBe('mtls');
    expect(await cache('encrypted').get('k')).toBe('mtls');

    const missing = await failure(() => cache('nocert').get('k'));
    expect(missing.error).toBeInstanceOf(CacheConnectionError);
    expect(missing.error.message).toMatch(
      /^cache 'nocert': TLS handshake .* failed: .*handshake failure.*require a client certificate/,
    );
    expect(missing.error.message).toContain('connectionPoolKwargs.tls.cert');
    expect(missing.ms).toBeLessThan(FAIL_FAST_MS);

    const refused = await failure(() => cache('intruder').get('k'));
    expect(refused.error).toBeInstanceOf(CacheConnectionError);
    expect(refused.error.message).toMatch(/unknown ca.*rejected the client certificate/i);
    expect(refused.ms).toBeLessThan(FAIL_FAST_MS);
  });

  it('over TLS 1.3 a missing client certificate fails within socketTimeout with a CacheConnectionError', async () => {
    const { cache } = await boot({ nocert: tlsCache(mtls.url(3), { ca: tls.ca.cert }) });
    const missing = await failure(() => cache('nocert').get('k'));
    expect(missing.error).toBeInstanceOf(CacheConnectionError);
    // the reason when the server's alert arrives; a timeout when its reset beat the alert on
    // every reconnect within socketTimeout (seen on a loaded machine)
    expect(missing.error.message).toMatch(
      /^cache 'nocert': (TLS handshake .* failed: .*certificate required.*requires a client certificate|Command timed out)/,
    );
    expect(missing.ms).toBeLessThan(MTLS_FAIL_MS);
  });

  it('TLS material is part of the pool-sharing key', async () => {
    const sameTls = { ca: tls.ca.cert };
    const { cache } = await boot({
      a: tlsCache(server.url(3), sameTls),
      b: tlsCache(server.url(3), { ca: tls.ca.cert }),
      c: tlsCache(server.url(3), { ca: tls.otherCa.cert }),
      d: tlsCache(server.url(3), { ca: tls.ca.cert, cert: tls.client.cert, key: tls.client.key }),
    });
    // equal TLS options (by content) share one connection, different ones do not
    expect(cache('a').getClient()).toBe(cache('b').getClient());
    expect(cache('a').getClient()).not.toBe(cache('c').getClient());
    expect(cache('a').getClient()).not.toBe(cache('d').getClient());
    await cache('a').set('k', 1);
    await expect(cache('c').get('k')).rejects.toThrow(/certificate verify failed/);
    expect(await cache('d').get('k')).toBe(1);
  });
});

describe('Sentinel over TLS', () => {
  let topology: SentinelTopology;
  let tls: TlsMaterial;
  let app: SentinelApp | undefined;

  beforeAll(async () => {
    topology = await startSentinelTopology({
      tls: true,
      replicas: 1,
      sentinels: 2,
      sentinelDebug: { 'info-period': 500 },
    });
    tls = topology.tls!;
  });
  afterAll(async () => {
    await app?.close();
    await topology?.stop();
  });

  function sentinelCache(sentinelTls: TlsOptions, extra: Partial<CacheConfig> = {}): CacheConfig {
    return {
      location: `valkeys://${topology.serviceName}/0`,
      keyPrefix: uniquePrefix('stls'),
      ...extra,
      options: {
        clientClass: 'SentinelClient',
        sentinels: sentinelPairs(topology.sentinels),
        sentinelKwargs: { tls: sentinelTls },
        connectionPoolKwargs: { tls: { ca: tls.ca.cert }, disconnectTimeout: 50 },
        socketTimeout: 2,
        socketConnectTimeout: 2,
      },
    };
  }

  it('writes to the primary and reads from the replica, all over TLS', async () => {
    app = await bootApp({
      default: sentinelCache({ ca: tls.ca.cert, cert: tls.client.cert, key: tls.client.key }),
    });
    const cache = app.cache('default');
    await cache.set('k', { over: 'tls' });
    await cache.get('k'); // the first read starts the replica pool's discovery
    const client = app.sentinelClient('default')!;
    const replicaPool = client.replica as SentinelConnectionPool;
    const [replica] = topology.nodes.filter((n) => n !== topology.nodes[0]);
    await waitFor(async () => (replicaPool.activeReplicas().length === 1 ? true : undefined), {
      timeoutMs: 5000,
      what: 'the TLS replica to join the read rotation',
    });
    expect(replicaPool.activeReplicas()).toEqual([{ host: replica!.host, port: replica!.port }]);
    await waitFor(async () => ((await cache.get('k')) !== null ? true : undefined), {
      timeoutMs: 3000,
      what: 'the write to reach the replica',
    });
    expect(await cache.get('k')).toEqual({ over: 'tls' });
    const primary = client.primary as SentinelConnectionPool;
    expect(primary.connectedPrimary()).toEqual({
      host: topology.nodes[0]!.host,
      port: topology.nodes[0]!.port,
    });
  });

  it('a wrong CA for the sentinels fails clearly, within the bounded sentinel timeouts', async () => {
    const wrong = await bootApp({ wrong: sentinelCache({ ca: tls.otherCa.cert }) });
    try {
      const { error, ms } = await failure(() => wrong.cache('wrong').set('k', 1));
      expect(error).toBeInstanceOf(CacheConnectionError);
      expect(error.message).toMatch(/^cache 'wrong': Sentinel: cannot find the servers of service/);
      expect(error.message).toMatch(/no sentinel is reachable: .*certificate/);
      expect(ms).toBeLessThan(5000);
    } finally {
      await wrong.close();
    }
  });

  it('a wrong CA for the data nodes behind Sentinel fails clearly and at once', async () => {
    const config = sentinelCache({ ca: tls.ca.cert });
    const wrong = await bootApp({
      wrong: {
        ...config,
        options: {
          ...config.options,
          connectionPoolKwargs: { tls: { ca: tls.otherCa.cert }, disconnectTimeout: 50 },
        },
      },
    });
    try {
      const { error, ms } = await failure(() => wrong.cache('wrong').set('k', 1));
      expect(error).toBeInstanceOf(CacheConnectionError);
      expect(error.message).toMatch(
        /^cache 'wrong': TLS handshake with the primary of Sentinel service '[^']+' failed: .*certificate verify failed/,
      );
      expect(error.message).toContain('connectionPoolKwargs.tls.ca');
      expect(ms).toBeLessThan(FAIL_FAST_MS);
    } finally {
      await wrong.close();
    }
  });
});
