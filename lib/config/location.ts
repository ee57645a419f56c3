/** The URL schemes a location may use. `…s` schemes connect with TLS. */
export const LOCATION_SCHEMES = ['valkey:', 'valkeys:', 'redis:', 'rediss:', 'unix:'] as const;

/** Query parameters a location URL may carry (valkey-py's names). */
export const LOCATION_QUERY_PARAMS = [
  'db',
  'is_master',
  'socket_timeout',
  'socket_connect_timeout',
  'username',
  'password',
] as const;

/** A parsed location URL: everything that decides where and how to connect. */
export interface ParsedLocation {
  scheme: (typeof LOCATION_SCHEMES)[number];
  /** Host name, or for a Sentinel location the service (primary group) name. Empty for unix. */
  host: string;
  /** TCP port; `undefined` when the URL has none (the default applies). */
  port?: number;
  /** Unix socket path (`unix:///run/valkey.sock`). */
  path?: string;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** `?is_master=` as a boolean; `undefined` when absent. */
  isMaster?: boolean;
  /** `?socket_timeout=` in seconds. */
  socketTimeout?: number;
  /** `?socket_connect_timeout=` in seconds. */
  socketConnectTimeout?: number;
}

/** Raised by {@link parseLocation}; `message` never contains the URL's password. */
export class LocationError extends Error {
  override readonly name = 'LocationError';
}

// valkey-py's to_bool: these strings are false, anything else (non-empty) is true.
const FALSE_STRINGS = new Set(['0', 'f', 'false', 'n', 'no', 'off', '']);

/** Parses `?is_master=` the way valkey-py does (`0`, `false`, `no`, `off`, `f`, `n` are false). */
export function parseBoolParam(value: string): boolean {
  return !FALSE_STRINGS.has(value.trim().toLowerCase());
}

function parseSeconds(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new LocationError(
      `query parameter '${name}' must be a number of seconds >= 0, got '${value}'`,
    );
  }
  return n;
}

function parseDb(value: string, where: string): number {
  if (!/^\d+$/.test(value)) {
    throw new LocationError(`database ${where} must be a non-negative integer, got '${value}'`);
  }
  return Number(value);
}

/**
 * Parses one location URL (`valkey://[user:pass@]host[:port][/db][?db=N&is_master=0]`,
 * `valkeys://` or `rediss://` for TLS, `unix:///path/to.sock?db=N`).
 * Credentials may be percent-encoded. Throws {@link LocationError} on anything malformed.
 */
export function parseLocation(location: string): ParsedLocation {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new LocationError(
      `'${redactLocation(location)}' is not a URL (expected valkey://host:port/db, valkeys://, redis://, rediss:// or unix:///path)`,
    );
  }
  const scheme = url.protocol as ParsedLocation['scheme'];
  if (!(LOCATION_SCHEMES as readonly string[]).includes(scheme)) {
    throw new LocationError(
      `unsupported scheme '${url.protocol}' (expected one of ${LOCATION_SCHEMES.join(' ')})`,
    );
  }
  const parsed: ParsedLocation = {
    scheme,
    host: '',
    db: 0,
    tls: scheme === 'valkeys:' || scheme === 'rediss:',
  };
  if (url.username) parsed.username = decodeURIComponent(url.username);
  if (url.password) parsed.password = decodeURIComponent(url.password);

  if (scheme === 'unix:') {
    if (!url.pathname || url.pathname === '/')
      throw new LocationError('unix location needs a socket path');
    parsed.path = decodeURIComponent(url.pathname);
  } else {
    parsed.host = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1');
    if (!parsed.host) throw new LocationError('location has no host (or Sentinel service name)');
    if (url.port) {
      const port = Number(url.port);
      if (port < 1 || port > 65535)
        throw new LocationError(`port ${url.port} is out of range 1-65535`);
      parsed.port = port;
    }
    const dbPath = url.pathname.replace(/^\//, '');
    if (dbPath) parsed.db = parseDb(dbPath, 'in the path');
  }

  for (const [name, value] of url.searchParams) {
    switch (name) {
      case 'db':
        parsed.db = parseDb(value, "in '?db='");
        break;
      case 'is_master':
        parsed.isMaster = parseBoolParam(value);
        break;
      case 'socket_timeout':
        parsed.socketTimeout = parseSeconds(name, value);
        break;
      case 'socket_connect_timeout':
        parsed.socketConnectTimeout = parseSeconds(name, value);
        break;
      case 'username':
        parsed.username = value;
        break;
      case 'password':
        parsed.password = value;
        break;
      default:
        throw new LocationError(
          `unknown query parameter '${name}' (supported: ${LOCATION_QUERY_PARAMS.join(', ')})`,
        );
    }
  }
  return parsed;
}

/** Replaces the password of a location URL (in the userinfo or `?password=`) with `***`. */
export function redactLocation(location: string): string {
  return location
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * Splits a `location` setting into URLs: a list is used as given, a string is split on commas
 * (Django's `"url1,url2"` form). Blank entries are dropped.
 */
export function splitLocations(location: string | readonly string[]): string[] {
  const list = typeof location === 'string' ? location.split(',') : [...location];
  return list.map((l) => l.trim()).filter((l) => l.length > 0);
}
