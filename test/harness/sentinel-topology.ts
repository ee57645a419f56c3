import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisOptions } from 'iovalkey';
import { formatAddress, sameAddress, type NodeAddress } from './admin-command.js';
import {
  DEFAULT_DOWN_AFTER_MS,
  DEFAULT_FAILOVER_TIMEOUT_MS,
  DEFAULT_PARALLEL_SYNCS,
  DEFAULT_REPLICAS,
  DEFAULT_SENTINELS,
  defaultQuorum,
} from './defaults.js';
import { newProcess, startOnFreePort } from './node-factory.js';
import { sentinelConfig, serverArgs } from './process-config.js';
import {
  isHealthyReplicaEntry,
  replicationInfo,
  sentinelMaster,
  sentinelPrimary,
  sentinelReplicas,
} from './replication-status.js';
import { RunDirectory } from './run-directory.js';
import { aclUserArgs } from './standalone.js';
import {
  adminTlsOptions,
  createTlsMaterial,
  tlsSentinelLines,
  tlsServerArgs,
  type HarnessTlsOptions,
  type TlsMaterial,
} from './tls.js';
import type { ValkeyProcess } from './valkey-process.js';
import { Pending, pending, waitFor } from './wait.js';

/** Options of {@link startSentinelTopology}. */
export interface SentinelTopologyOptions {
  /** Replicas of the initial primary (default {@link DEFAULT_REPLICAS}). */
  replicas?: number;
  /** Sentinels (default {@link DEFAULT_SENTINELS}). */
  sentinels?: number;
  /** `sentinel monitor` quorum (default: majority of the sentinels). */
  quorum?: number;
  /** `sentinel down-after-milliseconds`, in ms (default {@link DEFAULT_DOWN_AFTER_MS}). */
  downAfterMs?: number;
  /** `sentinel failover-timeout`, in ms (default {@link DEFAULT_FAILOVER_TIMEOUT_MS}). */
  failoverTimeoutMs?: number;
  /** `sentinel parallel-syncs` (default {@link DEFAULT_PARALLEL_SYNCS}). */
  parallelSyncs?: number;
  /** Service name; default `svc_<pid>_<random>`, unique so that other runs' sentinels ignore it. */
  serviceName?: string;
  /** Password of the servers (`requirepass`/`masterauth`, `sentinel auth-pass`, admin clients). */
  requirepass?: string;
  /** Appended to every `valkey-server` command line (TLS, ACL, ...). */
  extraServerArgs?: readonly string[];
  /** Sentinel config lines placed before `sentinel monitor` (e.g. `sentinel resolve-hostnames yes`). */
  sentinelGlobalConf?: readonly string[];
  /** Sentinel config lines placed after the monitor block (e.g. `sentinel auth-user <name> u`). */
  extraSentinelConf?: readonly string[];
  /**
   * `SENTINEL DEBUG` timings applied to every sentinel after each start, e.g.
   * `{ 'info-period': 1000 }` (ms) to refresh replica state every second instead of every 10 s.
   * Default: none, i.e. production timings.
   */
  sentinelDebug?: Readonly<Record<string, number>>;
  /** Extra iovalkey options for the harness's admin connections to servers (e.g. `tls`). */
  clientOptions?: RedisOptions;
  /** Extra iovalkey options for the harness's admin connections to sentinels. */
  sentinelClientOptions?: RedisOptions;
  /** Bound for the whole start until healthy, in ms (default 30000). */
  startTimeoutMs?: number;
  /**
   * TLS everywhere: data nodes serve TLS only (`tls-replication yes`), sentinels serve TLS only
   * and reach the servers and each other over TLS. `true` generates certificates into the run
   * directory; the harness's admin connections trust its CA and present its client certificate.
   */
  tls?: true | HarnessTlsOptions;
  /** ACL users of the data nodes (rest of a `user` directive, e.g. `app on >pw ~app:* +@all`). */
  aclUsers?: readonly string[];
  /**
   * The ACL user the sentinels and replicas authenticate to the data nodes with
   * (`sentinel auth-user`/`auth-pass`, `masteruser`/`masterauth`); add it to {@link aclUsers}.
   * The harness's admin connections use it too.
   */
  authUser?: { username: string; password: string };
  /** `requirepass` of the sentinels (they also use it with each other). */
  sentinelRequirepass?: string;
  /** ACL users of the sentinels (`user` lines in sentinel.conf). */
  sentinelAclUsers?: readonly string[];
}

