/**
 * `npm run bench [-- --quick] [-- --no-sentinel] [-- --no-memory] [-- --overhead-only]
 * [-- --no-otel] [-- --otel-only] [-- --xfetch-only]`: the cost per call of
 * `ValkeyCache` next to raw iovalkey (JSON by hand: the floor) and `@nestjs/cache-manager` +
 * `@keyv/valkey`, in one process run, against a Valkey server (and a Sentinel topology) that
 * the test harness starts on free loopback ports and stops by PID. Prints a markdown table and
 * writes it to `bench/results/<timestamp>.md` and `bench/results/latest.md`.
 *
 * Only ratios within one run compare: the machine is shared and noisy.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { CACHE_MANAGER, CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import type { Cache as CacheManager } from 'cache-manager';
import KeyvValkey from '@keyv/valkey';
import { Keyv } from 'keyv';
import { Valkey } from 'iovalkey';
import { CacheModule, getCacheToken, type ValkeyCache } from '../lib/index.js';
import { startStandalone, type StandaloneServer } from '../test/harness/standalone.js';
import { startSentinelTopology, type SentinelTopology } from '../test/harness/sentinel-topology.js';
import { adminCommand, parseInfo } from '../test/harness/admin-command.js';
import { measure, type Measurement, type Op } from './measure.js';
import { measureOverhead } from './overhead.js';
import { otelBench } from './otel.js';
import { xfetchBench } from './xfetch.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const SENTINEL = !argv.includes('--no-sentinel');
const MEMORY = !argv.includes('--no-memory') && !QUICK;
const OVERHEAD_ONLY = argv.includes('--overhead-only');
const OTEL_ONLY = argv.includes('--otel-only');
const OTEL = !argv.includes('--no-otel') || OTEL_ONLY;
const XFETCH_ONLY = argv.includes('--xfetch-only');
const DURATION_MS = QUICK ? 300 : 1000;
const WARMUP_MS = QUICK ? 100 : 250;
const SIZES = QUICK ? [1024] : [64, 1024, 16384];
const IN_FLIGHT = [1, 100];
const KEYS = 1000;
const TTL_S = 300;
const COMMAND_TIMEOUT_MS = 5000; // what the module sets from its default socketTimeout (5 s)

interface Row extends Measurement {
  scenario: string;
  size: string;
  inFlight: number;
  client: string;
  ratio?: number;
}

const rows: Row[] = [];
const notes: string[] = [];

/** A JSON record whose `JSON.stringify` is about `size` bytes. */
function record(size: number, i: number): Record<string, unknown> {
  const base = { id: i, name: `user-${i}`, active: i % 2 === 0, score: i * 1.5, tags: ['a', 'b'] };
  const pad = Math.max(0, size - JSON.stringify(base).length - 10);
  return { ...base, bio: 'lorem ipsum '.repeat(Math.ceil(pad / 12)).slice(0, pad) };
}

