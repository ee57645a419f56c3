import { CacheConfigError } from '../errors.js';
import type { ResolvedCacheConfig } from '../config/resolved-config.js';
import { className, extendsClass } from '../util/classes.js';
import type { ClientClass } from './client-class.js';
import { DefaultClient } from './default-client.js';

/** What a client class option takes besides a name, for messages. */
export const CLIENT_CLASS_EXPECTED = 'DefaultClient or a subclass';

/** Whether `value` is a client class: `DefaultClient` or a subclass. */
export function isClientClass(value: unknown): value is ClientClass {
  return extendsClass(value, DefaultClient);
}

/** `config.clientClass` as a {@link ClientClass}; throws a `CacheConfigError` when it is not one. */
export function clientClassOf(config: ResolvedCacheConfig): ClientClass {
  const cls = config.clientClass;
  if (isClientClass(cls)) return cls;
  throw new CacheConfigError([
    {
      alias: config.alias,
      path: 'options.clientClass',
      message: `must be a client class (${CLIENT_CLASS_EXPECTED}), got '${className(cls)}'`,
    },
  ]);
}
