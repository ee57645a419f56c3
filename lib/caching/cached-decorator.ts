import type { Timeout } from '../cache/cache-options.js';
import { CacheArgumentError } from '../errors.js';
import { DEFAULT_CACHE_ALIAS } from './caching-constants.js';
import { cacheFor } from './handler-registry.js';
import { FlightGroups } from '../util/single-flight.js';
import { stableKeyPart } from './stable-key.js';

/** Options of {@link Cached}. */
export interface CachedOptions<A extends unknown[] = never[]> {
  /** Alias of the cache to use (a key of the `CacheModule.forRoot` map); default `'default'`. */
  cache?: string;
  /**
   * The cache key (before the cache's `keyPrefix` and `version` are applied):
   * - a function of the method's arguments returning the key;
   * - a template where `{0}`, `{1}`, … stand for the arguments and `{0.id}` for a property path
   *   of one (strings and numbers go in as they are, other values as `stableStringify`
   *   text); a template without placeholders is one key for every call;
   * - omitted: `ClassName.methodName:` followed by a stable serialization of all arguments
   *   (its SHA-256 when longer than 200 characters).
   */
  key?: string | ((...args: A) => string);
  /**
   * Seconds the result stays cached (fractions allowed); `null` never expires; omitted: the
   * cache's default `timeout`; `<= 0` stores nothing.
   */
  timeout?: Timeout;
  /** Key version (Django's `version`); default: the cache's `version`. */
  version?: number;
}

/** A method `@Cached` can decorate: it returns a promise. */
export type CachedMethod<A extends unknown[]> = (...args: A) => Promise<unknown>;

/** A `@Cached` method of a class (internal, read by the module's binder). */
export interface CachedMethodInfo {
  readonly name: string;
  readonly alias: string;
}

const MISSING: unique symbol = Symbol('nestjs-valkey-cache:missing');
const flights = new FlightGroups<unknown>();
/** `@Cached` methods by the prototype (or class, for static methods) that declares them. */
const declared = new WeakMap<object, CachedMethodInfo[]>();

