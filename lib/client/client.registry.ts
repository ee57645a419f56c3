import { ClassRegistry } from '../config/class-registry.js';
import { DefaultClient } from './default.client.js';
import { SentinelClient } from './sentinel.client.js';

/** Client classes by name (`'DefaultClient'`, `'django_valkey.client.DefaultClient'`, `'SentinelClient'`, …). */
export const clientClasses = new ClassRegistry<DefaultClient>('client class')
  .register(DefaultClient)
  .register(SentinelClient);
