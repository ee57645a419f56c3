/**
 * Helpers shared by the `cache-*.spec.ts` files: build a cache through Nest the way a user does,
 * open a plain iovalkey client on the same database, and count commands on the server.
 */
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule, type TestingModuleBuilder } from '@nestjs/testing';
import { Cluster, Valkey } from 'iovalkey';
import {
  CacheModule,
  getCacheToken,
  VALKEY_CONNECTION_FACTORY,
  type CacheConfig,
  type ValkeyCache,
} from '../../lib/index.js';
import { InMemoryClusterClient, InMemoryConnectionFactory } from '../../lib/testing/index.js';
import { adminCommand, type NodeAddress } from '../harness/admin-command.js';
import type { ClusterTopology } from '../harness/cluster.js';
import { sharedTopology } from '../harness/shared-topology.js';

/** The serializers and compressors every core behaviour runs under. */
export const SERIALIZERS = ['json', 'msgpack'] as const;
export const COMPRESSORS = ['identity', 'zlib', 'gzip', 'brotli', 'zstd', 'lz4'] as const;

/** `[serializer, compressor]` pairs: each serializer with each compressor. */
export const CODEC_MATRIX: ReadonlyArray<readonly [string, string]> = SERIALIZERS.flatMap((s) =>
  COMPRESSORS.map((c) => [s, c] as const),
);

/** Every serializer and every compressor once (for targets where the full matrix is redundant). */
export const CODEC_EACH_ONCE: ReadonlyArray<readonly [string, string]> = COMPRESSORS.map(
  (c, i) => [SERIALIZERS[i % SERIALIZERS.length]!, c] as const,
);

/** The shared standalone server started by the integration global setup. */
export function standalone(): NodeAddress {
  return sharedTopology().standalone;
}

/** `valkey://host:port/db` of the shared standalone server. */
export function standaloneUrl(db: number): string {
  return sharedTopology().valkeyUrl(db);
}

/** A cache built through `CacheModule.forRoot`, with a plain client on the same database. */
export interface CacheFixture {
  readonly app: TestingModule;
  readonly cache: ValkeyCache;
  /** A plain iovalkey client on the standalone server's database (not the cache's connection). */
  readonly raw: Valkey;
  /** The cache's connection name (unique per fixture), to find it in `CLIENT LIST`. */
  readonly connectionName: string;
  /** Closes the Nest app (and so the cache's connections) and the raw client. */
  close(): Promise<void>;
  /** Empties the keyspace the caches use (the database, or every primary of a cluster). */
  flush(): Promise<void>;
  /** `KEYS pattern` over the whole keyspace (every primary of a cluster). */
  rawKeys(pattern: string): Promise<string[]>;
}

/** Several caches of one `CacheModule.forRoot`, by alias. */
export interface CachesFixture extends Omit<CacheFixture, 'cache'> {
  readonly caches: Readonly<Record<string, ValkeyCache>>;
}

/** A cache config whose `location` defaults to the standalone server's database. */
export type FixtureConfig = Omit<CacheConfig, 'location'> & { location?: CacheConfig['location'] };

/**
 * Boots `CacheModule.forRoot` with `configs` as a user would: each config gets `location` where it
 * sets none, then `overrides` (e.g. the cluster backend), and one connection name shared by the
 * caches of this fixture (unique per call), to find their connections in `CLIENT LIST`.
 */
async function bootCaches(
  configs: Record<string, FixtureConfig>,
  location: CacheConfig['location'],
  overrides: Partial<CacheConfig> = {},
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
): Promise<{ app: TestingModule; caches: Record<string, ValkeyCache>; connectionName: string }> {
  const connectionName = `nvc-test-${randomUUID()}`;
  const full: Record<string, CacheConfig> = {};
  for (const [alias, config] of Object.entries(configs)) {
    const options = config.options ?? {};
    full[alias] = {
      ...config,
      ...overrides,
      location: config.location ?? location,
      options: {
        ...options,
        connectionPoolKwargs: { connectionName, ...(options.connectionPoolKwargs ?? {}) },
      },
    };
  }
  const app = await customize(
    Test.createTestingModule({ imports: [CacheModule.forRoot(full)] }),
  ).compile();
  await app.init();
  const caches = Object.fromEntries(
    Object.keys(full).map((alias) => [alias, app.get<ValkeyCache>(getCacheToken(alias))]),
  );
  return { app, caches, connectionName };
}

/**
 * Builds the caches through `Test.createTestingModule({ imports: [CacheModule.forRoot(...)] })`
 * as a user would, and returns them by alias. Every `location` defaults to the standalone
 * server's database `db`; every connection is named `connectionName`.
 */
