/**
 * jest globalSetup of the integration project: starts the shared standalone server and sentinel
 * topology (see shared-environment.ts) and exports their description through
 * `process.env.NVC_TOPOLOGY_FILE`. Runs in the jest main process, which owns the servers.
 */
import { register } from 'node:module';
import type { SharedEnvironment } from './shared-environment.js';

/** Where the handle lives until global-teardown.ts; the same key is spelled out there. */
const HANDLE_KEY = Symbol.for('nestjs-valkey-cache.harness.shared-environment');

/** Starts the shared servers; their handle stays on `globalThis` for the teardown. */
export default async function globalSetup(): Promise<void> {
  // jest transpiles this file only; its imports go through Node's loader, which needs help to
  // load the TypeScript harness (see ts-esm-hooks.mjs).
  register('./ts-esm-hooks.mjs', import.meta.url);
  const { startSharedEnvironment } = await import('./shared-environment.js');
  const started = Date.now();
  const environment: SharedEnvironment = await startSharedEnvironment();
  (globalThis as Record<symbol, unknown>)[HANDLE_KEY] = environment;
  if (process.env.NVC_HARNESS_VERBOSE) {
    console.log(`\nshared valkey topology up in ${Date.now() - started} ms: ${environment.file}`);
  }
}
