import { Logger } from '@nestjs/common';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import type { CacheConfig, SentinelAddressConfig } from './cache-config.js';
import { CacheConfigError, type ConfigProblem } from '../errors.js';
import { className, extendsClass } from '../util/classes.js';
import { LocationError, parseLocation, redactLocation, splitLocations } from './location.js';
import type { Constructor } from '../util/class-registry.js';
import { CLUSTER_BACKENDS } from './backends.js';
import type { ConfigClasses } from './class-refs.js';
import { checkCredentialProviders } from './credential-rules.js';
import {
  CacheConfigDto,
  CacheOptionsDto,
  EarlyRecomputeDto,
  SentinelKwargsDto,
} from './cache-config.dto.js';
import { checkConnectionPoolKwargs } from './connection-kwargs.js';
import { hint } from './did-you-mean.js';
import { resolveCodecs } from './resolve-codecs.js';
import { resolveClassOption } from './resolve-named.js';
import { defaultKeyFunction, defaultReverseKeyFunction } from './key-functions.js';
import {
  DEFAULT_SOCKET_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_SOCKET_TIMEOUT_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  locationPath,
  type ResolvedCacheConfig,
} from './resolved-config.js';

type Problem = Omit<ConfigProblem, 'alias'>;

/** Backends this module provides, by the names a config may use. */
const BACKENDS = [
  'ValkeyCache',
  'django_valkey.cache.ValkeyCache',
  'django_redis.cache.RedisCache',
  ...CLUSTER_BACKENDS,
];

function propertiesOf(dto: Constructor<object>): string[] {
  return [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(dto, '', true, false)
        .map((m) => m.propertyName),
    ),
  ];
}

const KNOWN = {
  config: propertiesOf(CacheConfigDto),
  options: propertiesOf(CacheOptionsDto),
  sentinelKwargs: propertiesOf(SentinelKwargsDto),
  earlyRecompute: propertiesOf(EarlyRecomputeDto),
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names other cache libraries use for an option of ours, with the unit ours takes. */
const SYNONYMS: Readonly<Record<string, string>> = {
  ttl: "'timeout' (seconds)",
  expire: "'timeout' (seconds)",
  expires: "'timeout' (seconds)",
  prefix: "'keyPrefix'",
  namespace: "'keyPrefix'",
};

function unknownKeys(
  value: unknown,
  known: readonly string[],
  prefix: string,
  out: Problem[],
): void {
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const synonym = prefix === '' ? SYNONYMS[key.toLowerCase()] : undefined;
    const suggestion = synonym === undefined ? hint(key, known) : ` (did you mean ${synonym}?)`;
    out.push({ path: `${prefix}${key}`, message: `unknown option${suggestion}` });
  }
}

/** A `timeout` above this many seconds (30 days) is most likely meant in milliseconds. */
export const SUSPICIOUS_TIMEOUT_SECONDS = 30 * 24 * 3600;

function flatten(errors: readonly ValidationError[], prefix: string, out: Problem[]): void {
  for (const e of errors) {
    const path = `${prefix}${e.property}`;
    for (const [name, message] of Object.entries(e.constraints ?? {})) {
      if (name === 'whitelistValidation') continue; // reported with a hint by unknownKeys()
      out.push({ path, message: message.replace(new RegExp(`^${e.property} `), '') });
    }
    flatten(e.children ?? [], `${path}.`, out);
  }
}

function toDto(raw: Record<string, unknown>): CacheConfigDto {
  const dto = Object.assign(new CacheConfigDto(), raw);
  if (isPlainObject(raw['options'])) {
    const options = Object.assign(new CacheOptionsDto(), raw['options']);
    if (isPlainObject(options.sentinelKwargs)) {
      options.sentinelKwargs = Object.assign(new SentinelKwargsDto(), options.sentinelKwargs);
    }
    if (isPlainObject(options.earlyRecompute)) {
      options.earlyRecompute = Object.assign(new EarlyRecomputeDto(), options.earlyRecompute);
    }
    dto.options = options;
  }
  return dto;
}