export async function openCaches(
  db: number,
  configs: Record<string, FixtureConfig>,
): Promise<CachesFixture> {
  const booted = await bootCaches(configs, standaloneUrl(db));
  const { host, port } = standalone();
  const raw = new Valkey({ host, port, db, lazyConnect: true, maxRetriesPerRequest: 1 });
  return oneServerFixture(booted, raw, () => raw.quit().catch(() => raw.disconnect()));
}

/** A fixture whose whole keyspace is the one database `raw` is connected to. */
function oneServerFixture(
  booted: Awaited<ReturnType<typeof bootCaches>>,
  raw: Valkey,
  closeRaw: () => unknown,
): CachesFixture {
  return {
    ...booted,
    raw,
    async close() {
      await booted.app.close();
      await closeRaw();
    },
    async flush() {
      await raw.flushdb();
    },
    rawKeys: (pattern) => raw.keys(pattern),
  };
}

/** {@link openCaches} with one cache, `default` unless `alias` says otherwise. */
export async function openCache(
  db: number,
  config: FixtureConfig = {},
  alias = 'default',
): Promise<CacheFixture> {
  const fx = await openCaches(db, { [alias]: config });
  return { ...fx, cache: fx.caches[alias]! };
}

/**
 * Where the shared API suites (`api-*.ts`) run: the standalone server's database `db`, or a
 * Valkey Cluster. `kind` lets a suite skip the few cases that cannot hold on a cluster.
 */
export interface ApiTarget {
  readonly kind: 'standalone' | 'cluster' | 'memory';
  /** The in-memory store of the testing kit (`kind` `'memory'`, or its cluster backend). */
  readonly inMemory?: boolean;
  /** Like {@link openCaches}, with every `location` (and the backend) pointing at the target. */
  openCaches(configs: Record<string, FixtureConfig>): Promise<CachesFixture>;
}

/** The shared API suites against the shared standalone server's database `db`. */
export function standaloneTarget(db: number): ApiTarget {
  return { kind: 'standalone', openCaches: (configs) => openCaches(db, configs) };
}

/**
 * The shared API suites against database 0 of a server the spec started itself (`server` is
 * called when a suite opens its caches, after the spec's `beforeAll`), for specs that need a
 * keyspace no other spec flushes.
 */
export function ownServerTarget(
  server: () => NodeAddress & { url(db?: number): string },
): ApiTarget {
  return {
    kind: 'standalone',
    async openCaches(configs) {
      const target = server();
      const booted = await bootCaches(configs, target.url(0));
      const raw = new Valkey({
        host: target.host,
        port: target.port,
        db: 0,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
      });
      return oneServerFixture(booted, raw, () => raw.quit().catch(() => raw.disconnect()));
    },
  };
}

/**
 * The shared API suites against a Valkey Cluster (`backend: 'ValkeyClusterCache'`, db 0).
 * `topology` is called when a suite opens its caches (after the spec's `beforeAll` started the
 * cluster). `raw` is an iovalkey `Cluster`: the single-key commands the suites send through it
 * have the same signatures as on `Valkey`. `flush` empties every primary.
 */
export function clusterTarget(topology: () => ClusterTopology): ApiTarget {
  return {
    kind: 'cluster',
    async openCaches(configs) {
      const cluster = topology();
      const { app, caches, connectionName } = await bootCaches(configs, [...cluster.urls], {
        backend: 'ValkeyClusterCache',
      });
      const node = cluster.nodes[0]!;
      const rawCluster = new Cluster([{ host: node.host, port: node.port }], {
        lazyConnect: true,
        redisOptions: { maxRetriesPerRequest: 1 },
      });
      return {
        app,
        caches,
        raw: rawCluster as unknown as Valkey,
        connectionName,
        async close() {
          await app.close();
          await rawCluster.quit().catch(() => rawCluster.disconnect());
        },
        async flush() {
          await Promise.all((await cluster.primaries()).map((p) => adminCommand(p, ['FLUSHALL'])));
        },
        async rawKeys(pattern) {
          const perNode = await Promise.all(
            (await cluster.primaries()).map(
              async (p) => (await adminCommand(p, ['KEYS', pattern])) as string[],
            ),
          );
          return perNode.flat();
        },
      };
    },
  };
}

/** Where {@link memoryTarget} puts its caches (any URL works: nothing connects to it). */
export const MEMORY_LOCATION = 'valkey://in-memory.test:6379/0';

/**
 * The shared API suites on the in-memory store of `nestjs-valkey-cache/testing`, no server: the
 * caches boot as a user's test does, `overrideProvider(VALKEY_CONNECTION_FACTORY)
 * .useClass(InMemoryConnectionFactory)`, and `raw` is an in-memory connection to the same
 * keyspace (`CLIENT LIST`, `INFO commandstats` and the command traces work there too).
 */
