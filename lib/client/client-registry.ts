import { ClassRegistry } from '../util/class-registry.js';
import { DefaultClient } from './default-client.js';
import { ClusterClient } from './cluster-client.js';
import { HerdClient } from './herd-client.js';
import { SentinelClient } from './sentinel-client.js';
import { ShardClient } from './shard-client.js';

/** Client classes by name (`'DefaultClient'`, `'django_valkey.client.DefaultClient'`, `'SentinelClient'`, `'ShardClient'`, `'HerdClient'`, …). */
export const clientClasses = new ClassRegistry<DefaultClient>('client class')
  .register(DefaultClient)
  .register(SentinelClient)
  .register(ShardClient)
  .register(HerdClient)
  .register(ClusterClient);
