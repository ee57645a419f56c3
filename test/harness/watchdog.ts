import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How often the watchdog checks its owner, in ms. */
export const WATCHDOG_INTERVAL_MS = 500;

/** Path of the plain-JavaScript watchdog script next to this file. */
const WATCHDOG_SCRIPT = fileURLToPath(new URL('./watchdog-script.mjs', import.meta.url));

/**
 * Starts a detached watchdog process for one run directory (see `watchdog-script.mjs`): when the owner
 * named in `stateFile` dies without cleaning up, even by SIGKILL, the watchdog SIGKILLs the PIDs
 * listed there and removes the run directory. It exits by itself once `stateFile` is removed.
 * The child is unreferenced and has no stdio, so it never keeps the caller (jest) alive.
 *
 * @returns the watchdog PID
 */
export function spawnWatchdog(stateFile: string): number {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [WATCHDOG_SCRIPT, stateFile, String(WATCHDOG_INTERVAL_MS)],
    {
      detached: true,
      stdio: 'ignore',
      env,
    },
  );
  child.once('error', () => undefined);
  child.unref();
  if (child.pid === undefined)
    throw new Error(`could not start the harness watchdog (${WATCHDOG_SCRIPT})`);
  return child.pid;
}
