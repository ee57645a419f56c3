import type { ConfigProblem } from '../errors.js';
import { className } from '../util/classes.js';
import type { Constructor } from '../util/class-registry.js';
import type { ClassLookup, ClassOption } from './class-refs.js';
import { hint } from './did-you-mean.js';

type Problem = Omit<ConfigProblem, 'alias'>;

/** The class `registry` has under `name`; a problem (with a hint) when it has none. */
function lookupName<T>(
  name: string,
  registry: ClassLookup<T>,
  path: string,
  out: Problem[],
  unsupported: ReadonlyMap<string, string> = new Map(),
): T | undefined {
  const cls = registry.lookup(name);
  if (cls) return cls;
  const short = name.slice(name.lastIndexOf('.') + 1);
  const why = unsupported.get(name) ?? unsupported.get(short);
  out.push({
    path,
    message: why
      ? `'${name}' is ${why}`
      : `unknown ${registry.kind} '${name}'${hint(short, registry.names())}; known: ${registry.names().join(', ')}`,
  });
  return undefined;
}

/** Resolves a name, class or instance option (a serializer, a compressor) against a registry. */
export function resolveNamed<T>(
  value: unknown,
  registry: ClassLookup<Constructor<T>>,
  path: string,
  out: Problem[],
  unsupported?: ReadonlyMap<string, string>,
): Constructor<T> | object | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return lookupName(value, registry, path, out, unsupported);
  if (typeof value === 'function') return value as Constructor<T>;
  return value as object;
}

/**
 * Resolves an option naming a class of a layer above (client class, connection factory, pool
 * class): a registered name, or a class or instance that `option` accepts.
 */
export function resolveClassOption<T>(
  value: unknown,
  option: ClassOption<T>,
  path: string,
  out: Problem[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return lookupName(value, option.registry, path, out);
  if (option.accepts(value)) return value;
  if (typeof value !== 'function' && (typeof value !== 'object' || value === null))
    return undefined; // reported by the DTO
  const got =
    typeof value === 'function' ? `'${className(value)}'` : `an instance of '${className(value)}'`;
  out.push({ path, message: `must be a ${option.registry.kind} (${option.expected}), got ${got}` });
  return undefined;
}
