import type { RedisOptions } from 'iovalkey';
import type { NodeAddress } from './admin-command.js';
import { newProcess, startOnFreePort } from './node-factory.js';
import { serverArgs } from './process-config.js';
import { RunDirectory } from './run-directory.js';
import {
  adminTlsOptions,
  createTlsMaterial,
  tlsServerArgs,
  type HarnessTlsOptions,
  type TlsMaterial,
} from './tls.js';
import type { ValkeyProcess } from './valkey-process.js';

/** Options of {@link startStandalone}. */
export interface StandaloneOptions {
  /** Sets `requirepass` (admin connections of the harness use it too). */
  requirepass?: string;
  /** Appended to the `valkey-server` command line (TLS, ACL, ...). */
  extraServerArgs?: readonly string[];
  /** Extra iovalkey options for the harness's own admin connections (e.g. `tls`). */
  clientOptions?: RedisOptions;
  /** Bound for the start, in ms. */
  startTimeoutMs?: number;
  /**
   * Serve TLS only (`--port 0 --tls-port <port>`): `true` generates certificates into the run
   * directory (see {@link createTlsMaterial}); the admin connections trust its CA and present
   * its client certificate.
   */
  tls?: true | HarnessTlsOptions;
  /**
   * ACL users, each the rest of a `user` directive, e.g. `app on >pw ~app:* +@all -flushdb`
   * (`--user` flags). The `default` user stays as configured (no password unless `requirepass`).
   */
  aclUsers?: readonly string[];
}

/** `--user` flags for {@link StandaloneOptions.aclUsers}. */
export function aclUserArgs(users: readonly string[] | undefined): string[] {
  return (users ?? []).flatMap((rule) => ['--user', ...rule.trim().split(/\s+/)]);
}

/** A running standalone `valkey-server`. */
export interface StandaloneServer extends NodeAddress {
  readonly pid: number;
  /** Run directory (data, log, pidfile); removed by {@link StandaloneServer.stop}. */
  readonly dir: string;
  /** The process handle (kill, pause, log tail, ...). */
  readonly node: ValkeyProcess;
  /** The certificates in use when started with `tls` (undefined otherwise). */
  readonly tls?: TlsMaterial;
  /** `valkey://127.0.0.1:<port>/<db>` (`valkeys://` when started with `tls`). */
  url(db?: number): string;
  /** Stops the server by PID and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts one daemonized standalone `valkey-server` on a free loopback port in a fresh temp
 * directory, and waits until it answers PING.
 */
export async function startStandalone(options: StandaloneOptions = {}): Promise<StandaloneServer> {
  const run = RunDirectory.create();
  let material: TlsMaterial | undefined;
  try {
    if (options.tls !== undefined) {
      material =
        (options.tls === true ? undefined : options.tls.material) ??
        createTlsMaterial(run.path('tls'));
    }
  } catch (error) {
    run.cleanUpNow();
    throw error;
  }
  const authClients = options.tls === true ? undefined : options.tls?.authClients;
  const clientOptions: RedisOptions = {
    ...(material && adminTlsOptions(material)),
    ...options.clientOptions,
  };
  if (options.requirepass !== undefined) clientOptions.password = options.requirepass;
  let node: ValkeyProcess;
  try {
    node = await startOnFreePort(
      (port) => newProcess(run, 'server', 'standalone', port, clientOptions),
      (process) =>
        serverArgs({
          ...process.spec,
          requirepass: options.requirepass,
          extraArgs: [
            ...(material ? tlsServerArgs(process.port, material, authClients) : []),
            ...aclUserArgs(options.aclUsers),
            ...(options.extraServerArgs ?? []),
          ],
        }),
      options.startTimeoutMs,
    );
  } catch (error) {
    run.cleanUpNow();
    throw error;
  }
  return standaloneHandle(run, node, material);
}

/**
 * The {@link StandaloneServer} of a started `node` in `run`; `stop()` stops it and removes the
 * run directory (once, however often it is called).
 */
export function standaloneHandle(
  run: RunDirectory,
  node: ValkeyProcess,
  material?: TlsMaterial,
): StandaloneServer {
  let stopping: Promise<void> | undefined;
  return {
    host: node.host,
    port: node.port,
    get pid() {
      return node.pid;
    },
    dir: run.dir,
    node,
    ...(material && { tls: material }),
    url: (db = 0) => `${material ? 'valkeys' : 'valkey'}://${node.host}:${node.port}/${db}`,
    stop: () => {
      stopping ??= node.stop().then(() => run.dispose());
      return stopping;
    },
  };
}
