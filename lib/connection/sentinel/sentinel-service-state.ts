import { sameAddress, type NodeAddress } from '../node-address.js';

/** What the sentinels report for one service. */
export interface SentinelTopologySnapshot {
  /** The current primary (during a failover, the promoted replica as soon as the leader says so). */
  readonly primary: NodeAddress | null;
  /** Replicas the sentinels report healthy (not down, not disconnected, linked to the primary). */
  readonly replicas: readonly NodeAddress[];
}

/** What one refresh found. */
export interface ServiceState extends SentinelTopologySnapshot {
  /** The sentinels flag the primary `s_down`/`o_down`: replicas with a broken link still serve reads. */
  readonly primaryDown: boolean;
}

/** Flags of a `SENTINEL REPLICAS` entry that make it unusable. */
const UNHEALTHY_FLAGS = ['s_down', 'o_down', 'disconnected'];

/** Parses a RESP2 flat `[k1, v1, k2, v2, …]` reply (SENTINEL MASTER/REPLICAS) into a map. */
function flatMap(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

export function parseState(primary: NodeAddress, master: unknown, replicas: unknown): ServiceState {
  const masterFlags = (flatMap(master).get('flags') ?? '').split(',');
  const primaryDown = masterFlags.includes('s_down') || masterFlags.includes('o_down');
  const healthy: NodeAddress[] = [];
  for (const raw of Array.isArray(replicas) ? replicas : []) {
    const entry = flatMap(raw);
    const flags = (entry.get('flags') ?? '').split(',');
    if (flags.some((f) => UNHEALTHY_FLAGS.includes(f))) continue;
    const role = entry.get('role-reported');
    if (role !== undefined && role !== 'slave') continue;
    // With the primary down every replica's link is down: they still serve (stale) reads.
    if (entry.get('master-link-status') !== 'ok' && !primaryDown) continue;
    const address = { host: entry.get('ip') ?? '', port: Number(entry.get('port')) };
    if (!address.host || !Number.isInteger(address.port) || sameAddress(address, primary)) continue;
    healthy.push(address);
  }
  return { primary, replicas: healthy, primaryDown };
}
