import type { ConfigProblem } from '../errors.js';
import {
  compressors,
  knownUnsupported as unsupportedCompressors,
} from '../codec/compressors/compressor-registry.js';
import type { Compressor } from '../codec/compressors/compressor.js';
import type { LevelRange } from '../codec/compressors/base-compressor.js';
import {
  serializers,
  knownUnsupported as unsupportedSerializers,
} from '../codec/serializers/serializer-registry.js';
import type { Serializer } from '../codec/serializers/serializer.js';
import type { CacheOptions } from './cache-config.js';
import type { Constructor } from '../util/class-registry.js';
import type { ClassLookup } from './class-refs.js';
import { resolveNamed } from './resolve-named.js';

type Problem = Omit<ConfigProblem, 'alias'>;

function instantiate<T>(
  resolved: Constructor<T> | object | undefined,
  fallback: T,
  args: Record<string, unknown>,
  path: string,
  out: Problem[],
): T {
  if (resolved === undefined) return fallback;
  if (typeof resolved === 'function') {
    try {
      return new (resolved as new (o: Record<string, unknown>) => T)(args);
    } catch (err) {
      out.push({ path, message: `cannot construct: ${(err as Error).message}` });
      return fallback;
    }
  }
  return resolved as T;
}

/**
 * Resolves a name, class or instance option (a serializer, a compressor) against `registry` and
 * constructs a class with `args`; an instance of the `fallback` class when it is unset or fails.
 */
function resolveInstance<T>(
  value: unknown,
  registry: ClassLookup<Constructor<T>>,
  unsupported: ReadonlyMap<string, string>,
  fallback: string,
  args: Record<string, unknown>,
  path: string,
  out: Problem[],
): T {
  return instantiate<T>(
    resolveNamed(value, registry, path, out, unsupported),
    new (registry.lookup(fallback)!)(),
    args,
    path,
    out,
  );
}

/**
 * Checks `options.compressLevel` against the range of the configured compressor class (its
 * static `levels`); false (and a problem) when it is outside. Instances and classes without a
 * `levels` range check the level themselves.
 */
function levelInRange(
  level: unknown,
  compressor: Constructor<Compressor> | object | undefined,
  configured: unknown,
  out: Problem[],
): boolean {
  if (typeof level !== 'number' || !Number.isInteger(level)) return false; // reported by the DTO
  const levels = (compressor as { levels?: LevelRange } | undefined)?.levels;
  if (typeof compressor !== 'function' || levels === undefined) return true;
  if (level >= levels.min && level <= levels.max) return true;
  const name = typeof configured === 'string' ? ` ('${configured}')` : '';
  out.push({
    path: 'options.compressLevel',
    message:
      `must be an integer from ${levels.min} to ${levels.max} for ${compressor.name}${name}, ` +
      `got ${level} (default ${levels.default})`,
  });
  return false;
}

/**
 * The serializer and compressor of `options` (names, classes or instances), constructed with
 * `compressMinLength` / `compressLevel`; `json` and `identity` when unset or invalid.
 */
export function resolveCodecs(
  options: CacheOptions,
  out: Problem[],
): { serializer: Serializer; compressor: Compressor } {
  const compressorArgs: Record<string, unknown> = {};
  if (options.compressMinLength !== undefined)
    compressorArgs['minLength'] = options.compressMinLength;
  const compressorClass = resolveNamed(
    options.compressor,
    compressors,
    'options.compressor',
    out,
    unsupportedCompressors,
  );
  if (
    options.compressLevel !== undefined &&
    levelInRange(options.compressLevel, compressorClass, options.compressor, out)
  )
    compressorArgs['level'] = options.compressLevel;
  const serializer = resolveInstance<Serializer>(
    options.serializer,
    serializers,
    unsupportedSerializers,
    'json',
    {},
    'options.serializer',
    out,
  );
  const compressor = instantiate<Compressor>(
    compressorClass,
    new (compressors.lookup('identity')!)(),
    compressorArgs,
    'options.compressor',
    out,
  );
  return { serializer, compressor };
}
