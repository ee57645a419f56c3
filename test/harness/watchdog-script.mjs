// Crash watchdog of the Valkey test harness (see test/harness/watchdog.ts).
//
//   node watchdog-script.mjs <stateFile> <intervalMs>
//
// The state file is JSON { ownerPid, dir, pids } kept up to date by the harness. Every
// <intervalMs> ms: when the state file is gone the owner stopped cleanly, so exit; when the owner
// process is gone (or a zombie), SIGKILL every listed PID that still looks like a Valkey process,
// remove <dir>, and exit. Plain JavaScript so it runs without a TypeScript loader.
import { existsSync, readFileSync, rmSync } from 'node:fs';

const [stateFile, intervalArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg) > 0 ? Number(intervalArg) : 500;
let lastState;

function readState() {
  try {
    lastState = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    // half-written or just removed: keep the last good copy
  }
  return lastState;
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !existsSync('/proc/self');
  }
}

function looksLikeValkey(pid) {
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('valkey');
  } catch {
    return false;
  }
}

function cleanUp(state) {
  for (const pid of state.pids ?? []) {
    if (!Number.isInteger(pid) || pid <= 1 || !looksLikeValkey(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (typeof state.dir === 'string' && state.dir.length > 1) {
    rmSync(state.dir, { recursive: true, force: true });
  }
}

function tick() {
  if (!existsSync(stateFile)) process.exit(0);
  const state = readState();
  if (state && Number.isInteger(state.ownerPid) && !isRunning(state.ownerPid)) {
    cleanUp(state);
    process.exit(0);
  }
}

tick();
setInterval(tick, intervalMs);
