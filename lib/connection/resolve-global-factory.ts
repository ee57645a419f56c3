import { CacheConfigError } from '../errors.js';
import type { CacheModuleOptions } from '../config/cache-config.js';
import { hint } from '../config/did-you-mean.js';
import { className } from '../util/classes.js';
import { FACTORY_EXPECTED, isConnectionFactory, isConnectionFactoryClass } from './class-checks.js';
import { ConnectionFactory } from './connection-factory.js';
import type {
  ConnectionFactoryClass,
  ValkeyConnectionFactory,
} from './connection-factory-types.js';
import { connectionFactories } from './pool-registry.js';

function optionError(message: string): CacheConfigError {
  return new CacheConfigError([{ alias: '*', path: 'moduleOptions.connectionFactory', message }]);
}

/** The global factory a module made from its options, and whether the app asked for it. */
export interface GlobalFactory {
  readonly factory: ValkeyConnectionFactory;
  /**
   * No `connectionFactory` option: a plain `ConnectionFactory` the module made itself. A client
   * class's own default (`SentinelClient` -> `SentinelConnectionFactory`) wins over it, but not
   * over a factory the app set (in `forRoot` or by overriding the token).
   */
  readonly implicit: boolean;
}

/** The module's `connectionFactory` option (class, registered name, or instance) as a factory. */
export function resolveGlobalFactory(
  option: CacheModuleOptions['connectionFactory'],
): GlobalFactory {
  return { factory: factoryOf(option), implicit: option === undefined };
}

function factoryOf(option: CacheModuleOptions['connectionFactory']): ValkeyConnectionFactory {
  if (option === undefined) return new ConnectionFactory();
  if (isConnectionFactoryClass(option)) return new option();
  if (isConnectionFactory(option)) return option;
  if (typeof option !== 'string') {
    throw optionError(
      `must be a connection factory (${FACTORY_EXPECTED}), got '${className(option)}'`,
    );
  }
  const cls = connectionFactories.lookup(option);
  if (!cls) {
    const short = option.slice(option.lastIndexOf('.') + 1);
    throw optionError(
      `unknown connection factory '${option}'${hint(short, connectionFactories.names())}`,
    );
  }
  return new (cls as unknown as ConnectionFactoryClass)();
}
