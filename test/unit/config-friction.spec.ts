import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CacheConfigError } from '../../lib/errors.js';
import { SUSPICIOUS_TIMEOUT_SECONDS } from '../../lib/config/validate-caches.js';
import { resolveCaches } from '../../lib/module/resolve-caches.js';

const LOCATION = 'valkey://127.0.0.1:6379/0';

function problemsOf(caches: unknown): string[] {
  try {
    resolveCaches(caches);
  } catch (error) {
    if (!(error instanceof CacheConfigError)) throw error;
    return error.problems.map((p) => `caches.${p.alias}.${p.path}: ${p.message}`);
  }
  return [];
}

describe('names other cache libraries use', () => {
  it.each([
    ['ttl', "'timeout' (seconds)"],
    ['TTL', "'timeout' (seconds)"],
    ['expires', "'timeout' (seconds)"],
    ['prefix', "'keyPrefix'"],
  ])('%s suggests %s', (key, suggestion) => {
    expect(problemsOf({ main: { location: LOCATION, [key]: 60 } })).toEqual([
      `caches.main.${key}: unknown option (did you mean ${suggestion}?)`,
    ]);
  });
});

describe('a timeout that looks like milliseconds', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('logs one warning at boot naming the alias and the unit', () => {
    resolveCaches({
      api: { location: LOCATION, timeout: 3_600_000 },
      sessions: { location: LOCATION, timeout: SUSPICIOUS_TIMEOUT_SECONDS },
      forever: { location: LOCATION, timeout: null },
    });
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'caches.api.timeout is 3600000 seconds (over 30 days): timeouts are in seconds, not milliseconds',
    ]);
  });
});
