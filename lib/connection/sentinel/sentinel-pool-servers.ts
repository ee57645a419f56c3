import type { RedisOptions, Valkey } from 'iovalkey';
import type { NodeAddress } from '../node-address.js';

/**
 * Addresses of a Sentinel pool's servers: the ones the sentinels name, the ones its connections
 * go to through the user's `natMap`, and the one a socket is connected to.
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

/** The server a client's socket is connected to (IPv4-mapped addresses as IPv4), if any. */
export function socketAddress(client: Valkey): NodeAddress | null {
  const stream = client.stream as Valkey['stream'] | undefined;
  if (!stream?.remoteAddress || stream.remotePort === undefined) return null;
  return { host: stream.remoteAddress.replace(/^::ffff:/, ''), port: stream.remotePort };
}
