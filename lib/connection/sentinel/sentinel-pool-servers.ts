import type { RedisOptions, Valkey } from 'iovalkey';
import type { NodeAddress } from '../node-address.js';
import type { SentinelTopologySnapshot } from './sentinel-service-state.js';

/**
 * Addresses of a Sentinel pool: which servers it uses (as the sentinels name them), where its
 * connections go (through the user's `natMap`), and how its iovalkey clients show them.
 */

/** Applies the user's `natMap` (from `connectionPoolKwargs`) to an address a sentinel named. */
export function applyNatMap(
  natMap: RedisOptions['natMap'] | undefined,
  address: NodeAddress,
): NodeAddress {
  if (!natMap) return address;
  const key = `${address.host}:${address.port}`;
  const mapped = typeof natMap === 'function' ? natMap(key) : natMap[key];
  return mapped ? { host: mapped.host, port: mapped.port } : address;
}

/**
 * The servers a pool of `role` uses when the sentinels last said `state`: the primary for the
 * primary pool. For the replica pool, `rotation` (the replicas admitted to the read rotation;
 * `undefined` before the first discovery, when the sentinels' healthy replicas stand in), or the
 * primary when that is empty, since reads then fall back to it.
 */
export function poolServers(
  role: 'primary' | 'replica',
  state: SentinelTopologySnapshot,
  rotation: readonly NodeAddress[] | undefined,
): NodeAddress[] {
  const primary = state.primary ? [copy(state.primary)] : [];
  if (role === 'primary') return primary;
  const replicas = rotation ?? state.replicas;
  return replicas.length > 0 ? replicas.map(copy) : primary;
}

/**
 * Writes the server a client goes to into its `options` (`host`, `port`, and `role` when given),
 * which is what users and iovalkey's own debug log read. A client whose connector resolves the
 * address (Sentinel mode, the replica pool's bootstrap client) otherwise keeps iovalkey's default
 * `localhost:6379`, a server it never connects to: `null` removes the address (and the role)
 * until it is known. iovalkey reads `role` only in Sentinel mode.
 */
export function showServer(
  client: Valkey,
  address: NodeAddress | null,
  role?: 'master' | 'slave' | null,
): void {
  const options = client.options;
  if (address) {
    options.host = address.host;
    options.port = address.port;
  } else {
    delete options.host;
    delete options.port;
  }
  if (role === null) delete options.role;
  else if (role !== undefined) options.role = role;
}

/**
 * Keeps {@link showServer} in step with the socket of a client whose connector resolves its
 * address: nothing before the first connection, then the server of the latest one.
 */
export function showConnectedServer(client: Valkey): void {
  showServer(client, null);
  client.on('connect', () => {
    const address = socketAddress(client);
    if (address) showServer(client, address);
  });
}

/** The server a client's socket is connected to (IPv4-mapped addresses as IPv4), if any. */
export function socketAddress(client: Valkey): NodeAddress | null {
  const stream = client.stream as Valkey['stream'] | undefined;
  if (!stream?.remoteAddress || stream.remotePort === undefined) return null;
  return { host: stream.remoteAddress.replace(/^::ffff:/, ''), port: stream.remotePort };
}

function copy(address: NodeAddress): NodeAddress {
  return { host: address.host, port: address.port };
}
