/**
 * django-valkey's backend test cases (tests/test_backend.py), ported as behaviour: the core API
 * under every serializer x compressor pair, against the shared standalone Valkey, through Nest.
 * Compressors run with `compressMinLength: 0` so that every serialized value is compressed.
 */
import { standaloneTarget } from './cache-support.js';
import { coreApi } from './api-core.js';

coreApi(standaloneTarget(1));