/** `options.sentinels` as `{ host, port }` entries; `undefined` when unset or invalid. */
function resolveSentinels(
  value: unknown,
  out: Problem[],
): Array<{ host: string; port: number }> | undefined {
  if (!Array.isArray(value)) return undefined;
  let ok = true;
  value.forEach((s: unknown, i) => {
    const at = `options.sentinels[${i}]`;
    let host: unknown;
    let port: unknown;
    if (Array.isArray(s) && s.length === 2) [host, port] = s;
    else if (isPlainObject(s)) ({ host, port } = s);
    else {
      out.push({ path: at, message: 'must be [host, port] or { host, port }' });
      ok = false;
      return;
    }
    if (typeof host !== 'string' || host.trim() === '') {
      out.push({ path: `${at}.host`, message: 'must be a non-empty host name' });
      ok = false;
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      out.push({
        path: `${at}.port`,
        message: `must be an integer port 1-65535, got ${JSON.stringify(port)}`,
      });
      ok = false;
    }
  });
  if (!ok) return undefined;
  return (value as SentinelAddressConfig[]).map((s) =>
    'host' in s ? { host: s.host, port: s.port } : { host: s[0], port: s[1] },
  );
}

/** Validates and resolves one cache config; returns problems instead of throwing. */
function resolveCache(
  alias: string,
  raw: unknown,
  classes: ConfigClasses,
  out: Problem[],
): ResolvedCacheConfig | undefined {
  if (!isPlainObject(raw)) {
    out.push({ path: '', message: 'must be an object with at least `location`' });
    return undefined;
  }
  unknownKeys(raw, KNOWN.config, '', out);
  unknownKeys(raw['options'], KNOWN.options, 'options.', out);
  if (isPlainObject(raw['options']))
    checkConnectionPoolKwargs(raw['options']['connectionPoolKwargs'], out);
  if (isPlainObject(raw['options'])) {
    unknownKeys(
      raw['options']['sentinelKwargs'],
      KNOWN.sentinelKwargs,
      'options.sentinelKwargs.',
      out,
    );
    unknownKeys(
      raw['options']['earlyRecompute'],
      KNOWN.earlyRecompute,
      'options.earlyRecompute.',
      out,
    );
  }
  const errors = validateSync(toDto(raw), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: false,
  });
  flatten(errors, '', out);

  const config = raw as unknown as CacheConfig;
  const options = isPlainObject(raw['options'])
    ? (raw['options'] as NonNullable<CacheConfig['options']>)
    : {};

  if (
    config.backend !== undefined &&
    typeof config.backend === 'string' &&
    !BACKENDS.includes(config.backend)
  ) {
    out.push({
      path: 'backend',
      message: `unknown backend '${config.backend}'${hint(config.backend, BACKENDS)}; known: ValkeyCache, ValkeyClusterCache`,
    });
  }

  const locations =
    typeof config.location === 'string' || Array.isArray(config.location)
      ? splitLocations(config.location)
      : [];
  if (
    (typeof config.location === 'string' || Array.isArray(config.location)) &&
    locations.length === 0
  ) {
    out.push({ path: 'location', message: 'is empty' });
  }
  const locationIsList = Array.isArray(config.location);
  locations.forEach((url, i) => {
    try {
      parseLocation(url);
    } catch (err) {
      if (!(err instanceof LocationError)) throw err;
      out.push({
        path: locationPath({ locationIsList }, i),
        message: `${err.message} (in '${redactLocation(url)}')`,
      });
    }
  });

  const clientClass = resolveClassOption(
    options.clientClass,
    classes.clientClass,
    'options.clientClass',
    out,
  );
  const connectionFactory = resolveClassOption(
    options.connectionFactory,
    classes.connectionFactory,
    'options.connectionFactory',
    out,
  );
  const poolClass = resolveClassOption(
    options.connectionPoolClass,
    classes.connectionPoolClass,
    'options.connectionPoolClass',
    out,
  );
  checkCredentialProviders(options as Record<string, unknown>, locations, out);
  const { serializer, compressor } = resolveCodecs(options, out);
  const sentinels = resolveSentinels(options.sentinels, out);
  const isCluster = typeof config.backend === 'string' && CLUSTER_BACKENDS.includes(config.backend);
  const clusterClient = classes.clusterClientClass;
  if (isCluster && clientClass !== undefined && !extendsClass(clientClass, clusterClient)) {
    out.push({
      path: 'options.clientClass',
      message: `backend '${config.backend}' needs ${className(clusterClient)} (the default), got '${className(clientClass)}'`,
    });
  }

  const resolved: ResolvedCacheConfig = {
    alias,
    locations,
    locationIsList,
    timeout: config.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : config.timeout,
    keyPrefix: config.keyPrefix ?? '',
    version: config.version ?? 1,
    keyFunction: config.keyFunction ?? defaultKeyFunction,
    reverseKeyFunction: config.reverseKeyFunction ?? defaultReverseKeyFunction,
    clientClass: clientClass ?? (isCluster ? clusterClient : classes.defaultClientClass),
    connectionPoolKwargs: { ...(options.connectionPoolKwargs ?? {}) },
    serializer,
    compressor,
    ignoreExceptions: options.ignoreExceptions ?? false,
    logIgnoredExceptions: options.logIgnoredExceptions ?? false,
    undecodableAsMiss: options.undecodableAsMiss ?? false,
    socketTimeout: options.socketTimeout ?? DEFAULT_SOCKET_TIMEOUT_SECONDS,
    socketConnectTimeout: options.socketConnectTimeout ?? DEFAULT_SOCKET_CONNECT_TIMEOUT_SECONDS,
    closeConnection: options.closeConnection ?? false,
    replicaReadOnly: options.replicaReadOnly ?? true,
    ...(connectionFactory !== undefined && { connectionFactory }),
    ...(poolClass !== undefined && { connectionPoolClass: poolClass }),
    ...(sentinels !== undefined && { sentinels }),
    ...(options.sentinelKwargs !== undefined && { sentinelKwargs: options.sentinelKwargs }),
    ...(options.username !== undefined && { username: options.username }),
    ...(options.password !== undefined && { password: options.password }),
    ...(options.credentialProvider !== undefined && {
      credentialProvider: options.credentialProvider,
    }),
    ...(options.herdTimeout !== undefined && { herdTimeout: options.herdTimeout }),
    ...(options.scaleReads !== undefined && { scaleReads: options.scaleReads }),
    ...(isPlainObject(options.earlyRecompute) && {
      earlyRecompute: Object.freeze({ beta: options.earlyRecompute.beta }),
    }),
  };
  return resolved;
}