/** Selects the awaited primary: a predicate, or "any node but this address". */
export type PrimaryMatcher = ((node: ValkeyProcess) => boolean) | { not: NodeAddress };

/** Plain-data description of a topology, for JSON files and logs. */
export interface TopologyDescription {
  readonly serviceName: string;
  readonly dir: string;
  readonly quorum: number;
  readonly sentinels: readonly { host: string; port: number; pid: number }[];
  readonly nodes: readonly {
    host: string;
    port: number;
    pid: number;
    initialRole: string;
    dataDir: string;
    logFile: string;
  }[];
}

/** Default bound of {@link SentinelTopology.waitForPrimary}, in ms. */
export const WAIT_PRIMARY_TIMEOUT_MS = 20_000;
/** Default bound of {@link SentinelTopology.waitForReplicas}, in ms. */
export const WAIT_REPLICAS_TIMEOUT_MS = 30_000;
/** Bound for {@link SentinelTopology.failover} to be accepted by a sentinel, in ms. */
const FAILOVER_ACCEPT_MS = 10_000;

/**
 * One primary, its replicas and the sentinels monitoring them, all daemonized on free loopback
 * ports in one temp directory. Use {@link startSentinelTopology} to create it.
 */
export class SentinelTopology {
  private stopping: Promise<void> | undefined;
  /** The certificates in use when started with `tls`. */
  readonly tls: TlsMaterial | undefined;
  /** Data nodes (primary first, then replicas, in start order). */
  readonly nodes: readonly ValkeyProcess[] = [];
  /** Sentinel processes. */
  readonly sentinelNodes: readonly ValkeyProcess[] = [];

  private constructor(
    private readonly run: RunDirectory,
    /** Service name given to `sentinel monitor`. */
    readonly serviceName: string,
    /** Quorum given to `sentinel monitor`. */
    readonly quorum: number,
    private readonly options: SentinelTopologyOptions,
  ) {
    if (options.tls !== undefined) {
      this.tls =
        (options.tls === true ? undefined : options.tls.material) ??
        createTlsMaterial(run.path('tls'));
    }
  }

  /** Creates the run directory and boots the topology (see {@link startSentinelTopology}). */
  static async start(options: SentinelTopologyOptions): Promise<SentinelTopology> {
    const sentinelCount = options.sentinels ?? DEFAULT_SENTINELS;
    const run = RunDirectory.create();
    let topology: SentinelTopology;
    try {
      topology = new SentinelTopology(
        run,
        options.serviceName ?? uniqueServiceName(),
        options.quorum ?? defaultQuorum(sentinelCount),
        options,
      );
    } catch (error) {
      run.cleanUpNow();
      throw error;
    }
    try {
      await topology.boot(options.replicas ?? DEFAULT_REPLICAS, sentinelCount);
      return topology;
    } catch (error) {
      await topology.stop().catch(() => run.cleanUpNow());
      throw error;
    }
  }

  /** Run directory (removed by {@link stop}). */
  get dir(): string {
    return this.run.dir;
  }

  /** Sentinel addresses, for client configuration. */
  get sentinels(): NodeAddress[] {
    return this.sentinelNodes.map((node) => ({ host: node.host, port: node.port }));
  }

  /** Every PID ever started by this topology (including restarts). */
  get startedPids(): number[] {
    return [...this.nodes, ...this.sentinelNodes].flatMap((node) => node.startedPids);
  }

  /** The node listening on `address`, if it belongs to this topology. */
  nodeAt(address: NodeAddress): ValkeyProcess | undefined {
    return [...this.nodes, ...this.sentinelNodes].find((node) => sameAddress(node, address));
  }

  /**
   * The current primary, as all reachable sentinels report it and as it confirms with ROLE.
   * Waits up to `timeoutMs` ms for such an agreement (default 5000).
   */
  primary(timeoutMs = 5000): Promise<ValkeyProcess> {
    return this.waitForPrimary(() => true, timeoutMs);
  }

  /**
   * Replicas of the current primary that every reachable sentinel reports healthy (no
   * `s_down`/`o_down`/`disconnected`, `master-link-status` ok). No waiting beyond `timeoutMs`
   * ms (default 5000) for the primary itself.
   */
  async replicas(timeoutMs = 5000): Promise<ValkeyProcess[]> {
    const primary = await this.primary(timeoutMs);
    const views = await Promise.all(
      this.reachableSentinels().map((sentinel) =>
        sentinelReplicas(sentinel, this.serviceName).catch(() => undefined),
      ),
    );
    const answered = views.filter((view) => view !== undefined);
    return this.nodes.filter(
      (node) =>
        !sameAddress(node, primary) &&
        answered.length > 0 &&
        answered.every((view) =>
          view.some((entry) => sameAddress(entry, node) && isHealthyReplicaEntry(entry)),
        ),
    );
  }

