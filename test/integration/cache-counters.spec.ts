/**
 * Counters and versions, ported from django-valkey's backend tests (behaviour, not code):
 * integers stored as raw digits, `incr`/`decr` around the int64 edges (beyond 2^53 as bigint,
 * past int64 by read-add-write keeping the TTL), `ignoreKeyCheck`, `incrVersion`/`decrVersion`.
 */
import { standaloneTarget } from './cache-support.js';
import { countersApi } from './api-counters.js';

countersApi(standaloneTarget(3));
