import { readFileSync } from 'node:fs';
import type { NodeAddress } from './admin-command.js';
import type { TopologyDescription } from './sentinel-topology.js';

/** Environment variable holding the path of the shared topology JSON file. */
export const TOPOLOGY_FILE_ENV = 'NVC_TOPOLOGY_FILE';

/** Content of the JSON file written by the integration global setup. */
export interface SharedTopologyFile {
  readonly version: 1;
  /** PID of the process that owns the servers (the jest main process). */
  readonly ownerPid: number;
  readonly standalone: { host: string; port: number; pid: number; dir: string };
  readonly sentinel: TopologyDescription;
}

/** Read-only view of the shared servers, for tests that do not disturb them. */
export interface SharedTopology {
  /** The raw file content. */
  readonly file: SharedTopologyFile;
  /** Standalone server (its own process, not part of the sentinel topology). */
  readonly standalone: NodeAddress;
  /** Sentinel service name (unique per run). */
  readonly serviceName: string;
  /** Sentinel addresses. */
  readonly sentinels: readonly NodeAddress[];
  /** Sentinel addresses as `[host, port]` pairs (the django-valkey `SENTINELS` shape). */
  readonly sentinelPairs: readonly [string, number][];
  /** Primary at start. Tests must not fail it over; use `startSentinelTopology()` for that. */
  readonly primary: NodeAddress;
  /** Replicas at start. */
  readonly replicas: readonly NodeAddress[];
  /** `valkey://<host>:<port>/<db>` of the standalone server. */
  valkeyUrl(db?: number): string;
  /** `valkey://<serviceName>/<db>`: a sentinel location, resolved through {@link sentinels}. */
  sentinelUrl(db?: number): string;
}

/**
 * Reads the shared topology started by the integration project's global setup (path in
 * `NVC_TOPOLOGY_FILE`). Throws with a hint when run outside that project.
 */
export function sharedTopology(): SharedTopology {
  const path = process.env[TOPOLOGY_FILE_ENV];
  if (!path) {
    throw new Error(
      `${TOPOLOGY_FILE_ENV} is not set: run integration tests through jest --selectProjects integration ` +
        '(its globalSetup test/harness/global-setup.ts starts the shared servers)',
    );
  }
  const file = JSON.parse(readFileSync(path, 'utf8')) as SharedTopologyFile;
  if (file.version !== 1) throw new Error(`${path}: unsupported version ${String(file.version)}`);
  const address = (node: { host: string; port: number }): NodeAddress => ({
    host: node.host,
    port: node.port,
  });
  const primary = file.sentinel.nodes.find((node) => node.initialRole === 'primary');
  if (!primary) throw new Error(`${path}: no primary in the sentinel topology`);
  const standalone = address(file.standalone);
  const sentinels = file.sentinel.sentinels.map(address);
  return {
    file,
    standalone,
    serviceName: file.sentinel.serviceName,
    sentinels,
    sentinelPairs: sentinels.map((node) => [node.host, node.port]),
    primary: address(primary),
    replicas: file.sentinel.nodes.filter((node) => node.initialRole === 'replica').map(address),
    valkeyUrl: (db = 0) => `valkey://${standalone.host}:${standalone.port}/${db}`,
    sentinelUrl: (db = 0) => `valkey://${file.sentinel.serviceName}/${db}`,
  };
}
