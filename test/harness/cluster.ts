import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { adminCommand, parseInfo, type NodeAddress } from './admin-command.js';
import { startStandalone, type StandaloneServer } from './standalone.js';
import { pending, waitFor } from './wait.js';

const run = promisify(execFile);

/** A running Valkey Cluster of daemonized `valkey-server` processes on loopback ports. */
export interface ClusterTopology {
  /** Every node, in start order (the first `primaries` were created as primaries). */
  readonly nodes: readonly StandaloneServer[];
  /** `valkey://host:port` of every node (startup nodes for a client). */
  readonly urls: readonly string[];
  /** The nodes that are primaries now (asked of the cluster). */
  primaries(): Promise<NodeAddress[]>;
  /** The nodes that are replicas now, with the primary each follows. */
  replicas(): Promise<Array<NodeAddress & { primaryId: string; id: string }>>;
  /** Waits until every node reports `cluster_state:ok` and agrees on the primaries. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node by PID and removes their directories. */
  stop(): Promise<void>;
}

interface NodeLine {
  id: string;
  address: NodeAddress;
  flags: string[];
  primaryId: string;
}

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, addr, flags, primaryId] = line.split(' ');
      const hostPort = addr!.split('@')[0]!;
      const i = hostPort.lastIndexOf(':');
      return {
        id: id!,
        address: { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) },
        flags: flags!.split(','),
        primaryId: primaryId!,
      };
    });
}

/** The server arguments of a cluster node (also needed to restart a killed node as one). */
export const CLUSTER_NODE_ARGS: readonly string[] = [
  '--cluster-enabled',
  'yes',
  '--cluster-config-file',
  'nodes.conf',
  '--cluster-node-timeout',
  '2000',
  '--cluster-replica-validity-factor',
  '0',
];

/**
 * Starts `primaries` primaries with `replicasPerPrimary` replicas each (default 3 + 3), every
 * node a daemonized `valkey-server --cluster-enabled yes` on a free loopback port in its own
 * temp directory, joins them with `valkey-cli --cluster create` and waits until the cluster is
 * healthy and every replica is in sync.
 */
export async function startCluster(
  primaries = 3,
  replicasPerPrimary = 1,
): Promise<ClusterTopology> {
  const nodes: StandaloneServer[] = [];
  const total = primaries * (1 + replicasPerPrimary);
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < total; i++) {
      nodes.push(
        await startStandalone({
          extraServerArgs: [...CLUSTER_NODE_ARGS],
        }),
      );
    }
    await run(
      'valkey-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `${n.host}:${n.port}`),
        '--cluster-replicas',
        String(replicasPerPrimary),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const clusterNodes = async (): Promise<NodeLine[]> => {
    for (const n of nodes) {
      try {
        return parseNodes(String(await adminCommand(n, ['CLUSTER', 'NODES'])));
      } catch {
        // try the next node
      }
    }
    throw new Error('no cluster node answered CLUSTER NODES');
  };
  const topology: ClusterTopology = {
    nodes,
    urls: nodes.map((n) => `valkey://${n.host}:${n.port}`),
    async primaries() {
      return (await clusterNodes())
        .filter((l) => l.flags.includes('master') && !l.flags.includes('fail'))
        .map((l) => l.address);
    },
    async replicas() {
      return (await clusterNodes())
        .filter((l) => l.flags.includes('slave'))
        .map((l) => ({ ...l.address, id: l.id, primaryId: l.primaryId }));
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          for (const n of nodes) {
            const info = parseInfo(String(await adminCommand(n, ['CLUSTER', 'INFO'])));
            if (info.get('cluster_state') !== 'ok')
              return pending(`${n.port}: cluster_state not ok`);
            const repl = parseInfo(String(await adminCommand(n, ['INFO', 'replication'])));
            if (repl.get('role') === 'slave' && repl.get('master_link_status') !== 'up') {
              return pending(`${n.port}: replica link not up`);
            }
          }
          const lines = await clusterNodes();
          if (lines.filter((l) => l.flags.includes('master')).length !== primaries) {
            return pending('primaries not agreed');
          }
          return true;
        },
        { timeoutMs, intervalMs: 100, what: 'cluster healthy' },
      );
    },
    stop,
  };
  try {
    await topology.waitHealthy();
  } catch (error) {
    await stop();
    throw error;
  }
  return topology;
}