  /** SIGKILL `node` (server or sentinel) and wait until it is gone. */
  kill(node: ValkeyProcess): Promise<void> {
    return this.own(node).kill();
  }

  /** SIGSTOP `node`: it keeps its sockets but answers nothing (a hung host). */
  pause(node: ValkeyProcess): void {
    this.own(node).pause();
  }

  /** SIGCONT after {@link pause}. */
  resume(node: ValkeyProcess): void {
    this.own(node).resume();
  }

  /**
   * Starts a stopped or killed `node` again on the same port and files. A server starts as a
   * replica of the primary the sentinels currently report (or as primary if that is itself); a
   * sentinel starts from its own (rewritten) config file. Waits until it answers PING.
   */
  async restart(node: ValkeyProcess, timeoutMs = 10_000): Promise<void> {
    this.own(node);
    if (node.running) throw new Error(`${node.spec.name} is still running (pid ${node.pid})`);
    if (node.kind === 'sentinel') {
      await node.start([this.sentinelConfFile(node)], timeoutMs);
      await this.applySentinelDebug(node);
      return;
    }
    const primary = await this.agreedPrimaryAddress(timeoutMs);
    await node.start(
      this.serverArgsFor(node, sameAddress(primary, node) ? undefined : primary),
      timeoutMs,
    );
  }

  /**
   * Asks one reachable sentinel for `SENTINEL FAILOVER <name>` (retrying `INPROG`/`NOGOODSLAVE`
   * for up to 10 s). Does not wait for the switch: use {@link waitForPrimary}.
   *
   * @returns the primary before the failover
   */
  async failover(): Promise<ValkeyProcess> {
    const before = await this.primary();
    await waitFor(
      async () => {
        const [sentinel] = this.reachableSentinels();
        if (!sentinel) return pending('no sentinel running');
        const reply = await sentinel.command(['SENTINEL', 'FAILOVER', this.serviceName]);
        return reply === 'OK' ? true : pending(`SENTINEL FAILOVER answered ${String(reply)}`);
      },
      {
        timeoutMs: FAILOVER_ACCEPT_MS,
        intervalMs: 250,
        what: `a sentinel to accept SENTINEL FAILOVER ${this.serviceName}`,
        diagnostics: () => this.logTails(this.sentinelNodes),
      },
    );
    return before;
  }

  /**
   * Waits until every reachable sentinel reports the same primary, that primary matches
   * `matcher`, belongs to this topology, and answers ROLE with `master`.
   *
   * @param matcher predicate on the node, or `{ not: address }` to wait for a change
   * @param timeoutMs bound in ms (default {@link WAIT_PRIMARY_TIMEOUT_MS})
   * @returns the primary node
   */
  waitForPrimary(
    matcher: PrimaryMatcher,
    timeoutMs = WAIT_PRIMARY_TIMEOUT_MS,
  ): Promise<ValkeyProcess> {
    const accepts =
      typeof matcher === 'function'
        ? matcher
        : (node: ValkeyProcess) => !sameAddress(node, matcher.not);
    return waitFor(
      async () => {
        const agreed = await this.agreedPrimary();
        if (agreed instanceof Pending) return agreed;
        if (!accepts(agreed)) return pending(`primary is still ${formatAddress(agreed)}`);
        const role = await agreed.command(['ROLE']).catch((error: Error) => error.message);
        if (!Array.isArray(role) || role[0] !== 'master') {
          return pending(`${formatAddress(agreed)} answers ROLE ${JSON.stringify(role)}`);
        }
        return agreed;
      },
      {
        timeoutMs,
        what: `the sentinels of ${this.serviceName} to agree on a matching primary`,
        diagnostics: () => this.logTails(this.sentinelNodes),
      },
    );
  }

