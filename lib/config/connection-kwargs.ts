import { didYouMean } from './did-you-mean.js';

type Problem = { path: string; message: string };

/**
 * iovalkey options that `connectionPoolKwargs` may not set, with what to use instead: each would
 * change the stored keys, the server or database a cache talks to, or the connection machinery
 * the module owns (iovalkey would take them silently).
 */
const OWNED: Readonly<Record<string, string>> = {
  keyPrefix:
    "is owned by the module (iovalkey would prefix every stored key a second time); use the cache's keyPrefix",
  host: "is owned by the module; put the host in the cache's location URL",
  port: "is owned by the module; put the port in the cache's location URL",
  path: 'is owned by the module (it would send every command to that unix socket); use a unix:// location',
  db: 'is owned by the module; put the database in the location URL (valkey://host:port/<db>)',
  commandTimeout: 'is owned by the module; use options.socketTimeout (seconds)',
  connectTimeout: 'is owned by the module; use options.socketConnectTimeout (seconds)',
  name: 'is owned by the module (the Sentinel service name comes from the location: valkey://<service>/<db>); the client name is connectionPoolKwargs.connectionName',
  role: 'is owned by the module; pick the primary or the replicas with ?is_master=1 / ?is_master=0 in the location',
  lazyConnect: 'is owned by the module (pools open nothing before their first command)',
  Connector: 'is owned by the module; use options.connectionFactory or options.connectionPoolClass',
  sentinels: 'is owned by the module; use options.sentinels',
  sentinelUsername: 'is owned by the module; use options.sentinelKwargs.username',
  sentinelPassword: 'is owned by the module; use options.sentinelKwargs.password',
  sentinelTLS: 'is owned by the module; use options.sentinelKwargs.tls',
  sentinelCommandTimeout:
    'is owned by the module; use options.sentinelKwargs.socketTimeout (seconds)',
  enableTLSForSentinelMode:
    'is owned by the module (on when the data nodes use TLS: a valkeys:// location)',
  sentinelRetryStrategy:
    'is owned by the module (its Sentinel pools fail fast and retry on next use)',
  sentinelReconnectStrategy: 'is owned by the module',
  sentinelMaxConnections: 'is owned by the module',
  failoverDetector: 'is owned by the module (always on for Sentinel primaries)',
  updateSentinels: 'is owned by the module',
  preferredSlaves: 'is owned by the module (replica reads rotate over the healthy replicas)',
  monitor: 'is owned by the module (MONITOR mode would refuse every cache command)',
};

/**
 * The iovalkey client options `connectionPoolKwargs` passes through (iovalkey 0.x `RedisOptions`
 * minus {@link OWNED}); anything else is not an iovalkey option.
 */
const PASSED: readonly string[] = [
  'family',
  'familyFallback',
  'disconnectTimeout',
  'retryStrategy',
  'keepAlive',
  'noDelay',
  'connectionName',
  'username',
  'password',
  'tls',
  'natMap',
  'socketTimeout',
  'enableOfflineQueue',
  'offlineQueue',
  'enableReadyCheck',
  'autoResubscribe',
  'autoResendUnfulfilledCommands',
  'reconnectOnError',
  'readOnly',
  'stringNumbers',
  'maxRetriesPerRequest',
  'maxLoadingRetryTime',
  'enableAutoPipelining',
  'autoPipeliningIgnoredCommands',
  'commandQueue',
  'scripts',
  'showFriendlyErrorStack',
];

/** valkey-py / Django `CONNECTION_POOL_KWARGS` names, with what the module offers instead. */
const PYTHON_NAMES: Readonly<Record<string, string>> = {
  credential_provider:
    'is not supported here; use options.credentialProvider (sentinels: options.sentinelKwargs.credentialProvider)',
  max_connections:
    'is not supported: iovalkey keeps one multiplexed connection per server and pool, there is no pool size',
  retry_on_timeout:
    "is not supported (valkey-py); did you mean 'maxRetriesPerRequest' (how often a command is resent after a reconnect)?",
  retry:
    "is not supported (valkey-py); did you mean 'retryStrategy' (ms to wait before reconnect attempt n, or null to stop)?",
  retry_on_error: "is not supported (valkey-py); did you mean 'reconnectOnError'?",
  health_check_interval:
    "is not supported (valkey-py): a dead connection shows as a command timeout (options.socketTimeout); did you mean 'keepAlive' (TCP keep-alive initial delay, ms)?",
  socket_keepalive:
    "is not supported (valkey-py); did you mean 'keepAlive' (TCP keep-alive initial delay in ms, 0 = on with the OS default)?",
  socket_keepalive_options:
    "is not supported (valkey-py); did you mean 'keepAlive' (TCP keep-alive initial delay, ms)?",
  socket_timeout: 'is not supported here; use options.socketTimeout (seconds)',
  socket_connect_timeout: 'is not supported here; use options.socketConnectTimeout (seconds)',
  client_name: "is not supported (valkey-py); did you mean 'connectionName'?",
  decode_responses:
    'is not supported: the cache serializer (options.serializer) decides how values are encoded',
  encoding:
    'is not supported: the cache serializer (options.serializer) decides how values are encoded',
  encoding_errors:
    'is not supported: the cache serializer (options.serializer) decides how values are encoded',
  connection_class: 'is not supported; use options.connectionPoolClass',
  unix_socket_path: 'is not supported; use a unix:// location',
  ssl: "is not supported; use a valkeys:// location and 'tls' (Node TLS options)",
  ssl_cert_reqs: "is not supported; use 'tls' (Node TLS options, e.g. rejectUnauthorized)",
  ssl_ca_certs: "is not supported; use 'tls' (Node TLS options: ca)",
  ssl_certfile: "is not supported; use 'tls' (Node TLS options: cert)",
  ssl_keyfile: "is not supported; use 'tls' (Node TLS options: key)",
};

/**
 * Checks the keys of `options.connectionPoolKwargs`: options the module owns (they would change
 * stored keys or routing), valkey-py names, and keys that are no iovalkey option at all.
 */
export function checkConnectionPoolKwargs(value: unknown, out: Problem[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const at = 'options.connectionPoolKwargs.';
  for (const key of Object.keys(value)) {
    if (PASSED.includes(key)) continue;
    const owned = Object.hasOwn(OWNED, key) ? OWNED[key] : undefined;
    const python = Object.hasOwn(PYTHON_NAMES, key) ? PYTHON_NAMES[key] : undefined;
    let message = owned ?? python;
    if (message === undefined) {
      const near = didYouMean(key, [...PASSED, ...Object.keys(OWNED)]);
      message =
        near === undefined
          ? `is not an iovalkey connection option; known: ${PASSED.join(', ')}`
          : PASSED.includes(near)
            ? `is not an iovalkey connection option (did you mean '${near}'?)`
            : `is not an iovalkey connection option; '${near}' ${OWNED[near]}`;
    }
    out.push({ path: `${at}${key}`, message });
  }
}