/** The `@Cached` methods of `instance`'s class and its base classes (internal). */
export function cachedMethodsOf(instance: object): CachedMethodInfo[] {
  const out: CachedMethodInfo[] = [];
  let proto: object | null = Object.getPrototypeOf(instance) as object | null;
  while (proto && proto !== Object.prototype) {
    const own = declared.get(proto);
    if (own) out.push(...own);
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return out;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
const VALID_PLACEHOLDER = /^\d+(\.[A-Za-z_$][\w$]*)*$/;

/** One argument (or a property of it) as it goes into a template key. */
function templatePart(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return stableKeyPart(value);
}

type KeyBuilder = (args: readonly unknown[]) => string;

function compileKey(
  key: CachedOptions<unknown[]>['key'],
  defaultPrefix: string,
  where: string,
  alias: string,
): KeyBuilder {
  const argError = (message: string, cause?: unknown): CacheArgumentError =>
    new CacheArgumentError(`${where}: ${message}`, alias, cause === undefined ? {} : { cause });
  if (key === undefined) {
    return (args) => {
      try {
        return `${defaultPrefix}:${stableKeyPart(args)}`;
      } catch (err) {
        throw argError(
          `cannot build a key from the arguments (${(err as Error).message}); ` +
            'give @Cached a key function',
          err,
        );
      }
    };
  }
  if (typeof key === 'function') {
    return (args) => {
      const out = (key as (...a: unknown[]) => unknown)(...args);
      if (typeof out !== 'string' || out === '') {
        throw argError(`the key function returned ${out === '' ? 'an empty string' : typeof out}`);
      }
      return out;
    };
  }
  if (typeof key !== 'string' || key === '') {
    throw argError('key must be a non-empty string template or a function of the arguments');
  }
  const placeholders = [...key.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const bad = placeholders.find((p) => !VALID_PLACEHOLDER.test(p));
  if (bad !== undefined) {
    throw argError(
      `key template '${key}' has the placeholder {${bad}}; placeholders are argument ` +
        'indexes with an optional property path, e.g. {0} or {1.id}',
    );
  }
  if (placeholders.length === 0) return () => key;
  // Compiled once: literal text and argument readers, joined per call.
  const literals = key.split(PLACEHOLDER).filter((_, i) => i % 2 === 0);
  const readers = placeholders.map((spec) => {
    const [index, ...path] = spec.split('.');
    const at = Number(index);
    return (args: readonly unknown[]): string => {
      let value: unknown = args[at];
      for (const prop of path) {
        value =
          value === null || value === undefined
            ? undefined
            : (value as Record<string, unknown>)[prop];
      }
      try {
        return templatePart(value);
      } catch (err) {
        throw argError(`cannot put {${spec}} into the key: ${(err as Error).message}`, err);
      }
    };
  });
  return (args) => {
    let out = literals[0]!;
    for (let i = 0; i < readers.length; i++) out += readers[i]!(args) + literals[i + 1]!;
    return out;
  };
}

/** Copies the metadata other decorators attached to `from` (e.g. `SetMetadata`) onto `to`. */
function copyMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as {
    getMetadataKeys?: (target: object) => unknown[];
    getMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  if (!reflect.getMetadataKeys || !reflect.getMetadata || !reflect.defineMetadata) return;
  for (const k of reflect.getMetadataKeys(from))
    reflect.defineMetadata(k, reflect.getMetadata(k, from), to);
}

/**
 * Caches the results of an async method in a named cache (Django's `cache.get_or_set` around a
 * method). On a hit the method is not called; on a miss it is called and a result other than
 * `undefined` is stored for `timeout` seconds (`null` is cached like any value; `undefined` is
 * never cached, so a method returning it runs every time). Calls for one key that overlap in
 * this process share one cache read and one method call (single flight), and get the same
 * result object. Errors of the method are passed to every waiting caller and never cached.
 *
 * The decorated class needs no code of its own: `CacheModule` binds every singleton provider and
 * controller of its application with `@Cached` methods at `onModuleInit`, and fails the boot
 * when one names an alias it does not configure. Other objects (`new`-ed instances, request- or
 * transient-scoped providers, static methods) use the one running `CacheModule` of the process.
 *
 * Cache errors follow the cache's options: with `ignoreExceptions` an unreachable server is a
 * miss (the method runs and nothing is stored); otherwise the typed `CacheError` is thrown.
 *
 * @example
 * ```ts
 * @Injectable()
 * class Catalog {
 *   @Cached({ cache: 'sentinel', key: 'product:{0}', timeout: 60 })
 *   async product(id: number): Promise<Product> { ... }
 * }
 * ```
 */
export function Cached<A extends unknown[] = never[]>(
  options: CachedOptions<A> = {},
): <T extends CachedMethod<A>>(
  target: object,
  property: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => void {
  return (target, property, descriptor) => {
    const original = descriptor.value as ((...args: unknown[]) => unknown) | undefined;
    const className =
      typeof target === 'function'
        ? (target as { name: string }).name
        : (target as { constructor: { name: string } }).constructor.name;
    const methodName = String(property);
    const where = `@Cached ${className}.${methodName}`;
    const alias = options.cache ?? DEFAULT_CACHE_ALIAS;
    if (typeof original !== 'function') {
      throw new CacheArgumentError(`${where}: only methods can be cached`, alias);
    }
    const keyOf = compileKey(
      options.key as CachedOptions<unknown[]>['key'],
      `${className}.${methodName}`,
      where,
      alias,
    );
    const { timeout, version } = options;
    const versionOpt = version === undefined ? undefined : { version };
    const list = declared.get(target) ?? [];
    list.push({ name: methodName, alias });
    declared.set(target, list);

    const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      // Errors before the flight (no cache, bad key) reject the returned promise too.
      try {
        const cache = cacheFor(this, alias, where);
        const key = keyOf(args);
        // Flights are per cache, so the key and version name the stored key.
        const flightKey = version === undefined ? key : `${version}\0${key}`;
        return flights.of(cache).run(flightKey, async () => {
          const hit = await cache.get<unknown, typeof MISSING>(key, MISSING, versionOpt);
          if (hit !== MISSING) return hit;
          const value = await original.apply(this, args);
          if (value !== undefined) await cache.set(key, value, timeout, versionOpt);
          return value;
        }).result;
      } catch (err) {
        return Promise.reject(err as Error);
      }
    };
    Object.defineProperty(wrapped, 'name', { value: original.name });
    copyMetadata(original, wrapped);
    descriptor.value = wrapped as unknown as typeof descriptor.value;
  };
}
