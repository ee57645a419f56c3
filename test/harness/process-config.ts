import { BASE_SERVER_ARGS, HARNESS_HOST } from './defaults.js';
import type { NodeAddress } from './admin-command.js';

/** Files of one daemonized process. */
export interface DaemonFiles {
  /** Working directory (`--dir`). */
  readonly dataDir: string;
  /** `--pidfile`. */
  readonly pidFile: string;
  /** `--logfile`. */
  readonly logFile: string;
}

/** Inputs of {@link serverArgs}. */
export interface ServerArgsInput extends DaemonFiles {
  readonly port: number;
  /** Start as a replica of this node. */
  readonly replicaOf?: NodeAddress;
  /** `--requirepass` and `--masterauth`. */
  readonly requirepass?: string;
  /** Appended verbatim (TLS, ACL, ...). */
  readonly extraArgs?: readonly string[];
}

/**
 * Command-line arguments of a daemonized harness `valkey-server`: loopback only, no persistence,
 * `repl-diskless-sync-delay 0`, pid and log files in `dataDir`.
 */
export function serverArgs(input: ServerArgsInput): string[] {
  const args = [
    '--port',
    String(input.port),
    ...BASE_SERVER_ARGS,
    '--dir',
    input.dataDir,
    '--daemonize',
    'yes',
    '--pidfile',
    input.pidFile,
    '--logfile',
    input.logFile,
  ];
  if (input.requirepass !== undefined) {
    args.push('--requirepass', input.requirepass, '--masterauth', input.requirepass);
  }
  if (input.replicaOf) {
    args.push('--replicaof', input.replicaOf.host, String(input.replicaOf.port));
  }
  return [...args, ...(input.extraArgs ?? [])];
}

/** Inputs of {@link sentinelConfig}. */
export interface SentinelConfigInput extends DaemonFiles {
  readonly port: number;
  readonly serviceName: string;
  readonly primary: NodeAddress;
  readonly quorum: number;
  /** ms */
  readonly downAfterMs: number;
  /** ms */
  readonly failoverTimeoutMs: number;
  readonly parallelSyncs: number;
  /** Password of the monitored servers (`sentinel auth-pass`). */
  readonly authPass?: string;
  /** Lines placed before `sentinel monitor` (e.g. `sentinel resolve-hostnames yes`, TLS). */
  readonly globalLines?: readonly string[];
  /** Lines placed after the monitor block (e.g. `sentinel auth-user NAME u`). */
  readonly extraLines?: readonly string[];
}

/**
 * Text of a sentinel configuration file. Sentinel rewrites this file, so each sentinel needs its
 * own writable copy. Protected mode is left on: it only refuses non-loopback clients.
 */
export function sentinelConfig(input: SentinelConfigInput): string {
  const name = input.serviceName;
  const lines = [
    `port ${input.port}`,
    `bind ${HARNESS_HOST}`,
    'daemonize yes',
    `pidfile ${quote(input.pidFile)}`,
    `logfile ${quote(input.logFile)}`,
    `dir ${quote(input.dataDir)}`,
    ...(input.globalLines ?? []),
    `sentinel monitor ${name} ${input.primary.host} ${input.primary.port} ${input.quorum}`,
    `sentinel down-after-milliseconds ${name} ${input.downAfterMs}`,
    `sentinel failover-timeout ${name} ${input.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} ${input.parallelSyncs}`,
  ];
  if (input.authPass !== undefined) lines.push(`sentinel auth-pass ${name} ${input.authPass}`);
  lines.push(...(input.extraLines ?? []));
  return `${lines.join('\n')}\n`;
}

/** Double-quotes a path for a Valkey config file. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
