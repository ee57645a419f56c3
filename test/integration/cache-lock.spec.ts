/**
 * Locks, ported from django-valkey's backend tests and valkey-py's Lock semantics (behaviour,
 * not code): a lock is a prefixed key, owned by the one caller that acquired it, released or
 * extended only by that caller; blocking with a timeout; `run()` as Python's `with cache.lock():`.
 */
import { standaloneTarget } from './cache-support.js';
import { lockApi } from './api-lock.js';

lockApi(standaloneTarget(5));