export function memoryTarget(): ApiTarget {
  return {
    kind: 'memory',
    inMemory: true,
    async openCaches(configs) {
      const booted = await bootCaches(configs, MEMORY_LOCATION, {}, (builder) =>
        builder.overrideProvider(VALKEY_CONNECTION_FACTORY).useClass(InMemoryConnectionFactory),
      );
      const factory = booted.app.get<InMemoryConnectionFactory>(VALKEY_CONNECTION_FACTORY);
      const raw = factory.client(MEMORY_LOCATION);
      return oneServerFixture(booted, raw, () => raw.disconnect());
    },
  };
}

/**
 * The shared API suites on a `ValkeyClusterCache` run in memory (`options.clientClass:
 * InMemoryClusterClient` under the same factory override): the cluster's key rules (one command
 * per slot, cross-slot refusals) on one in-memory server. Its `kind` is `'cluster'`, so the
 * suites skip the single-connection round-trip checks exactly as on a real cluster.
 */
export function memoryClusterTarget(): ApiTarget {
  const memory = memoryTarget();
  return {
    kind: 'cluster',
    inMemory: true,
    openCaches(configs) {
      const clustered: Record<string, FixtureConfig> = {};
      for (const [alias, config] of Object.entries(configs)) {
        clustered[alias] = {
          ...config,
          backend: 'ValkeyClusterCache',
          options: { ...(config.options ?? {}), clientClass: InMemoryClusterClient },
        };
      }
      return memory.openCaches(clustered);
    },
  };
}

/** {@link ApiTarget.openCaches} with one cache, `default`. */
export async function openTargetCache(
  target: ApiTarget,
  config: FixtureConfig = {},
): Promise<CacheFixture> {
  const fx = await target.openCaches({ default: config });
  return { ...fx, cache: fx.caches['default']! };
}

/** `calls` of `cmdstat_<command>` in `INFO commandstats` (0 when never called). */
export async function commandCalls(client: Valkey, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const match = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** `CLIENT LIST` fields of the connection named `name` (undefined when not connected). */
export async function clientByName(
  client: Valkey,
  name: string,
): Promise<Record<string, string> | undefined> {
  const list = (await client.client('LIST')) as string;
  for (const line of list.split('\n')) {
    const fields = Object.fromEntries(
      line
        .trim()
        .split(' ')
        .map((pair) => {
          const i = pair.indexOf('=');
          return [pair.slice(0, i), pair.slice(i + 1)] as const;
        }),
    );
    if (fields['name'] === name) return fields;
  }
  return undefined;
}

/**
 * Commands the connection named `name` has sent so far (`tot-cmds` of `CLIENT LIST`, exact
 * even while other test files use the same server) and its last command.
 */
export async function connectionCommands(
  client: Valkey,
  name: string,
): Promise<{ total: number; last: string }> {
  const fields = await clientByName(client, name);
  if (!fields) throw new Error(`no connection named ${name}`);
  return { total: Number(fields['tot-cmds']), last: fields['cmd'] ?? '' };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What {@link traceCommands} saw: each command sent, and how many round trips they took. */
export interface CommandTrace<T> {
  readonly result: T;
  /** Names of the commands sent, in order (lower case). */
  readonly commands: string[];
  /**
   * Round trips: commands sent before any reply arrived count as one, and each wait for a reply
   * before sending more starts another.
   */
  readonly roundTrips: number;
}

type SendCommand = Valkey['sendCommand'];

/**
 * Runs `fn` while recording every command `client` sends (through `sendCommand`, which plain
 * commands, pipelines and transactions all use). A command sent after `k` replies have arrived
 * belongs to round trip `k`; the number of distinct `k` is the number of round trips. The client
 * must already be connected (the handshake would count otherwise).
 */
export async function traceCommands<T>(
  client: Valkey,
  fn: () => Promise<T>,
): Promise<CommandTrace<T>> {
  const commands: string[] = [];
  const epochs = new Set<number>();
  let replies = 0;
  const original: SendCommand = client.sendCommand;
  // `...rest` passes on what a Cluster's `sendCommand` also takes (the node).
  const traced: SendCommand = function (this: Valkey, command, stream, ...rest: unknown[]) {
    commands.push(command.name.toLowerCase());
    epochs.add(replies);
    const settled = (): void => {
      replies++;
    };
    command.promise.then(settled, settled);
    return (original as (...args: unknown[]) => ReturnType<SendCommand>).call(
      this,
      command,
      stream,
      ...rest,
    );
  };
  client.sendCommand = traced;
  try {
    const result = await fn();
    return { result, commands, roundTrips: epochs.size };
  } finally {
    client.sendCommand = original;
  }
}