  /**
   * Waits until exactly `count` replicas are healthy: every reachable sentinel lists them
   * without `s_down`/`o_down`/`disconnected` and with `master-link-status` ok, the primary's
   * `INFO replication` shows them `online`, and each reports `master_link_status:up`.
   *
   * @param timeoutMs bound in ms (default {@link WAIT_REPLICAS_TIMEOUT_MS})
   * @returns the replica nodes
   */
  waitForReplicas(count: number, timeoutMs = WAIT_REPLICAS_TIMEOUT_MS): Promise<ValkeyProcess[]> {
    return waitFor(
      async () => {
        const primary = await this.agreedPrimary();
        if (primary instanceof Pending) return primary;
        for (const sentinel of this.reachableSentinels()) {
          const healthy = (await sentinelReplicas(sentinel, this.serviceName)).filter(
            isHealthyReplicaEntry,
          );
          if (healthy.length !== count) {
            return pending(
              `sentinel ${sentinel.port} sees ${healthy.length} healthy replicas: ${healthy.map(formatAddress).join(' ')}`,
            );
          }
        }
        const info = await replicationInfo(primary);
        const online = info.replicas.filter((replica) => replica.state === 'online');
        if (online.length !== count) {
          return pending(`primary ${primary.port} has ${online.length} online replicas`);
        }
        const replicas: ValkeyProcess[] = [];
        for (const entry of online) {
          const node = this.nodeAt(entry);
          if (!node) return pending(`unknown replica ${formatAddress(entry)}`);
          const status = await replicationInfo(node);
          if (status.linkStatus !== 'up' || status.syncInProgress) {
            return pending(
              `replica ${node.port} link ${status.linkStatus}, sync ${status.syncInProgress}`,
            );
          }
          replicas.push(node);
        }
        return replicas;
      },
      {
        timeoutMs,
        what: `${count} healthy replicas of ${this.serviceName}`,
        diagnostics: () => this.logTails([...this.nodes, ...this.sentinelNodes]),
      },
    );
  }

  /**
   * Waits until every running sentinel reports the primary and `num-other-sentinels` equal to
   * the number of other running sentinels (they found each other through hello messages).
   */
  waitForSentinels(timeoutMs = WAIT_PRIMARY_TIMEOUT_MS): Promise<void> {
    return waitFor(
      async () => {
        const sentinels = this.sentinelNodes.filter((node) => node.running && !node.paused);
        for (const sentinel of sentinels) {
          const fields = await sentinelMaster(sentinel, this.serviceName);
          const others = Number(fields.get('num-other-sentinels'));
          if (others !== sentinels.length - 1) {
            return pending(`sentinel ${sentinel.port} knows ${others} other sentinels`);
          }
        }
        return true;
      },
      {
        timeoutMs,
        what: `the sentinels of ${this.serviceName} to discover each other`,
        diagnostics: () => this.logTails(this.sentinelNodes),
      },
    ).then(() => undefined);
  }

  /**
   * {@link waitForPrimary} (any), {@link waitForSentinels} and {@link waitForReplicas}: the
   * state {@link startSentinelTopology} guarantees, e.g. to reset after a destructive test.
   *
   * @param replicas expected healthy replicas (default: all other data nodes)
   * @param timeoutMs bound in ms for the three waits together (default 30000)
   */
  async waitForHealthy(replicas = this.nodes.length - 1, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const remaining = (): number => Math.max(1000, deadline - Date.now());
    await this.waitForPrimary(() => true, remaining());
    await this.waitForSentinels(remaining());
    await this.waitForReplicas(replicas, remaining());
  }

  /** Plain-data snapshot (ports, PIDs, files) for JSON files. */
  describe(): TopologyDescription {
    return {
      serviceName: this.serviceName,
      dir: this.dir,
      quorum: this.quorum,
      sentinels: this.sentinelNodes.map((node) => ({
        host: node.host,
        port: node.port,
        pid: node.pid,
      })),
      nodes: this.nodes.map((node) => ({
        host: node.host,
        port: node.port,
        pid: node.pid,
        initialRole: node.initialRole,
        dataDir: node.dataDir,
        logFile: node.logFile,
      })),
    };
  }

