// nestjs-valkey-cache/testing: run an app's caches in memory in its own tests (any test runner).
export { CacheTestingModule, type CacheTestingModuleOptions } from './cache-testing-module.js';
export {
  useInMemoryCaches,
  type InMemoryCachesOptions,
  type ProviderOverrides,
} from './use-in-memory-caches.js';
export {
  InMemoryConnectionFactory,
  InMemoryServers,
  type InMemoryConnectionFactoryOptions,
} from './in-memory-connection-factory.js';
export { InMemoryClusterClient } from './in-memory-cluster-client.js';
export { InMemoryValkey, type InMemoryValkeyOptions } from './in-memory-valkey.js';
export { InMemoryServer, type InMemoryReply, type InMemorySession } from './in-memory-server.js';
export {
  registerInMemoryScript,
  type InMemoryScriptApi,
  type InMemoryScriptHandler,
} from './commands/script-registry.js';
export { FakeClock, systemClock, type InMemoryClock } from './clock.js';
export { globMatch } from '../util/glob.js';
