/**
 * Lists on the shared standalone server: elements encoded like values, pushes and pops, ranges,
 * `LMOVE`, and the blocking pops with their timeout rule (the shared suite `api-lists.ts`).
 */
import { standaloneTarget } from './cache-support.js';
import { listsApi } from './api-lists.js';

listsApi(standaloneTarget(15));