  /**
   * Stops every process by PID (sentinels first, so that no failover starts during shutdown),
   * then removes the run directory. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const results = [
        ...(await Promise.allSettled(this.sentinelNodes.map((node) => node.stop()))),
        ...(await Promise.allSettled(this.nodes.map((node) => node.stop()))),
      ];
      const failures = results.filter((result) => result.status === 'rejected');
      if (failures.length > 0) {
        throw new AggregateError(
          failures.map((failure) => failure.reason as Error),
          `could not stop ${failures.length} process(es) of ${this.serviceName}; ${this.dir} kept`,
        );
      }
      this.run.dispose();
    })();
    return this.stopping;
  }

  /** Starts primary, replicas (waiting for their sync), sentinels, then waits until healthy. */
  private async boot(replicaCount: number, sentinelCount: number): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    const remaining = (): number => Math.max(1000, deadline - Date.now());
    const tlsClient = this.tls ? adminTlsOptions(this.tls) : {};
    const serverClient: RedisOptions = { ...tlsClient, ...this.options.clientOptions };
    if (this.options.requirepass !== undefined) serverClient.password = this.options.requirepass;
    if (this.options.authUser !== undefined) {
      serverClient.username = this.options.authUser.username;
      serverClient.password = this.options.authUser.password;
    }
    const sentinelClient: RedisOptions = { ...tlsClient, ...this.options.sentinelClientOptions };
    if (this.options.sentinelRequirepass !== undefined) {
      sentinelClient.password ??= this.options.sentinelRequirepass;
    }

    const primary = await startOnFreePort(
      (port) => newProcess(this.run, 'server', 'primary', port, serverClient),
      (node) => this.serverArgsFor(node, undefined),
      remaining(),
    );
    this.adopt(primary);
    const replicas = await settleAll(
      Array.from({ length: replicaCount }, async () => {
        const node = await startOnFreePort(
          (port) => newProcess(this.run, 'server', 'replica', port, serverClient),
          (replica) => this.serverArgsFor(replica, primary),
          remaining(),
        );
        this.adopt(node);
        return node;
      }),
    );
    await waitForSync(primary, replicas, remaining(), () => this.logTails(this.nodes));
    await settleAll(
      Array.from({ length: sentinelCount }, async () => {
        const node = await startOnFreePort(
          (port) => newProcess(this.run, 'sentinel', 'sentinel', port, sentinelClient),
          (sentinel) => this.sentinelArgsFor(sentinel, primary),
          remaining(),
        );
        this.adopt(node);
        await this.applySentinelDebug(node);
      }),
    );
    await this.waitForPrimary((node) => node === primary, remaining());
    await this.waitForSentinels(remaining());
    await this.waitForReplicas(replicaCount, remaining());
  }

  /** Path of the sentinel's own config file. */
  sentinelConfFile(sentinel: ValkeyProcess): string {
    return join(sentinel.dataDir, 'sentinel.conf');
  }

  /** Adds a started process. */
  private adopt(node: ValkeyProcess): void {
    (node.kind === 'sentinel'
      ? (this.sentinelNodes as ValkeyProcess[])
      : (this.nodes as ValkeyProcess[])
    ).push(node);
  }

  /** Command line of a data node. */
  private serverArgsFor(node: ValkeyProcess, replicaOf: NodeAddress | undefined): string[] {
    const auth = this.options.authUser;
    return serverArgs({
      ...node.spec,
      replicaOf,
      requirepass: this.options.requirepass,
      extraArgs: [
        ...(this.tls ? tlsServerArgs(node.port, this.tls, this.tlsAuthClients()) : []),
        ...aclUserArgs(this.options.aclUsers),
        ...(auth ? ['--masteruser', auth.username, '--masterauth', auth.password] : []),
        ...(this.options.extraServerArgs ?? []),
      ],
    });
  }

  private tlsAuthClients(): HarnessTlsOptions['authClients'] {
    return this.options.tls === true ? undefined : this.options.tls?.authClients;
  }

  /** Writes the sentinel's config file and returns its command line. */
  private sentinelArgsFor(sentinel: ValkeyProcess, primary: NodeAddress): string[] {
    const options = this.options;
    const confFile = this.sentinelConfFile(sentinel);
    mkdirSync(sentinel.dataDir, { recursive: true });
    writeFileSync(
      confFile,
      sentinelConfig({
        ...sentinel.spec,
        serviceName: this.serviceName,
        primary,
        quorum: this.quorum,
        downAfterMs: options.downAfterMs ?? DEFAULT_DOWN_AFTER_MS,
        failoverTimeoutMs: options.failoverTimeoutMs ?? DEFAULT_FAILOVER_TIMEOUT_MS,
        parallelSyncs: options.parallelSyncs ?? DEFAULT_PARALLEL_SYNCS,
        authPass: options.authUser?.password ?? options.requirepass,
        globalLines: [
          ...(this.tls ? tlsSentinelLines(sentinel.port, this.tls, this.tlsAuthClients()) : []),
          ...(options.sentinelRequirepass !== undefined
            ? [`requirepass "${options.sentinelRequirepass}"`]
            : []),
          ...(options.sentinelAclUsers ?? []).map((rule) => `user ${rule}`),
          ...(options.sentinelGlobalConf ?? []),
        ],
        extraLines: [
          ...(options.authUser
            ? [`sentinel auth-user ${this.serviceName} ${options.authUser.username}`]
            : []),
          ...(options.extraSentinelConf ?? []),
        ],
      }),
    );
    return [confFile];
  }

  /** Applies {@link SentinelTopologyOptions.sentinelDebug} to one sentinel. */
  private async applySentinelDebug(sentinel: ValkeyProcess): Promise<void> {
    const entries = Object.entries(this.options.sentinelDebug ?? {});
    if (entries.length === 0) return;
    const reply = await sentinel.command(['SENTINEL', 'DEBUG', ...entries.flat()]);
    if (reply !== 'OK') {
      throw new Error(`SENTINEL DEBUG on ${sentinel.port} answered ${String(reply)}`);
    }
  }

  private own(node: ValkeyProcess): ValkeyProcess {
    if (![...this.nodes, ...this.sentinelNodes].includes(node)) {
      throw new Error(`${node.spec.name} does not belong to ${this.serviceName}`);
    }
    return node;
  }

  private reachableSentinels(): ValkeyProcess[] {
    return this.sentinelNodes.filter((node) => node.running && !node.paused);
  }

  /** The primary all answering sentinels agree on, or why there is none. */
  private async agreedPrimary(): Promise<ValkeyProcess | Pending> {
    const answers = await Promise.all(
      this.reachableSentinels().map((sentinel) =>
        sentinelPrimary(sentinel, this.serviceName).catch(() => undefined),
      ),
    );
    const known = answers.filter(
      (answer): answer is NodeAddress => answer !== undefined && answer !== null,
    );
    const [first] = known;
    if (!first) return pending('no sentinel answered with a primary');
    if (!known.every((address) => sameAddress(address, first))) {
      return pending(`sentinels disagree: ${known.map(formatAddress).join(', ')}`);
    }
    const node = this.nodeAt(first);
    return node ?? pending(`sentinels report unknown primary ${formatAddress(first)}`);
  }

  private agreedPrimaryAddress(timeoutMs: number): Promise<NodeAddress> {
    return waitFor(() => this.agreedPrimary(), {
      timeoutMs,
      what: `a primary of ${this.serviceName} to restart against`,
      diagnostics: () => this.logTails(this.sentinelNodes),
    });
  }

  private logTails(nodes: readonly ValkeyProcess[]): string {
    return nodes.map((node) => node.logTail(15)).join('\n');
  }
}

