/**
 * Fault-injection helpers for standalone servers, on top of {@link startStandalone}: start a
 * killed server again on the same port and files, and start a server on a port chosen earlier
 * (the "server comes up after the app booted" case). Sentinel topologies have
 * `SentinelTopology.restart` for the same purpose.
 */
import { newProcess } from './node-factory.js';
import { serverArgs } from './process-config.js';
import { RunDirectory } from './run-directory.js';
import { standaloneHandle, type StandaloneServer } from './standalone.js';
import { START_TIMEOUT_MS, type ValkeyProcess } from './valkey-process.js';

/** Options of {@link restartStandalone} and {@link startStandaloneOnPort}. */
export interface RestartOptions {
  /** `--requirepass` of the server (as given to `startStandalone`). */
  requirepass?: string;
  /** Extra `valkey-server` arguments (as given to `startStandalone`). */
  extraServerArgs?: readonly string[];
  /** Bound for the start, in ms. */
  startTimeoutMs?: number;
}

/**
 * Starts a standalone server that was killed or stopped (SIGKILL via `server.node.kill()`) again
 * on the same port, directory and log file, and waits until it answers PING. The keyspace starts
 * empty (the harness runs without persistence).
 */
export async function restartStandalone(
  server: StandaloneServer,
  options: RestartOptions = {},
): Promise<void> {
  const node = server.node;
  if (node.running) throw new Error(`${node.spec.name} is still running (pid ${node.pid})`);
  await startNode(node, options);
}

/** Starts `node` on its own port with the arguments of `options`. */
function startNode(node: ValkeyProcess, options: RestartOptions): Promise<void> {
  return node.start(
    serverArgs({
      ...node.spec,
      requirepass: options.requirepass,
      extraArgs: options.extraServerArgs,
    }),
    options.startTimeoutMs ?? START_TIMEOUT_MS,
  );
}

/**
 * Starts a standalone server on `port` (e.g. one from `allocatePort()` that a cache was pointed
 * at before anything listened there) in a fresh temp directory, and waits until it answers PING.
 * Fails with `ProcessStartError` when the port was taken meanwhile.
 */
export async function startStandaloneOnPort(
  port: number,
  options: RestartOptions = {},
): Promise<StandaloneServer> {
  const run = RunDirectory.create();
  const node = newProcess(
    run,
    'server',
    'standalone',
    port,
    options.requirepass === undefined ? undefined : { password: options.requirepass },
  );
  try {
    await startNode(node, options);
  } catch (error) {
    run.cleanUpNow();
    throw error;
  }
  return standaloneHandle(run, node);
}
