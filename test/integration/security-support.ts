/**
 * Helpers of the `security-*.spec.ts` files: the error and duration of a call that must fail,
 * and per-test app hooks (the app a test boots is closed after it; `Logger.error` is silenced
 * and recorded meanwhile).
 */
import { afterEach, beforeEach, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { CacheConfig } from '../../lib/index.js';
import { bootApp, type SentinelApp } from './sentinel-support.js';

/** Runs `fn`, which must reject; returns its error and how long it took, in ms. */
export async function failure(fn: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    await fn();
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

/** What {@link appPerTest} gives a describe block. */
export interface AppPerTest {
  /** Boots an app with `caches` (closed after the test). */
  boot(caches: Record<string, CacheConfig>): Promise<SentinelApp>;
  /** The current test's spy on `Logger.prototype.error` (calls are recorded, not printed). */
  errorLog(): ReturnType<typeof jest.spyOn>;
}

/**
 * Registers `beforeEach`/`afterEach` hooks in the calling describe block: each test runs with
 * `Logger.prototype.error` spied on and silenced, and the app it booted through
 * {@link AppPerTest.boot} is closed after it.
 */
export function appPerTest(): AppPerTest {
  let app: SentinelApp | undefined;
  let errorLog: ReturnType<typeof jest.spyOn> | undefined;
  beforeEach(() => {
    errorLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    errorLog?.mockRestore();
  });
  return {
    boot: async (caches) => {
      app = await bootApp(caches);
      return app;
    },
    errorLog: () => {
      if (!errorLog) throw new Error('errorLog() is only set while a test runs');
      return errorLog;
    },
  };
}