const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The outcome of checking a `CACHES` map: the configs that passed, and every problem found. */
export interface CheckedCaches {
  /** Resolved configs of the aliases that had no problem, in the map's order. */
  readonly configs: ResolvedCacheConfig[];
  readonly problems: ConfigProblem[];
}

/**
 * Checks every cache of a `CACHES` map and resolves names to classes (those of the layers above
 * come in `classes`), collecting every problem with its alias and option path instead of
 * throwing, so that later rules (the chosen client's and factory's) add theirs to the same list.
 */
export function checkCaches(caches: unknown, classes: ConfigClasses): CheckedCaches {
  if (!isPlainObject(caches) || Object.keys(caches).length === 0) {
    return {
      configs: [],
      problems: [
        { alias: '*', path: '', message: 'caches must be an object with at least one alias' },
      ],
    };
  }
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  const configs: ResolvedCacheConfig[] = [];
  for (const [alias, raw] of Object.entries(caches)) {
    const out: Problem[] = [];
    if (!ALIAS.test(alias)) {
      out.push({
        path: '',
        message: `alias '${alias}' must match ${ALIAS} (letters, digits, _ . -)`,
      });
    }
    const folded = alias.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) {
      out.push({
        path: '',
        message: `alias '${alias}' collides with '${other}' (aliases must differ beyond letter case)`,
      });
    }
    seen.set(folded, alias);
    const config = resolveCache(alias, raw, classes, out);
    problems.push(...out.map((p) => ({ alias, ...p })));
    if (config && out.length === 0) configs.push(config);
  }
  return { configs, problems };
}

/** Logs one warning per cache whose `timeout` looks like milliseconds (over 30 days). */
export function warnSuspiciousTimeouts(configs: readonly ResolvedCacheConfig[]): void {
  for (const config of configs) {
    if (config.timeout !== null && config.timeout > SUSPICIOUS_TIMEOUT_SECONDS) {
      new Logger('CacheModule').warn(
        `caches.${config.alias}.timeout is ${config.timeout} seconds (over 30 days): ` +
          `timeouts are in seconds, not milliseconds`,
      );
    }
  }
}

/**
 * {@link checkCaches}, then throws one {@link CacheConfigError} listing every problem, or warns
 * about suspicious timeouts and returns the resolved configs.
 */
export function validateCaches(caches: unknown, classes: ConfigClasses): ResolvedCacheConfig[] {
  const { configs, problems } = checkCaches(caches, classes);
  if (problems.length > 0) throw new CacheConfigError(problems);
  warnSuspiciousTimeouts(configs);
  return configs;
}
