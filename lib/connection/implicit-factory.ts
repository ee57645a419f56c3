import type { ValkeyConnectionFactory } from './connection-factory-types.js';

const implicit = new WeakSet<ValkeyConnectionFactory>();

/**
 * Marks the factory the module creates when no global factory is configured. A client class's
 * own default (e.g. `SentinelClient` -> `SentinelConnectionFactory`) wins over an implicit
 * global, but not over one the app set (in `forRoot` or by overriding the token).
 */
export function markImplicit<T extends ValkeyConnectionFactory>(factory: T): T {
  implicit.add(factory);
  return factory;
}

/** Whether `factory` is the module's implicit default (see {@link markImplicit}). */
export function isImplicit(factory: ValkeyConnectionFactory): boolean {
  return implicit.has(factory);
}
