/**
 * jest globalTeardown of the integration project: stops the shared servers started by
 * global-setup.ts, by PID, and removes their directories. Imports nothing at run time, so it
 * works even when the setup failed half-way.
 */
import type { SharedEnvironment } from './shared-environment.js';

/** Same key as in global-setup.ts. */
const HANDLE_KEY = Symbol.for('nestjs-valkey-cache.harness.shared-environment');

/** Stops the shared servers, if the setup started them. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<symbol, unknown>;
  const environment = holder[HANDLE_KEY] as SharedEnvironment | undefined;
  delete holder[HANDLE_KEY];
  await environment?.stop();
}