function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024} KB` : `${size} B`;
}

/** Runs each candidate of one scenario and records ratios to the first (the floor). */
async function scenario(
  name: string,
  size: string,
  inFlight: number,
  candidates: ReadonlyArray<readonly [client: string, op: Op]>,
): Promise<void> {
  const measured: Row[] = [];
  for (const [client, op] of candidates) {
    const m = await measure(op, inFlight, DURATION_MS, WARMUP_MS);
    measured.push({ scenario: name, size, inFlight, client, ...m });
  }
  const floor = measured[0]!.opsPerSec;
  for (const r of measured) {
    r.ratio = r.opsPerSec / floor;
    rows.push(r);
    console.log(
      `${name.padEnd(22)} ${size.padEnd(6)} x${String(inFlight).padEnd(4)} ${r.client.padEnd(34)} ` +
        `${Math.round(r.opsPerSec).toString().padStart(7)} ops/s  p50 ${r.p50us.toFixed(0).padStart(5)} us  ` +
        `p99 ${r.p99us.toFixed(0).padStart(6)} us  ${r.ratio.toFixed(2)}x`,
    );
  }
}

function keyList(n: number, offset: number): string[] {
  return Array.from({ length: n }, (_, j) => `k${(offset + j) % KEYS}`);
}

function rawClient(server: { host: string; port: number }, commandTimeout?: number): Valkey {
  return new Valkey({
    host: server.host,
    port: server.port,
    ...(commandTimeout ? { commandTimeout } : {}),
  });
}

async function standaloneBench(server: StandaloneServer): Promise<void> {
  const url = server.url(0);
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    {
      module: class BenchModule {},
      imports: [
        CacheModule.forRoot({
          default: { location: url, keyPrefix: 'json', timeout: TTL_S },
          msgpack: {
            location: url,
            keyPrefix: 'msgpack',
            timeout: TTL_S,
            options: { serializer: 'msgpack' },
          },
          zlib: {
            location: url,
            keyPrefix: 'zlib',
            timeout: TTL_S,
            options: { compressor: 'zlib' },
          },
        }),
        NestCacheModule.register({
          stores: [new Keyv({ store: new KeyvValkey(`redis://${server.host}:${server.port}/0`) })],
        }),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  try {
    const json = app.get<ValkeyCache>(getCacheToken('default'));
    const msgpack = app.get<ValkeyCache>(getCacheToken('msgpack'));
    const zlib = app.get<ValkeyCache>(getCacheToken('zlib'));
    const cm = app.get<CacheManager>(CACHE_MANAGER);
    const raw = rawClient(server, COMMAND_TIMEOUT_MS);
    const rawBare = rawClient(server);
    await json.clear();

    for (const size of SIZES) {
      const label = sizeLabel(size);
      const values = Array.from({ length: KEYS }, (_, i) => record(size, i));
      const texts = values.map((v) => JSON.stringify(v));
      // Prefill every store with the same keys.
      for (let i = 0; i < KEYS; i += 100) {
        const batch: Record<string, unknown> = {};
        for (let j = i; j < i + 100; j++) batch[`k${j}`] = values[j];
        await Promise.all([json.setMany(batch), msgpack.setMany(batch), zlib.setMany(batch)]);
        await cm.mset(keyList(100, i).map((key, j) => ({ key, value: values[i + j] })));
      }
      const rawKey = (i: number): string => json.makeKey(`k${i % KEYS}`);
      const caches: Array<[string, ValkeyCache]> = [
        ['ValkeyCache json', json],
        ['ValkeyCache msgpack', msgpack],
      ];
      if (size > 1024) caches.push(['ValkeyCache json + zlib', zlib]);

      for (const inFlight of IN_FLIGHT) {
        // get hit: the raw floor reads the json cache's own keys.
        await scenario('get hit', label, inFlight, [
          ['raw iovalkey + JSON', async (i) => JSON.parse((await raw.get(rawKey(i)))!) as unknown],
          [
            'raw iovalkey + JSON, no commandTimeout',
            async (i) => JSON.parse((await rawBare.get(rawKey(i)))!) as unknown,
          ],
          ...caches.map(([n, c]) => [n, (i: number) => c.get(`k${i % KEYS}`)] as const),
          ['cache-manager + keyv/valkey', (i) => cm.get(`k${i % KEYS}`)],
        ]);
        // set with a timeout
        await scenario('set (timeout)', label, inFlight, [
          [
            'raw iovalkey + JSON',
            (i) => raw.set(rawKey(i), JSON.stringify(values[i % KEYS]), 'PX', TTL_S * 1000),
          ],
          [
            'raw iovalkey + JSON, no commandTimeout',
            (i) => rawBare.set(rawKey(i), JSON.stringify(values[i % KEYS]), 'PX', TTL_S * 1000),
          ],
          ...caches.map(
            ([n, c]) => [n, (i: number) => c.set(`k${i % KEYS}`, values[i % KEYS], TTL_S)] as const,
          ),
          [
            'cache-manager + keyv/valkey',
            (i) => cm.set(`k${i % KEYS}`, values[i % KEYS], TTL_S * 1000),
          ],
        ]);
        // getOrSet, on hits (the common case)
        await scenario('getOrSet (hit)', label, inFlight, [
          [
            'raw iovalkey + JSON',
            async (i) => {
              const key = rawKey(i);
              const s = await raw.get(key);
              if (s !== null) return JSON.parse(s) as unknown;
              await raw.set(key, texts[i % KEYS]!, 'PX', TTL_S * 1000, 'NX');
              return values[i % KEYS];
            },
          ],
          ...caches.map(
            ([n, c]) =>
              [
                n,
                (i: number) => c.getOrSet(`k${i % KEYS}`, () => values[i % KEYS], TTL_S),
              ] as const,
          ),
          [
            'cache-manager wrap',
            (i) => cm.wrap(`k${i % KEYS}`, () => values[i % KEYS], TTL_S * 1000),
          ],
        ]);
        // many keys (16 KB x 100 keys x 100 in flight would move 160 MB per round: skipped)
        if (size > 1024 && inFlight > 1) continue;
        for (const n of [10, 100]) {
          await scenario(`getMany ${n}`, label, inFlight, [
            [
              'raw iovalkey MGET + JSON',
              async (i) => {
                const keys = keyList(n, i * n).map((k) => json.makeKey(k));
                const replies = await raw.mget(keys);
                return replies.map((s) => (s === null ? null : (JSON.parse(s) as unknown)));
              },
            ],
            ...caches.map(
              ([c, cache]) => [c, (i: number) => cache.getMany(keyList(n, i * n))] as const,
            ),
            ['cache-manager mget', (i) => cm.mget(keyList(n, i * n))],
          ]);
          await scenario(`setMany ${n}`, label, inFlight, [
            [
              'raw iovalkey pipeline SET PX + JSON',
              (i) => {
                const p = raw.pipeline();
                const keys = keyList(n, i * n);
                for (let j = 0; j < n; j++)
                  p.set(
                    json.makeKey(keys[j]!),
                    JSON.stringify(values[(i * n + j) % KEYS]),
                    'PX',
                    TTL_S * 1000,
                  );
                return p.exec();
              },
            ],
            ...caches.map(
              ([c, cache]) =>
                [
                  c,
                  (i: number) => {
                    const batch: Record<string, unknown> = {};
                    const keys = keyList(n, i * n);
                    for (let j = 0; j < n; j++) batch[keys[j]!] = values[(i * n + j) % KEYS];
                    return cache.setMany(batch, TTL_S);
                  },
                ] as const,
            ),
            [
              'cache-manager mset',
              (i) =>
                cm.mset(
                  keyList(n, i * n).map((key, j) => ({
                    key,
                    value: values[(i * n + j) % KEYS],
                    ttl: TTL_S * 1000,
                  })),
                ),
            ],
          ]);
        }
      }
      // 100 keys: one getMany/setMany against 100 sequential calls (1 in flight).
      if (size <= 1024) {
        await scenario('100 keys: batch vs 100 calls', label, 1, [
          [
            'ValkeyCache json: 100 sequential get',
            async (i) => {
              for (const k of keyList(100, i * 100)) await json.get(k);
            },
          ],
          ['ValkeyCache json: getMany(100)', (i) => json.getMany(keyList(100, i * 100))],
          [
            'ValkeyCache json: 100 sequential set',
            async (i) => {
              const keys = keyList(100, i * 100);
              for (let j = 0; j < 100; j++) await json.set(keys[j]!, values[j], TTL_S);
            },
          ],
          [
            'ValkeyCache json: setMany(100)',
            (i) => {
              const batch: Record<string, unknown> = {};
              const keys = keyList(100, i * 100);
              for (let j = 0; j < 100; j++) batch[keys[j]!] = values[j];
              return json.setMany(batch, TTL_S);
            },
          ],
        ]);
      }
    }

    // get miss and incr do not depend on the value size.
    for (const inFlight of IN_FLIGHT) {
      await scenario('get miss', '-', inFlight, [
        ['raw iovalkey + JSON', async (i) => (await raw.get(json.makeKey(`missing${i}`))) ?? null],
        ['ValkeyCache json', (i) => json.get(`missing${i}`)],
        ['ValkeyCache msgpack', (i) => msgpack.get(`missing${i}`)],
        ['cache-manager + keyv/valkey', (i) => cm.get(`missing${i}`)],
      ]);
      await json.set('counter', 0, null);
      await scenario('incr', '-', inFlight, [
        ['raw iovalkey INCRBY', () => raw.incrby(json.makeKey('counter'), 1)],
        ['ValkeyCache json', () => json.incr('counter')],
      ]);
    }
    notes.push(
      '`incr`: `ValkeyCache.incr` runs a Lua script (EXISTS + INCRBY + GET, so a missing key ' +
        'throws and values beyond 2^53 keep their precision); cache-manager has no `incr`.',
    );
    if (MEMORY) await memoryBench(json);
    raw.disconnect();
    rawBare.disconnect();
  } finally {
    await app.close();
  }
}

