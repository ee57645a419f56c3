/**
 * The cost of `nestjs-valkey-cache/opentelemetry`: one Nest app with the same cache config four
 * times, measured **interleaved** (every round runs each candidate for one slice, in a rotating
 * order, so drift of a shared machine hits them alike) against raw iovalkey:
 * - `plain`: no observer attached (what an app that does not import the subpath runs);
 * - `no SDK`: instrumented, but no tracer or meter provider registered (the API's no-op ones);
 * - `OTel on`: instrumented with an SDK tracer provider that exports nothing (every span is
 *   created, recorded and ended) and an SDK meter provider (the duration histogram recorded);
 * - `OTel on + memory`: the same with an in-memory span exporter (cleared every round).
 * Also the per-call cost without a network (a stub connection) for the same four caches.
 */
import { NestFactory } from '@nestjs/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Valkey } from 'iovalkey';
import { CacheModule, getCacheToken, type ValkeyCache } from '../lib/index.js';
import { instrumentCaches } from '../lib/opentelemetry/index.js';
import { measure, type Measurement, type Op } from './measure.js';
import { measureOverhead } from './overhead.js';

export interface OtelRow extends Measurement {
  scenario: string;
  inFlight: number;
  client: string;
  ratio: number;
}

export interface OtelBenchOptions {
  rounds: number;
  sliceMs: number;
  inFlight: readonly number[];
  overheadCalls: number;
  value: unknown;
}

const ALIASES = ['plain', 'nosdk', 'otel', 'memory'] as const;
const LABEL: Record<(typeof ALIASES)[number], string> = {
  plain: 'ValkeyCache json, no observer',
  nosdk: 'ValkeyCache json, instrumented, no SDK',
  otel: 'ValkeyCache json, OTel on (no export)',
  memory: 'ValkeyCache json, OTel on (in-memory exporter)',
};

/** Runs `candidates` interleaved for `rounds` slices each; ops/s and the median p50/p99. */
async function interleaved(
  candidates: ReadonlyArray<readonly [string, Op]>,
  inFlight: number,
  options: OtelBenchOptions,
  betweenRounds: () => void,
): Promise<Array<[string, Measurement]>> {
  const totals = candidates.map(() => ({
    ops: 0,
    ms: 0,
    p50: [] as number[],
    p99: [] as number[],
  }));
  for (const [, op] of candidates) await measure(op, inFlight, options.sliceMs, 0); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (let j = 0; j < candidates.length; j++) {
      const idx = (round + j) % candidates.length;
      const m = await measure(candidates[idx]![1], inFlight, options.sliceMs, 0);
      const t = totals[idx]!;
      t.ops += m.ops;
      t.ms += (m.ops * 1000) / m.opsPerSec;
      t.p50.push(m.p50us);
      t.p99.push(m.p99us);
    }
    betweenRounds();
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  return candidates.map(([name], i) => {
    const t = totals[i]!;
    return [
      name,
      { ops: t.ops, opsPerSec: (t.ops * 1000) / t.ms, p50us: median(t.p50), p99us: median(t.p99) },
    ];
  });
}

/** The interleaved rows (get hit and set) and the no-network overhead table. */
export async function otelBench(
  server: { host: string; port: number },
  options: OtelBenchOptions,
): Promise<{ rows: OtelRow[]; overhead: string }> {
  const url = `valkey://${server.host}:${server.port}/0`;
  const app = await NestFactory.createApplicationContext(
    {
      module: class OtelBenchModule {},
      imports: [
        CacheModule.forRoot(
          Object.fromEntries(
            ALIASES.map((a) => [a, { location: url, keyPrefix: 'otel', timeout: 300 }]),
          ),
        ),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  const exporter = new InMemorySpanExporter();
  const silent = new BasicTracerProvider();
  const remembering = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const meterProvider = new MeterProvider();
  const raw = new Valkey({ host: server.host, port: server.port, commandTimeout: 5000 });
  const cache = (a: (typeof ALIASES)[number]): ValkeyCache =>
    app.get<ValkeyCache>(getCacheToken(a));
  const instrumented = [
    instrumentCaches([cache('nosdk')]),
    instrumentCaches([cache('otel')], { tracerProvider: silent, meterProvider }),
    instrumentCaches([cache('memory')], { tracerProvider: remembering, meterProvider }),
  ];
  const rows: OtelRow[] = [];
  const overheadLines = [
    '| call | cache | ns per call (stub connection) | added to no observer, ns |',
    '|---|---|--:|--:|',
  ];
  try {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    await cache('plain').setMany(Object.fromEntries(keys.map((k) => [k, options.value])));
    const rawKey = (i: number): string => cache('plain').makeKey(keys[i % keys.length]!);
    for (const inFlight of options.inFlight) {
      for (const [scenario, rawOp, cacheOp] of [
        [
          'OTel: get hit (interleaved)',
          (async (i) => JSON.parse((await raw.get(rawKey(i)))!) as unknown) as Op,
          (c: ValkeyCache): Op =>
            (i) =>
              c.get(keys[i % keys.length]!),
        ],
        [
          'OTel: set (interleaved)',
          ((i) => raw.set(rawKey(i), JSON.stringify(options.value), 'PX', 300_000)) as Op,
          (c: ValkeyCache): Op =>
            (i) =>
              c.set(keys[i % keys.length]!, options.value, 300),
        ],
      ] as const) {
        const measured = await interleaved(
          [
            ['raw iovalkey + JSON', rawOp],
            ...ALIASES.map((a) => [LABEL[a], cacheOp(cache(a))] as const),
          ],
          inFlight,
          options,
          () => exporter.reset(),
        );
        const floor = measured[0]![1].opsPerSec;
        for (const [client, m] of measured) {
          const row = { scenario, inFlight, client, ...m, ratio: m.opsPerSec / floor };
          rows.push(row);
          console.log(
            `${scenario.padEnd(28)} x${String(inFlight).padEnd(4)} ${client.padEnd(48)} ` +
              `${Math.round(m.opsPerSec).toString().padStart(7)} ops/s  p50 ${m.p50us.toFixed(0).padStart(5)} us  ` +
              `${row.ratio.toFixed(3)}x`,
          );
        }
      }
    }
    // Without a network: the stub answers at once, so the observer's own cost shows.
    const base = await measureOverhead(cache('plain'), options.value, options.overheadCalls);
    for (const a of ALIASES) {
      const o =
        a === 'plain'
          ? base
          : await measureOverhead(cache(a), options.value, options.overheadCalls);
      exporter.reset();
      o.forEach((r, i) => {
        const line = `| ${r.name} | ${LABEL[a]} | ${r.cacheNs.toFixed(0)} | ${(r.cacheNs - base[i]!.cacheNs).toFixed(0)} |`;
        console.log(line);
        overheadLines.push(line);
      });
    }
  } finally {
    for (const i of instrumented) i.detach();
    raw.disconnect();
    await app.close();
    await Promise.all([silent.shutdown(), remembering.shutdown(), meterProvider.shutdown()]);
  }
  return { rows, overhead: overheadLines.join('\n') };
}
