import { ClassRegistry } from '../util/class-registry.js';
import { ConnectionFactory } from './connection-factory.js';
import type { ValkeyConnectionFactory } from './connection-factory-types.js';
import { ConnectionPool } from './connection-pool.js';
import type { ValkeyPool } from './connection-pool-types.js';
import { SentinelConnectionFactory } from './sentinel/sentinel-connection-factory.js';
import { SentinelConnectionPool } from './sentinel/sentinel-connection-pool.js';

/**
 * Connection factories by name (`'ConnectionFactory'`, `'django_valkey.pool.ConnectionFactory'`,
 * `'SentinelConnectionFactory'`, `'django_valkey.pool.SentinelConnectionFactory'`).
 */
export const connectionFactories = new ClassRegistry<ValkeyConnectionFactory>('connection factory')
  .register(ConnectionFactory)
  .register(SentinelConnectionFactory, 'django_valkey.pool.SentinelConnectionFactory');

/**
 * Pool classes by name (`'ConnectionPool'`, `'valkey.ConnectionPool'`, `'SentinelConnectionPool'`,
 * `'valkey.sentinel.SentinelConnectionPool'`, …).
 */
export const connectionPools = new ClassRegistry<ValkeyPool>('connection pool class')
  .register(ConnectionPool)
  .register(SentinelConnectionPool, 'valkey.sentinel.SentinelConnectionPool');
