/** A server or sentinel address. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port`. */
export function formatAddress(address: NodeAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** Same host and port (IPv4-mapped IPv6 addresses compare equal to their IPv4 form). */
export function sameAddress(
  a: NodeAddress | null | undefined,
  b: NodeAddress | null | undefined,
): boolean {
  if (!a || !b) return false;
  const norm = (h: string): string => h.replace(/^::ffff:/, '').toLowerCase();
  return a.port === b.port && norm(a.host) === norm(b.host);
}
