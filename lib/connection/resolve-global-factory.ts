import { CacheConfigError } from '../errors.js';
import type { Named } from '../config/cache-config.js';
import { hint } from '../config/did-you-mean.js';
import { ConnectionFactory } from './connection-factory.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from './connection-factory-types.js';
import { markImplicit } from './implicit-factory.js';
import { connectionFactories } from './pool-registry.js';

/**
 * The value of the `VALKEY_CONNECTION_FACTORY` token: the module's `connectionFactory` option
 * (class, registered name, or instance), or an implicit `ConnectionFactory`.
 */
export function resolveGlobalFactory(
  option: Named<ConnectionFactoryClass> | ValkeyConnectionFactory | undefined,
): ValkeyConnectionFactory {
  if (option === undefined) return markImplicit(new ConnectionFactory());
  if (typeof option === 'function') return new option();
  if (typeof option === 'object' && option !== null) return option;
  const cls = connectionFactories.lookup(option);
  if (!cls) {
    const short = option.slice(option.lastIndexOf('.') + 1);
    throw new CacheConfigError([
      {
        alias: '*',
        path: 'moduleOptions.connectionFactory',
        message: `unknown connection factory '${option}'${hint(short, connectionFactories.names())}`,
      },
    ]);
  }
  return new (cls as unknown as ConnectionFactoryClass)();
}
