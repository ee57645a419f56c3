const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function idOf(value: object): number {
  let id = objectIds.get(value);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(value, id);
  }
  return id;
}

/**
 * A stable string for everything that shapes a connection, used to decide when two caches may
 * share one pool. Object keys are sorted; functions and class constructors count by identity;
 * Buffers (TLS certificates) by content. Two configs differing only in password get different
 * keys. The key holds secrets: never log it.
 */
export function connectionKey(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'function':
      return `fn#${idOf(value)}`;
    case 'symbol':
      return value.toString();
    default:
      break;
  }
  if (Buffer.isBuffer(value)) return `buf:${value.toString('hex')}`;
  if (Array.isArray(value)) return `[${value.map(connectionKey).join(',')}]`;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return `obj#${idOf(value as object)}`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${connectionKey(v)}`).join(',')}}`;
}
