import { ClassRegistry } from '../config/class-registry.js';
import { ConnectionFactory } from './connection-factory.js';
import type { ValkeyConnectionFactory } from './connection-factory.interface.js';
import { ConnectionPool } from './connection-pool.js';
import type { ValkeyPool } from './connection-pool.interface.js';

/** Connection factories by name (`'ConnectionFactory'`, `'django_valkey.pool.ConnectionFactory'`). */
export const connectionFactories = new ClassRegistry<ValkeyConnectionFactory>('connection factory').register(
  ConnectionFactory,
);

/** Pool classes by name (`'ConnectionPool'`, `'valkey.ConnectionPool'`, …). */
export const connectionPools = new ClassRegistry<ValkeyPool>('connection pool class').register(ConnectionPool);