/** 1,000,000 mixed operations at 100 in flight; heap after forced GC, before and after. */
async function memoryBench(cache: ValkeyCache): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    notes.push('memory scenario skipped: run node with --expose-gc');
    return;
  }
  const value = record(1024, 1);
  const total = 1_000_000;
  const mixed: Op = (i) => {
    const k = `m${i % 10_000}`;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        return cache.set(k, value, TTL_S);
      case 3:
        return cache.get(`absent${i % 1000}`);
      case 4:
        return cache.incr('mcounter', 1, { ignoreKeyCheck: true });
      case 5:
        return cache.getOrSet(k, value, TTL_S);
      default:
        return cache.get(k);
    }
  };
  const run = async (n: number): Promise<number> => {
    let next = 0;
    const start = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n) await mixed(next++);
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    return (n * 1000) / (performance.now() - start);
  };
  await run(50_000); // warm-up: JIT, connection buffers, lazily built state
  const settle = async (): Promise<number> => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return process.memoryUsage().heapUsed;
  };
  const before = await settle();
  const opsPerSec = await run(total);
  const after = await settle();
  const growth = (after - before) / (1024 * 1024);
  const line =
    `Memory: ${total.toLocaleString('en')} mixed operations (30% set, 40% get hit, 10% get miss, ` +
    `10% incr, 10% getOrSet; 1 KB values, 100 in flight) at ${Math.round(opsPerSec)} ops/s: ` +
    `heap ${(before / 1048576).toFixed(1)} MB -> ${(after / 1048576).toFixed(1)} MB after GC, ` +
    `growth ${growth.toFixed(2)} MB (target < 5 MB: ${growth < 5 ? 'met' : 'missed'}).`;
  console.log(line);
  notes.push(line);
}

