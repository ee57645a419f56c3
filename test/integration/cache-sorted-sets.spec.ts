/**
 * Sorted sets on a standalone server of this spec's own (the shared server's databases are all taken): members encoded like values, scores as numbers,
 * `ZADD`'s flags, ranges, pops and ranks (the shared suite `api-sorted-sets.ts`).
 */
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { ownServerTarget } from './cache-support.js';
import { sortedSetsApi } from './api-sorted-sets.js';

let server: StandaloneServer | undefined;
beforeAll(async () => {
  server = await startStandalone();
});
afterAll(() => server?.stop());

sortedSetsApi(
  ownServerTarget(() => {
    if (!server) throw new Error('the server of this spec did not start');
    return server;
  }),
);
