import { CacheConfigError } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { className } from '../util/classes.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from './connection-factory-types.js';
import type { ConnectionPoolClass } from './connection-pool-types.js';

/** What a connection factory option takes besides a name, for messages. */
export const FACTORY_EXPECTED = 'a class or instance with connect()';
/** What a pool class option takes besides a name, for messages. */
export const POOL_CLASS_EXPECTED = 'a class with acquire(), clients(), describe() and close()';

function hasMethods(target: unknown, names: readonly string[]): boolean {
  if (typeof target !== 'object' || target === null) return false;
  return names.every((n) => typeof (target as Record<string, unknown>)[n] === 'function');
}

/** Whether `value` is a connection factory instance (it has `connect()`). */
export function isConnectionFactory(value: unknown): value is ValkeyConnectionFactory {
  return hasMethods(value, ['connect']);
}

/** Whether `value` is a class whose instances are connection factories. */
export function isConnectionFactoryClass(value: unknown): value is ConnectionFactoryClass {
  return typeof value === 'function' && hasMethods(value.prototype, ['connect']);
}

/** Whether `value` is a class whose instances are pools ({@link ValkeyPool}'s methods). */
export function isConnectionPoolClass(value: unknown): value is ConnectionPoolClass {
  return (
    typeof value === 'function' &&
    hasMethods(value.prototype, ['acquire', 'clients', 'describe', 'close'])
  );
}

function notA(cache: ResolvedCacheConfig, path: string, value: unknown, what: string) {
  return new CacheConfigError([
    { alias: cache.alias, path, message: `must be ${what}, got '${className(value)}'` },
  ]);
}

/** `cache.connectionPoolClass` as a pool class; throws a `CacheConfigError` when it is not one. */
export function poolClassOf(cache: ResolvedCacheConfig): ConnectionPoolClass | undefined {
  const cls = cache.connectionPoolClass;
  if (cls === undefined || isConnectionPoolClass(cls)) return cls;
  throw notA(cache, 'options.connectionPoolClass', cls, `a pool class (${POOL_CLASS_EXPECTED})`);
}

/** `cache.connectionFactory` as a factory class or instance; throws when it is neither. */
export function ownFactoryOf(
  cache: ResolvedCacheConfig,
): ConnectionFactoryClass | ValkeyConnectionFactory | undefined {
  const own = cache.connectionFactory;
  if (own === undefined || isConnectionFactoryClass(own) || isConnectionFactory(own)) return own;
  throw notA(cache, 'options.connectionFactory', own, `a connection factory (${FACTORY_EXPECTED})`);
}
