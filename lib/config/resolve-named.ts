import type { ConfigProblem } from '../errors.js';
import type { ClassRegistry, Constructor } from './class-registry.js';
import { hint } from './did-you-mean.js';

type Problem = Omit<ConfigProblem, 'alias'>;

/** Resolves a name, class or instance option against a registry. */
export function resolveNamed<T>(
  value: unknown,
  registry: ClassRegistry<T>,
  path: string,
  out: Problem[],
  unsupported: ReadonlyMap<string, string> = new Map(),
): Constructor<T> | object | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const cls = registry.lookup(value);
    if (cls) return cls;
    const short = value.slice(value.lastIndexOf('.') + 1);
    const why = unsupported.get(value) ?? unsupported.get(short);
    out.push({
      path,
      message: why
        ? `'${value}' is ${why}`
        : `unknown ${registry.kind} '${value}'${hint(short, registry.names())}; known: ${registry.names().join(', ')}`,
    });
    return undefined;
  }
  if (typeof value === 'function') return value as Constructor<T>;
  return value as object;
}
