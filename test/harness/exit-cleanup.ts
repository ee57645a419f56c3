import { hostProcess } from './host-process.js';

/** Something that can release its processes synchronously while the host process exits. */
export interface ExitCleanup {
  /** SIGKILLs what is left and removes files; must be synchronous and must not throw. */
  cleanUpNow(): void;
}

interface CleanupState {
  readonly pending: Set<ExitCleanup>;
}

/**
 * Shared by every copy of this module in the process (jest loads one copy per test file), so
 * the host process gets one set of listeners only.
 */
const STATE_KEY = Symbol.for('nestjs-valkey-cache.harness.exit-cleanup');

function state(): CleanupState {
  const host = hostProcess() as NodeJS.Process & { [STATE_KEY]?: CleanupState };
  const existing = host[STATE_KEY];
  if (existing) return existing;
  const created: CleanupState = { pending: new Set() };
  host[STATE_KEY] = created;
  const runAll = (): void => {
    for (const cleanup of [...created.pending]) {
      created.pending.delete(cleanup);
      try {
        cleanup.cleanUpNow();
      } catch {
        // best effort while exiting
      }
    }
  };
  host.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      runAll();
      host.removeListener(signal, onSignal);
      // Keep the default "terminate" behaviour unless someone else handles the signal.
      if (host.listenerCount(signal) === 0) host.kill(host.pid, signal);
    };
    host.on(signal, onSignal);
  }
  return created;
}

/** Runs `cleanup.cleanUpNow()` if the host process exits or gets SIGINT/SIGTERM first. */
export function cleanUpOnExit(cleanup: ExitCleanup): void {
  state().pending.add(cleanup);
}

/** Cancels {@link cleanUpOnExit} after a normal stop. */
export function cancelCleanUpOnExit(cleanup: ExitCleanup): void {
  state().pending.delete(cleanup);
}
