/**
 * Helpers of the `sentinel-*.spec.ts` files: boot caches through Nest as a user does, count
 * commands on each node, and run a write/read loop during failovers.
 */
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CacheModule,
  getCacheToken,
  getSentinelClientToken,
  type CacheModuleOptions,
  type CachesConfig,
  type SentinelClient,
  type ValkeyCache,
} from '../../lib/index.js';
import { adminCommand, parseInfo, type NodeAddress } from '../harness/admin-command.js';

/** A Nest app with the caches of one `CacheModule.forRoot`. */
export interface SentinelApp {
  readonly app: TestingModule;
  cache(alias: string): ValkeyCache;
  /** The `SentinelClient` of `alias` through its token (`null` for a non-Sentinel cache). */
  sentinelClient(alias: string): SentinelClient | null;
  close(): Promise<void>;
}

/** Boots `CacheModule.forRoot(caches, moduleOptions)` with `Test.createTestingModule`. */
export async function bootApp(
  caches: CachesConfig,
  moduleOptions?: CacheModuleOptions,
): Promise<SentinelApp> {
  const app = await Test.createTestingModule({
    imports: [CacheModule.forRoot(caches, moduleOptions)],
  }).compile();
  await app.init();
  let closing: Promise<void> | undefined;
  return {
    app,
    cache: (alias) => app.get<ValkeyCache>(getCacheToken(alias)),
    sentinelClient: (alias) => app.get<SentinelClient | null>(getSentinelClientToken(alias)),
    close: () => (closing ??= app.close()),
  };
}

/** `[host, port]` pairs, the seed's `SENTINELS` shape. */
export function sentinelPairs(sentinels: readonly NodeAddress[]): Array<[string, number]> {
  return sentinels.map((s) => [s.host, s.port]);
}

/** A key prefix unique to this test run. */
export function uniquePrefix(tag: string): string {
  return `${tag}-${randomUUID().slice(0, 8)}`;
}

/** `calls` of `cmdstat_<command>` on a node (0 when never called). */
export async function commandCalls(node: NodeAddress, command: string): Promise<number> {
  const info = parseInfo(String(await adminCommand(node, ['INFO', 'commandstats'])));
  const stat = info.get(`cmdstat_${command.toLowerCase()}`);
  const match = stat ? /calls=(\d+)/.exec(stat) : null;
  return match ? Number(match[1]) : 0;
}

/** `cmdstat_<command>` calls on every node, keyed `host:port`. */
export async function callsByNode(
  nodes: readonly NodeAddress[],
  command: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const node of nodes)
    out.set(`${node.host}:${node.port}`, await commandCalls(node, command).catch(() => NaN));
  return out;
}

/** Per-node difference of two {@link callsByNode} snapshots. */
export function delta(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with a clear message when `promise` takes longer than `ms` (the "never hangs" bound). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One call of the {@link LoadLoop}. */
export interface LoopCall {
  readonly kind: 'set' | 'get';
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Writes `key-i = i` and reads back a recent key, with `concurrency` loops in flight, until
 * stopped. Records every call; a read that returns another key's value is counted as a mismatch.
 */
export class LoadLoop {
  readonly calls: LoopCall[] = [];
  /** Keys whose write was acknowledged, with the value and when. */
  readonly acked = new Map<string, { value: number; at: number }>();
  mismatches = 0;
  private running = true;
  private counter = 0;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly cache: ValkeyCache,
    private readonly prefix: string,
    concurrency = 4,
    private readonly pauseMs = 2,
  ) {
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const n = this.counter++;
      const key = `${this.prefix}:${n}`;
      let start = Date.now();
      try {
        await this.cache.set(key, { n, key }, 600);
        const end = Date.now();
        this.calls.push({ kind: 'set', key, start, end, ok: true });
        this.acked.set(key, { value: n, at: end });
      } catch (err) {
        this.calls.push({
          kind: 'set',
          key,
          start,
          end: Date.now(),
          ok: false,
          error: (err as Error).message,
        });
      }
      // read a key written a little earlier (may or may not exist on the node that serves it)
      const m = Math.max(0, n - 8);
      const readKey = `${this.prefix}:${m}`;
      start = Date.now();
      try {
        const got = await this.cache.get<{ n: number; key: string }>(readKey);
        if (got !== null && (got.n !== m || got.key !== readKey)) this.mismatches++;
        this.calls.push({ kind: 'get', key: readKey, start, end: Date.now(), ok: true });
      } catch (err) {
        this.calls.push({
          kind: 'get',
          key: readKey,
          start,
          end: Date.now(),
          ok: false,
          error: (err as Error).message,
        });
      }
      if (this.pauseMs > 0) await sleep(this.pauseMs);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** The longest call, in ms. */
  longestCall(): number {
    return this.calls.reduce((max, c) => Math.max(max, c.end - c.start), 0);
  }

  /**
   * The longest time without an acknowledged write between `from` and the last call, in ms
   * (the write outage).
   */
  writeOutage(from: number): { ms: number; start: number; end: number } {
    const acks = this.calls
      .filter((c) => c.kind === 'set' && c.ok && c.end >= from)
      .map((c) => c.end)
      .sort((a, b) => a - b);
    let best = { ms: 0, start: from, end: from };
    let prev = from;
    for (const t of acks) {
      if (t - prev > best.ms) best = { ms: t - prev, start: prev, end: t };
      prev = t;
    }
    return best;
  }

  /** Failed calls grouped by message. */
  errorSummary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls) if (!c.ok) out[c.error ?? '?'] = (out[c.error ?? '?'] ?? 0) + 1;
    return out;
  }
}
