/**
 * The whole shared cache API suite (`test/integration/api-*.ts`, the bodies the standalone and
 * cluster specs run against real servers) on the in-memory store of `nestjs-valkey-cache/testing`,
 * so the testing kit cannot drift from real behaviour: every serializer x compressor pair, expiry
 * (with real sleeps of a few hundred ms), counters past int64 through the module's Lua scripts,
 * keys and patterns, locks, sorted sets and lists; then the cluster backend's share of it on `InMemoryClusterClient`.
 * No server is started (unit project).
 */
import { coreApi } from '../integration/api-core.js';
import { countersApi } from '../integration/api-counters.js';
import { expiryApi } from '../integration/api-expiry.js';
import { keysApi } from '../integration/api-keys.js';
import { listsApi } from '../integration/api-lists.js';
import { lockApi } from '../integration/api-lock.js';
import { sortedSetsApi } from '../integration/api-sorted-sets.js';
import {
  CODEC_EACH_ONCE,
  memoryClusterTarget,
  memoryTarget,
} from '../integration/cache-support.js';

describe('the cache API on the in-memory store', () => {
  const target = memoryTarget();
  coreApi(target);
  expiryApi(target);
  countersApi(target);
  keysApi(target);
  lockApi(target);
  sortedSetsApi(target);
  listsApi(target);
});

// The cluster backend in memory (InMemoryClusterClient): every serializer and compressor once,
// as the real-cluster spec does, plus the other suites minus their timed sleeps' duplicates.
describe('the cache API of a ValkeyClusterCache on the in-memory store', () => {
  const target = memoryClusterTarget();
  coreApi(target, CODEC_EACH_ONCE);
  countersApi(target);
  keysApi(target);
  sortedSetsApi(target);
  listsApi(target);
});
