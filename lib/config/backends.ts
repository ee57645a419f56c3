/**
 * Names a config's `backend` may use for the Valkey Cluster backend (`ValkeyClusterCache`, and
 * django-valkey's). Shared by config validation and the testing kit, which runs these caches on
 * one in-memory server.
 */
export const CLUSTER_BACKENDS: readonly string[] = [
  'ValkeyClusterCache',
  'django_valkey.cluster_cache.cache.ClusterValkeyCache',
  'ClusterValkeyCache',
];