/** Default unique service name: `svc_<pid>_<8 hex>`. */
function uniqueServiceName(): string {
  return `svc_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/**
 * Starts a primary, `replicas` replicas and `sentinels` sentinels on free loopback ports in a
 * fresh temp directory, and returns once the topology is healthy: the replicas are synced, all
 * sentinels agree on the primary, see each other and report every replica healthy.
 *
 * Every PID is registered for cleanup on exit and with a crash watchdog; call
 * {@link SentinelTopology.stop} when done.
 */
export function startSentinelTopology(
  options: SentinelTopologyOptions = {},
): Promise<SentinelTopology> {
  return SentinelTopology.start(options);
}

/**
 * Like `Promise.all`, but waits for every promise to settle before rejecting, so that no start
 * is still running when the caller cleans up.
 */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Waits until each replica reports `master_link_status:up` and the primary sees it online. */
async function waitForSync(
  primary: ValkeyProcess,
  replicas: readonly ValkeyProcess[],
  timeoutMs: number,
  diagnostics: () => string,
): Promise<void> {
  await waitFor(
    async () => {
      for (const replica of replicas) {
        const status = await replicationInfo(replica);
        if (status.linkStatus !== 'up' || status.syncInProgress) {
          return pending(`replica ${replica.port}: link ${status.linkStatus}`);
        }
      }
      const online = (await replicationInfo(primary)).replicas.filter((r) => r.state === 'online');
      return online.length === replicas.length ? true : pending(`${online.length} replicas online`);
    },
    { timeoutMs, intervalMs: 50, what: `replicas of ${primary.port} to sync`, diagnostics },
  );
}
