/**
 * Terminus health indicator of the caches (`nestjs-valkey-cache/health`; needs the optional peer
 * `@nestjs/terminus` 11 or 12).
 */
export {
  DEFAULT_HEALTH_TIMEOUT_MS,
  ValkeyHealthIndicator,
  type ReplicaHealth,
  type SentinelHealth,
  type ValkeyHealthDetails,
  type ValkeyHealthOptions,
} from './valkey-health-indicator.js';
