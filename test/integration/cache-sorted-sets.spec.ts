/**
 * Sorted sets on the shared standalone server: members encoded like values, scores as numbers,
 * `ZADD`'s flags, ranges, pops and ranks (the shared suite `api-sorted-sets.ts`).
 */
import { standaloneTarget } from './cache-support.js';
import { sortedSetsApi } from './api-sorted-sets.js';

sortedSetsApi(standaloneTarget(14));
