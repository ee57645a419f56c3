import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { hint } from '../config/did-you-mean.js';
import { CacheError } from '../errors.js';

/** What is exported for one cache (every field optional; the defaults are shown). */
export interface CacheTelemetryOptions {
  /** One span per cache call (default `true`). */
  traces?: boolean;
  /** The counters and the duration histogram (default `true`). */
  metrics?: boolean;
  /**
   * Record the stored keys on spans (`valkey.cache.key`, `valkey.cache.keys`). Default `false`:
   * keys can hold personal data, and error messages on spans then show `<key>` instead.
   */
  recordKeys?: boolean;
}

/** Options of `ValkeyCacheOpenTelemetryModule.forRoot` and {@link instrumentCaches}. */
export interface ValkeyCacheOpenTelemetryOptions extends CacheTelemetryOptions {
  /**
   * Per-alias settings over the ones above; `false` exports nothing for that cache. An alias
   * that no `CacheModule` of the application configures fails the boot.
   */
  caches?: Record<string, CacheTelemetryOptions | false>;
  /** Where spans go (default: the global tracer provider of `@opentelemetry/api`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go (default: the global meter provider of `@opentelemetry/api`). */
  meterProvider?: MeterProvider;
}

/** One problem of the options: `path` inside them (e.g. `caches.sessions.recordKeys`). */
export interface TelemetryOptionProblem {
  readonly path: string;
  readonly message: string;
}

/** The options of the OpenTelemetry export are wrong; thrown at boot, lists every problem. */
export class OpenTelemetryConfigError extends CacheError {
  override name = 'OpenTelemetryConfigError';
  constructor(readonly problems: readonly TelemetryOptionProblem[]) {
    super(
      `invalid OpenTelemetry options (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

const FLAGS = ['traces', 'metrics', 'recordKeys'] as const;
const TOP = [...FLAGS, 'caches', 'tracerProvider', 'meterProvider'] as const;

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFlags(
  value: Record<string, unknown>,
  allowed: readonly string[],
  at: string,
  problems: TelemetryOptionProblem[],
): void {
  for (const [name, v] of Object.entries(value)) {
    const path = at ? `${at}.${name}` : name;
    if (!allowed.includes(name)) {
      problems.push({ path, message: `unknown option${hint(name, allowed)}` });
    } else if ((FLAGS as readonly string[]).includes(name) && v !== undefined) {
      if (typeof v !== 'boolean') {
        problems.push({ path, message: `must be a boolean, got ${kind(v)}` });
      }
    }
  }
}

/**
 * Checks the options' shape (not the aliases, which only the application knows); throws an
 * {@link OpenTelemetryConfigError} naming each option path that is wrong.
 */
export function checkTelemetryOptions(options: unknown): ValkeyCacheOpenTelemetryOptions {
  const problems: TelemetryOptionProblem[] = [];
  if (options === undefined) return {};
  if (!isObject(options)) {
    throw new OpenTelemetryConfigError([
      { path: '(options)', message: `must be an object, got ${kind(options)}` },
    ]);
  }
  checkFlags(options, TOP, '', problems);
  for (const [name, method] of [
    ['tracerProvider', 'getTracer'],
    ['meterProvider', 'getMeter'],
  ] as const) {
    const provider = options[name];
    if (
      provider !== undefined &&
      typeof (provider as Record<string, unknown>)?.[method] !== 'function'
    ) {
      problems.push({
        path: name,
        message: `must have a ${method}() method, got ${kind(provider)}`,
      });
    }
  }
  const caches = options['caches'];
  if (caches !== undefined) {
    if (!isObject(caches)) {
      problems.push({ path: 'caches', message: `must be an object by alias, got ${kind(caches)}` });
    } else {
      for (const [alias, per] of Object.entries(caches)) {
        const at = `caches.${alias}`;
        if (per === false) continue;
        if (!isObject(per)) {
          problems.push({ path: at, message: `must be an object or false, got ${kind(per)}` });
        } else checkFlags(per, FLAGS, at, problems);
      }
    }
  }
  if (problems.length > 0) throw new OpenTelemetryConfigError(problems);
  return options as ValkeyCacheOpenTelemetryOptions;
}

/**
 * The problems of per-alias settings naming no configured cache (`configured`: the aliases
 * the application has).
 */
export function unknownAliases(
  options: ValkeyCacheOpenTelemetryOptions,
  configured: readonly string[],
): TelemetryOptionProblem[] {
  return Object.keys(options.caches ?? {})
    .filter((alias) => !configured.includes(alias))
    .map((alias) => ({
      path: `caches.${alias}`,
      message:
        `no cache '${alias}' is configured${hint(alias, configured)} ` +
        `(configured: ${configured.join(', ') || 'none'})`,
    }));
}

/** The settings of `alias` (its own over the top-level ones); `undefined` when it is off. */
export function settingsFor(
  options: ValkeyCacheOpenTelemetryOptions,
  alias: string,
): Required<CacheTelemetryOptions> | undefined {
  const own = options.caches?.[alias];
  if (own === false) return undefined;
  const traces = own?.traces ?? options.traces ?? true;
  const metrics = own?.metrics ?? options.metrics ?? true;
  if (!traces && !metrics) return undefined;
  return { traces, metrics, recordKeys: own?.recordKeys ?? options.recordKeys ?? false };
}
