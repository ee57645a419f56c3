import { parseFlatMap, parseInfo, type NodeAddress } from './admin-command.js';
import type { ValkeyProcess } from './valkey-process.js';

/** Bound for one status query, in ms. */
export const STATUS_TIMEOUT_MS = 500;

/** A replica as one sentinel reports it (`SENTINEL REPLICAS <name>`). */
export interface SentinelReplicaEntry extends NodeAddress {
  /** e.g. `['slave']`, `['s_down', 'slave', 'disconnected']` */
  readonly flags: readonly string[];
  /** `ok` or `err` */
  readonly masterLinkStatus: string;
}

/** A replica connection as its primary reports it (`INFO replication`, `slaveN:` lines). */
export interface ConnectedReplica extends NodeAddress {
  /** e.g. `online`, `wait_bgsave`, `send_bulk` */
  readonly state: string;
}

/** The replication section of one server. */
export interface ReplicationInfo {
  /** `master` or `slave` */
  readonly role: string;
  /** For a replica: its primary. */
  readonly primary?: NodeAddress;
  /** For a replica: `master_link_status`, `up` when synced. */
  readonly linkStatus?: string;
  /** For a replica: a full sync is running. */
  readonly syncInProgress: boolean;
  /** For a primary: connected replicas. */
  readonly replicas: readonly ConnectedReplica[];
}

/** Flags that make a sentinel entry unusable. */
const UNHEALTHY_FLAGS = ['s_down', 'o_down', 'disconnected'];

/** True when a sentinel's replica entry is up, connected and linked to its primary. */
export function isHealthyReplicaEntry(entry: SentinelReplicaEntry): boolean {
  return (
    entry.masterLinkStatus === 'ok' && !entry.flags.some((flag) => UNHEALTHY_FLAGS.includes(flag))
  );
}

/** `SENTINEL GET-MASTER-ADDR-BY-NAME`: the primary this sentinel knows, or null. */
export async function sentinelPrimary(
  sentinel: ValkeyProcess,
  serviceName: string,
): Promise<NodeAddress | null> {
  const reply = await sentinel.command(
    ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', serviceName],
    STATUS_TIMEOUT_MS,
  );
  if (!Array.isArray(reply) || reply.length < 2) return null;
  return { host: String(reply[0]), port: Number(reply[1]) };
}

/** `SENTINEL MASTER <name>` as a field map (`num-other-sentinels`, `flags`, ...). */
export async function sentinelMaster(
  sentinel: ValkeyProcess,
  serviceName: string,
): Promise<Map<string, string>> {
  return parseFlatMap(
    await sentinel.command(['SENTINEL', 'MASTER', serviceName], STATUS_TIMEOUT_MS),
  );
}

/** `SENTINEL MASTERS`: the service names this sentinel monitors. */
export async function sentinelServiceNames(sentinel: ValkeyProcess): Promise<string[]> {
  const reply = await sentinel.command(['SENTINEL', 'MASTERS'], STATUS_TIMEOUT_MS);
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => parseFlatMap(entry).get('name') ?? '');
}

/** `SENTINEL REPLICAS <name>`, parsed. */
export async function sentinelReplicas(
  sentinel: ValkeyProcess,
  serviceName: string,
): Promise<SentinelReplicaEntry[]> {
  const reply = await sentinel.command(['SENTINEL', 'REPLICAS', serviceName], STATUS_TIMEOUT_MS);
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const fields = parseFlatMap(raw);
    return {
      host: fields.get('ip') ?? '',
      port: Number(fields.get('port')),
      flags: (fields.get('flags') ?? '').split(',').filter(Boolean),
      masterLinkStatus: fields.get('master-link-status') ?? '',
    };
  });
}

/** `INFO replication` of a server, parsed. */
export async function replicationInfo(server: ValkeyProcess): Promise<ReplicationInfo> {
  const fields = parseInfo(
    String(await server.command(['INFO', 'replication'], STATUS_TIMEOUT_MS)),
  );
  const replicas: ConnectedReplica[] = [];
  for (const [key, value] of fields) {
    if (!/^slave\d+$/.test(key)) continue;
    const parts = new Map(
      value.split(',').map((pair) => {
        const eq = pair.indexOf('=');
        return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
      }),
    );
    replicas.push({
      host: parts.get('ip') ?? '',
      port: Number(parts.get('port')),
      state: parts.get('state') ?? '',
    });
  }
  const primaryHost = fields.get('master_host');
  return {
    role: fields.get('role') ?? '',
    primary:
      primaryHost !== undefined
        ? { host: primaryHost, port: Number(fields.get('master_port')) }
        : undefined,
    linkStatus: fields.get('master_link_status'),
    syncInProgress: fields.get('master_sync_in_progress') === '1',
    replicas,
  };
}