async function getCalls(node: { host: string; port: number }): Promise<number> {
  const info = parseInfo(String(await adminCommand(node, ['INFO', 'commandstats'])));
  const stat = info.get('cmdstat_get') ?? '';
  return Number(/calls=(\d+)/.exec(stat)?.[1] ?? 0);
}

async function sentinelBench(topology: SentinelTopology): Promise<void> {
  const sentinels = topology.sentinels.map((s) => ({ host: s.host, port: s.port }));
  const app = await NestFactory.createApplicationContext(
    {
      module: class SentinelBenchModule {},
      imports: [
        CacheModule.forRoot({
          default: {
            location: `valkey://${topology.serviceName}/0`,
            keyPrefix: 'sent',
            timeout: TTL_S,
            options: {
              clientClass: 'SentinelClient',
              sentinels: sentinels.map((s) => [s.host, s.port] as [string, number]),
            },
          },
        }),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  const raw = new Valkey({
    sentinels,
    name: topology.serviceName,
    role: 'slave',
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  try {
    const cache = app.get<ValkeyCache>(getCacheToken('default'));
    const value = record(1024, 1);
    const batch: Record<string, unknown> = {};
    for (let i = 0; i < KEYS; i++) batch[`k${i}`] = value;
    await cache.setMany(batch);
    const replicas = await topology.replicas();
    // Wait (bounded) until both replicas hold the keys.
    for (let t = 0; t < 50; t++) {
      const sizes = await Promise.all(replicas.map((r) => adminCommand(r, ['DBSIZE'])));
      if (sizes.every((s) => Number(s) >= KEYS)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const spread: string[] = [];
    const candidates: Array<[string, Op]> = [
      [
        "raw iovalkey role: 'slave' + JSON",
        async (i) => JSON.parse((await raw.get(cache.makeKey(`k${i % KEYS}`)))!) as unknown,
      ],
      ['ValkeyCache json (replica pool)', (i) => cache.get(`k${i % KEYS}`)],
    ];
    for (const inFlight of IN_FLIGHT) {
      const measured: Row[] = [];
      for (const [client, op] of candidates) {
        await measure(op, inFlight, WARMUP_MS, 0);
        const before = await Promise.all(replicas.map(getCalls));
        const m = await measure(op, inFlight, DURATION_MS, 0);
        const after = await Promise.all(replicas.map(getCalls));
        const calls = after.map((a, j) => a - before[j]!);
        const sum = calls.reduce((a, b) => a + b, 0) || 1;
        const shares = calls.map((c) => (100 * c) / sum);
        const deviation = Math.max(...shares.map((s) => Math.abs(s - 100 / shares.length)));
        spread.push(
          `${client}, ${inFlight} in flight: GETs per replica ${calls.join(' / ')} ` +
            `(${shares.map((s) => `${s.toFixed(1)}%`).join(' / ')}; ` +
            `${deviation.toFixed(1)} points from an even split)`,
        );
        measured.push({ scenario: 'Sentinel get hit', size: '1 KB', inFlight, client, ...m });
      }
      const floor = measured[0]!.opsPerSec;
      for (const r of measured) rows.push({ ...r, ratio: r.opsPerSec / floor });
    }
    for (const s of spread) console.log(s);
    notes.push(...spread.map((s) => `Replica spread (INFO commandstats): ${s}.`));
  } finally {
    raw.disconnect();
    await app.close();
  }
}

/** The wrapper's own cost per call with a stub connection (no network), json cache. */
async function overheadBench(location: string): Promise<string> {
  const app = await NestFactory.createApplicationContext(
    {
      module: class OverheadModule {},
      imports: [CacheModule.forRoot({ default: { location, keyPrefix: 'o', timeout: TTL_S } })],
    },
    { logger: ['error', 'warn'] },
  );
  try {
    const cache = app.get<ValkeyCache>(getCacheToken('default'));
    const lines = [
      '| call | value | raw stub + JSON, ns | ValkeyCache json, ns | added per call, ns |',
      '|---|---|--:|--:|--:|',
    ];
    for (const size of SIZES) {
      for (const o of await measureOverhead(cache, record(size, 1), QUICK ? 20_000 : 100_000)) {
        const line =
          `| ${o.name} | ${sizeLabel(size)} | ${o.rawNs.toFixed(0)} | ${o.cacheNs.toFixed(0)} | ` +
          `${(o.cacheNs - o.rawNs).toFixed(0)} |`;
        console.log(line);
        lines.push(line);
      }
    }
    return lines.join('\n');
  } finally {
    await app.close();
  }
}

function table(): string {
  const lines = [
    '| scenario | value | in flight | client | ops/s | p50 us | p99 us | x floor |',
    '|---|---|--:|---|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.size} | ${r.inFlight} | ${r.client} | ${Math.round(r.opsPerSec)} | ` +
        `${r.p50us.toFixed(0)} | ${r.p99us.toFixed(0)} | ${(r.ratio ?? 1).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** The hot-key scenario (getOrSet across expiry, with and without XFetch) on `location`. */
async function hotKeyBench(location: string): Promise<string> {
  const app = await NestFactory.createApplicationContext(
    {
      module: class HotKeyBenchModule {},
      imports: [
        CacheModule.forRoot({
          plain: { location, keyPrefix: 'hot-plain' },
          xfetch: { location, keyPrefix: 'hot-xf', options: { earlyRecompute: { beta: 1 } } },
        }),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  try {
    return await xfetchBench(
      app.get<ValkeyCache>(getCacheToken('plain')),
      app.get<ValkeyCache>(getCacheToken('xfetch')),
      { callers: 100, factoryMs: 100, timeoutS: QUICK ? 1 : 2, runMs: QUICK ? 3500 : 6500 },
      DURATION_MS,
    );
  } finally {
    await app.close();
  }
}

const started = new Date();
const servers: Array<{ stop(): Promise<void> }> = [];
let exitCode = 0;
let overhead = '';
let otelOverhead = '';
let hotKey = '';
try {
  // The stub replaces the connection before the first command: nothing connects to this port.
  overhead = await overheadBench('valkey://127.0.0.1:1/0');
  if (OVERHEAD_ONLY) process.exit(0);
  const standalone = await startStandalone();
  servers.push(standalone);
  if (!OTEL_ONLY) hotKey = await hotKeyBench(standalone.url(0));
  if (XFETCH_ONLY) {
    console.log(`\n${hotKey}\n`);
    await standalone.stop();
    process.exit(0);
  }
  if (!OTEL_ONLY) await standaloneBench(standalone);
  if (OTEL) {
    const otel = await otelBench(standalone, {
      rounds: QUICK ? 6 : 12,
      sliceMs: QUICK ? 150 : 300,
      inFlight: IN_FLIGHT,
      overheadCalls: QUICK ? 20_000 : 100_000,
      value: record(1024, 1),
    });
    rows.push(...otel.rows.map((r) => ({ ...r, size: '1 KB' })));
    otelOverhead = otel.overhead;
    notes.push(
      'OTel rows: one run, candidates interleaved (each round runs every candidate for one ' +
        'slice, in a rotating order); "x floor" against raw iovalkey in the same rounds.',
    );
  }
  if (SENTINEL && !OTEL_ONLY) {
    const topology = await startSentinelTopology();
    servers.push(topology);
    await sentinelBench(topology);
  }
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await Promise.allSettled(servers.map((s) => s.stop()));
}

if (rows.length > 0) {
  const header =
    `# Benchmark ${started.toISOString()}${QUICK ? ' (--quick)' : ''}\n\n` +
    `Node ${process.version}, ${process.platform}/${process.arch}, loopback Valkey started by the ` +
    `test harness. ${DURATION_MS} ms per row after ${WARMUP_MS} ms of warm-up. "x floor" is ` +
    `ops/s divided by the first row of the same scenario (raw iovalkey, same commandTimeout as ` +
    `the module's default) in this run.\n\n`;
  const text =
    `${header}${table()}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\n` +
    `Wrapper overhead without a network (connection replaced by a stub that answers at once; ` +
    `best of 5 rounds):\n\n${overhead}\n` +
    (otelOverhead
      ? `\nOpenTelemetry observer without a network (same stub, 1 KB value):\n\n${otelOverhead}\n`
      : '') +
    (hotKey ? `\n${hotKey}\n` : '');
  console.log(`\n${text}`);
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.md`), text);
  writeFileSync(join(dir, 'latest.md'), text);
}
process.exit(exitCode);
