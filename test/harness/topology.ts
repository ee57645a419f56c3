/**
 * Public entry point of the Valkey topology harness: real `valkey-server` / `valkey-sentinel`
 * processes on loopback ports, for integration tests.
 */
export { adminCommand, formatAddress, sameAddress, type NodeAddress } from './admin-command.js';
export * from './defaults.js';
export { allocatePort, allocatePorts } from './ports.js';
export { isProcessAlive, pidExists } from './process-state.js';
export {
  startSentinelTopology,
  SentinelTopology,
  WAIT_PRIMARY_TIMEOUT_MS,
  WAIT_REPLICAS_TIMEOUT_MS,
  type PrimaryMatcher,
  type SentinelTopologyOptions,
  type TopologyDescription,
} from './sentinel-topology.js';
export { sentinelServiceNames, replicationInfo } from './replication-status.js';
export { startStandalone, type StandaloneOptions, type StandaloneServer } from './standalone.js';
export { ValkeyProcess, type InitialRole, type ProcessKind } from './valkey-process.js';
export { waitFor, pending, WaitTimeoutError } from './wait.js';
export { startCluster, type ClusterTopology } from './cluster.js';
