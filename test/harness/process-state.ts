import { existsSync, readFileSync } from 'node:fs';

/** Reads the one-letter state of `pid` from /proc (e.g. `R`, `S`, `T`, `Z`), or null. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ..." -- comm may contain spaces or parentheses, so split at the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

/** True when a process with this PID exists in the process table (zombies included). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is running or stopped. A zombie counts as dead: daemonized servers are
 * re-parented to PID 1, which on some machines reaps only every second or two.
 */
export function isProcessAlive(pid: number): boolean {
  if (!pidExists(pid)) return false;
  return procState(pid) !== 'Z';
}

/**
 * True when `pid` looks like a valkey-server or valkey-sentinel (checked through
 * /proc/PID/cmdline, which Valkey rewrites to e.g. `valkey-server 127.0.0.1:6379`). Used before
 * SIGKILL on a PID read from a file, as a guard against PID reuse (a zombie has an empty
 * cmdline and answers false). Where /proc is missing it answers true.
 */
export function looksLikeValkey(pid: number): boolean {
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('valkey');
  } catch {
    return false;
  }
}

/** Sends `signal` to `pid`, ignoring "no such process". */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
