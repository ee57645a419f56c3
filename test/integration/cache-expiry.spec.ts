/**
 * Timeouts and expiry, ported from django-valkey's backend tests (behaviour, not code): the
 * `timeout` argument (omitted, `null`, `0`, negative, fractional), `ttl`/`pttl`, `expire*`,
 * `persist` and `touch`. Timeouts are in seconds; the sleeps are kept short with fractional
 * timeouts.
 */
import { standaloneTarget } from './cache-support.js';
import { expiryApi } from './api-expiry.js';

expiryApi(standaloneTarget(2));
