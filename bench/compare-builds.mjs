// A/B of the get/set hot path of two builds of lib/ in one process, interleaved rounds, with a
// stub connection (no network), so that a change's cost shows without the socket's noise.
// Usage: node bench/compare-builds.mjs <a>/.build/lib/index.js <b>/.build/lib/index.js
// (each built with `tsc -p tsconfig.bench.json` in its own checkout). Prints ns per call.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error(
    'usage: node bench/compare-builds.mjs <a>/.build/lib/index.js <b>/.build/lib/index.js',
  );
  process.exit(2);
}
const builds = { a: resolve(a), b: resolve(b) };
const value = { id: 1, name: 'user-1', bio: 'lorem ipsum '.repeat(80) };
const text = JSON.stringify(value),
  bytes = Buffer.from(text);
const caches = {};
for (const [name, path] of Object.entries(builds)) {
  const lib = await import(path);
  const app = await NestFactory.createApplicationContext(
    {
      module: class M {},
      imports: [
        lib.CacheModule.forRoot({
          default: { location: 'valkey://127.0.0.1:1/0', keyPrefix: 'o', timeout: 300 },
        }),
      ],
    },
    { logger: false },
  );
  const cache = app.get(lib.getCacheToken('default'));
  const ok = Promise.resolve('OK');
  const stub = { getBuffer: () => Promise.resolve(bytes), set: () => ok };
  cache.client.clientFor = () => stub;
  caches[name] = cache;
}
const ops = {
  get: (c, i) => c.get('k' + (i & 1023)),
  set: (c, i) => c.set('k' + (i & 1023), value, 300),
};
const N = 50000,
  ROUNDS = 15;
const res = {};
for (const op of Object.keys(ops))
  for (const b of Object.keys(caches)) {
    res[`${op} ${b}`] = [];
    for (let i = 0; i < N; i++) await ops[op](caches[b], i);
  }
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? ['a', 'b'] : ['b', 'a'];
  for (const op of Object.keys(ops))
    for (const b of order) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) await ops[op](caches[b], i);
      res[`${op} ${b}`].push(Number(process.hrtime.bigint() - t0) / N);
    }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const op of Object.keys(ops)) {
  const ra = res[`${op} a`];
  const rb = res[`${op} b`];
  const [ma, mb, na, nb] = [med(ra), med(rb), Math.min(...ra), Math.min(...rb)];
  console.log(
    `${op}: median a ${ma.toFixed(0)} ns, b ${mb.toFixed(0)} ns, b/a ${(mb / ma).toFixed(3)}; ` +
      `best a ${na.toFixed(0)} ns, b ${nb.toFixed(0)} ns, b/a ${(nb / na).toFixed(3)} (${ROUNDS} rounds)`,
  );
}
process.exit(0);
