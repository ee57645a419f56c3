import type { ConfigProblem } from '../errors.js';
import {
  compressors,
  knownUnsupported as unsupportedCompressors,
} from '../codec/compressors/compressor-registry.js';
import type { Compressor } from '../codec/compressors/compressor.js';
import { CompressorChain } from '../codec/compressors/compressor-chain.js';
import type { LevelRange } from '../codec/compressors/base-compressor.js';
import {
  serializers,
  knownUnsupported as unsupportedSerializers,
} from '../codec/serializers/serializer-registry.js';
import type { Serializer } from '../codec/serializers/serializer.js';
import { SerializerChain } from '../codec/serializers/serializer-chain.js';
import { className } from '../util/classes.js';
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

/** The class of a resolved member (a class, or an instance's constructor), to find duplicates. */
function classOf(resolved: Constructor<unknown> | object): unknown {
  return typeof resolved === 'function' ? resolved : (resolved as object).constructor;
}

/**
 * Resolves a serializer or compressor option that may be a fallback chain: a list must be
 * non-empty, each member resolvable (problems at `<path>[i]`), and no class may appear twice
 * (`'json'` and `'JSONSerializer'` are the same class). Returns the resolved members (classes or
 * instances), `[]` when unset, or `undefined` when any member failed.
 */
function resolveMembers<T>(
  value: unknown,
  registry: ClassLookup<Constructor<T>>,
  unsupported: ReadonlyMap<string, string>,
  path: string,
  out: Problem[],
): Array<Constructor<T> | object> | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    const one = resolveNamed(value, registry, path, out, unsupported);
    return one === undefined ? undefined : [one];
  }
  if (value.length === 0) {
    out.push({ path, message: `must name at least one ${registry.kind}` });
    return undefined;
  }
  const members: Array<Constructor<T> | object> = [];
  const seen = new Map<unknown, number>();
  let ok = true;
  value.forEach((v: unknown, i) => {
    const at = `${path}[${i}]`;
    const isNamed =
      (typeof v === 'string' && v.trim() !== '') ||
      typeof v === 'function' ||
      (typeof v === 'object' && v !== null && !Array.isArray(v));
    if (!isNamed) {
      out.push({ path: at, message: `must be a ${registry.kind} name, class or instance` });
      ok = false;
      return;
    }
    const resolved = resolveNamed(v, registry, at, out, unsupported);
    if (resolved === undefined) {
      ok = false;
      return;
    }
    const before = seen.get(classOf(resolved));
    if (before !== undefined) {
      out.push({
        path: at,
        message: `${registry.kind} ${JSON.stringify(typeof v === 'string' ? v : className(v))} is already ${path}[${before}]`,
      });
      ok = false;
      return;
    }
    seen.set(classOf(resolved), i);
    members.push(resolved);
  });
  return ok ? members : undefined;
}

/**
 * The serializer and compressor of `options`: names, classes or instances, or fallback chains of
 * them (lists, written with the first member, read with any). Compressors are constructed with
 * `compressMinLength`, the first one also with `compressLevel` (checked against its range).
 * `json` and `identity` when unset or invalid. A list of one member is that member alone.
 */
export function resolveCodecs(
  options: CacheOptions,
  out: Problem[],
): { serializer: Serializer; compressor: Compressor } {
  return {
    serializer: resolveSerializer(options, out),
    compressor: resolveCompressor(options, out),
  };
}

function resolveSerializer(options: CacheOptions, out: Problem[]): Serializer {
  const path = 'options.serializer';
  const members = resolveMembers(
    options.serializer,
    serializers,
    unsupportedSerializers,
    path,
    out,
  );
  const fallback = (): Serializer => new (serializers.lookup('json')!)();
  if (members === undefined || members.length === 0) return fallback();
  const many = members.length > 1;
  const built = members.map((m, i) =>
    instantiate<Serializer>(m, fallback(), {}, many ? `${path}[${i}]` : path, out),
  );
  return many ? new SerializerChain(built) : built[0]!;
}

function resolveCompressor(options: CacheOptions, out: Problem[]): Compressor {
  const path = 'options.compressor';
  const members = resolveMembers(
    options.compressor,
    compressors,
    unsupportedCompressors,
    path,
    out,
  );
  const fallback = (): Compressor => new (compressors.lookup('identity')!)();
  const args: Record<string, unknown> = {};
  if (options.compressMinLength !== undefined) args['minLength'] = options.compressMinLength;
  const writer = members?.[0];
  const writerArgs = { ...args };
  const configured = Array.isArray(options.compressor)
    ? (options.compressor as unknown[])[0]
    : options.compressor;
  if (
    options.compressLevel !== undefined &&
    levelInRange(options.compressLevel, writer, configured, out)
  )
    writerArgs['level'] = options.compressLevel;
  if (members === undefined || members.length === 0) return fallback();
  const many = members.length > 1;
  members.forEach((m, i) => {
    if (i > 0 && classOf(m) === compressors.lookup('identity'))
      out.push({
        path: `${path}[${i}]`,
        message:
          "'identity' may only come first (to stop compressing): uncompressed values are always read",
      });
  });
  const built = members.map((m, i) =>
    instantiate<Compressor>(
      m,
      fallback(),
      i === 0 ? writerArgs : args,
      many ? `${path}[${i}]` : path,
      out,
    ),
  );
  return many ? new CompressorChain(built) : built[0]!;
}
