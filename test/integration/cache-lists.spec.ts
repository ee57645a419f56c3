/**
 * Lists on a standalone server of this spec's own (the shared server's databases are all taken): elements encoded like values, pushes and pops, ranges,
 * `LMOVE`, and the blocking pops with their timeout rule (the shared suite `api-lists.ts`).
 */
import { CacheConnectionError } from '../../lib/index.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { openCache, ownServerTarget } from './cache-support.js';
import { listsApi } from './api-lists.js';

let server: StandaloneServer | undefined;
beforeAll(async () => {
  server = await startStandalone();
});
afterAll(() => server?.stop());

listsApi(
  ownServerTarget(() => {
    if (!server) throw new Error('the server of this spec did not start');
    return server;
  }),
);

describe('a blocking pop when the server does not answer', () => {
  it('fails with a CacheConnectionError within the socket and connect timeouts, never hangs', async () => {
    // Nothing listens on port 1: the blocking connection never connects.
    const fx = await openCache(15, {
      location: 'valkey://127.0.0.1:1/0',
      options: { socketTimeout: 1, socketConnectTimeout: 0.5 },
    });
    try {
      const started = Date.now();
      await expect(fx.cache.blpop('k', 0.5)).rejects.toBeInstanceOf(CacheConnectionError);
      await expect(fx.cache.blmove('{k}a', '{k}b', 0.5)).rejects.toBeInstanceOf(
        CacheConnectionError,
      );
      expect(Date.now() - started).toBeLessThan(2 * 1500 + 500);
    } finally {
      await fx.close();
    }
  });
});
