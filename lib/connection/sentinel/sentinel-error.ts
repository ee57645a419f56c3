/**
 * The sentinels could not name a server for the service: none reachable, or none knows the
 * service name. Raised by the first command of a connection, never at boot.
 */
export class SentinelError extends Error {
  override readonly name = 'SentinelError';
}

export function explainResolution(
  service: string,
  unknown: readonly string[],
  unreachable: readonly string[],
): string {
  const head = `Sentinel: cannot find the servers of service '${service}': `;
  if (unreachable.length === 0) {
    return (
      `${head}no sentinel knows a primary named '${service}' (SENTINEL GET-MASTER-ADDR-BY-NAME returned nil from ` +
      `${unknown.join(', ')}); check the service name in the location (valkey://<service_name>/<db>)`
    );
  }
  if (unknown.length === 0) return `${head}no sentinel is reachable: ${unreachable.join('; ')}`;
  return (
    `${head}the reachable sentinels (${unknown.join(', ')}) do not know a primary named '${service}', ` +
    `the others are unreachable: ${unreachable.join('; ')}`
  );
}
