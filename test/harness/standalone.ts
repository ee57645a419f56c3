import type { RedisOptions } from 'iovalkey';
import type { NodeAddress } from './admin-command.js';
import { newProcess, startOnFreePort } from './node-factory.js';
import { serverArgs } from './process-config.js';
import { RunDirectory } from './run-directory.js';
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
}

/** A running standalone `valkey-server`. */
export interface StandaloneServer extends NodeAddress {
  readonly pid: number;
  /** Run directory (data, log, pidfile); removed by {@link StandaloneServer.stop}. */
  readonly dir: string;
  /** The process handle (kill, pause, log tail, ...). */
  readonly node: ValkeyProcess;
  /** `valkey://127.0.0.1:<port>/<db>`. */
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
  const clientOptions: RedisOptions = { ...options.clientOptions };
  if (options.requirepass !== undefined) clientOptions.password = options.requirepass;
  let node: ValkeyProcess;
  try {
    node = await startOnFreePort(
      (port) => newProcess(run, 'server', 'standalone', port, clientOptions),
      (process) =>
        serverArgs({
          ...process.spec,
          requirepass: options.requirepass,
          extraArgs: options.extraServerArgs,
        }),
      options.startTimeoutMs,
    );
  } catch (error) {
    run.cleanUpNow();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    host: node.host,
    port: node.port,
    get pid() {
      return node.pid;
    },
    dir: run.dir,
    node,
    url: (db = 0) => `valkey://${node.host}:${node.port}/${db}`,
    stop: () => {
      stopping ??= node.stop().then(() => run.dispose());
      return stopping;
    },
  };
}
