/**
 * A cache booted through `CacheModule.forRoot` on a standalone server of the spec's own (the
 * shared server's 16 databases are all taken by other specs), with a plain client next to it.
 */
import { Test, type TestingModule } from '@nestjs/testing';
import { Valkey } from 'iovalkey';
import { CacheModule, getCacheToken, type CacheConfig, type ValkeyCache } from '../../lib/index.js';
import type { StandaloneServer } from '../harness/standalone.js';

/** One booted cache (alias `default`) and the Nest app that owns it. */
export interface BootedCache {
  readonly app: TestingModule;
  readonly cache: ValkeyCache;
}

/** Boots a new app with one cache `default` on `server` database 0 (a redeploy, in a test). */
export async function bootCache(
  server: StandaloneServer,
  config: Omit<CacheConfig, 'location'>,
): Promise<BootedCache> {
  const app = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ default: { ...config, location: server.url(0) } })],
  }).compile();
  await app.init();
  return { app, cache: app.get<ValkeyCache>(getCacheToken('default')) };
}

/** A plain iovalkey client on `server` database 0. */
export function rawClient(server: StandaloneServer): Valkey {
  return new Valkey({ host: server.host, port: server.port, db: 0, maxRetriesPerRequest: 1 });
}
