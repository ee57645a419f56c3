/**
 * Keys, patterns and key functions, ported from django-valkey's backend tests (behaviour, not
 * code): `makeKey`/`makePattern`, `keys`/`iterKeys` with `itersize`, `deletePattern` (one cache's
 * prefix and version only, even when the prefix holds glob characters), custom
 * `keyFunction`/`reverseKeyFunction`, and the `version` option.
 */
import { standaloneTarget } from './cache-support.js';
import { keysApi } from './api-keys.js';

keysApi(standaloneTarget(8));
