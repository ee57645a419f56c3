/**
 * `npm run bench:profile`: drives `ValkeyCache` (json) get hit and set with a timeout, at 1 and
 * 100 in flight, for a few seconds each, under `node --cpu-prof`, against a Valkey server the
 * test harness starts (and stops by PID). The profile lands in `bench/results/*.cpuprofile`
 * (git-ignored); `node bench/top-functions.mjs <file>` lists where the time went.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CacheModule, getCacheToken, type ValkeyCache } from '../lib/index.js';
import { startStandalone } from '../test/harness/standalone.js';
import { measure } from './measure.js';

const SECONDS = Number(process.argv[2] ?? 3);
const server = await startStandalone();
try {
  const app = await NestFactory.createApplicationContext(
    {
      module: class ProfileModule {},
      imports: [
        CacheModule.forRoot({ default: { location: server.url(0), keyPrefix: 'p', timeout: 300 } }),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  const cache = app.get<ValkeyCache>(getCacheToken('default'));
  const value = { id: 1, name: 'user-1', active: true, tags: ['a', 'b'], bio: 'x'.repeat(900) };
  for (let i = 0; i < 1000; i++) await cache.set(`k${i}`, value);
  for (const inFlight of [1, 100]) {
    const get = await measure((i) => cache.get(`k${i % 1000}`), inFlight, SECONDS * 1000, 200);
    const set = await measure(
      (i) => cache.set(`k${i % 1000}`, value, 300),
      inFlight,
      SECONDS * 1000,
      200,
    );
    console.log(
      `x${inFlight}: get ${Math.round(get.opsPerSec)} ops/s, set ${Math.round(set.opsPerSec)} ops/s`,
    );
  }
  await app.close();
} finally {
  await server.stop();
}
