import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cancelCleanUpOnExit, cleanUpOnExit, type ExitCleanup } from './exit-cleanup.js';
import { looksLikeValkey, signalProcess } from './process-state.js';
import { spawnWatchdog } from './watchdog.js';

/** Name of the state file the watchdog reads, inside the run directory. */
export const STATE_FILE_NAME = 'harness-state.json';

/** Options of {@link RunDirectory.create}. */
export interface RunDirectoryOptions {
  /** Process whose death triggers the watchdog (default: this process). Mainly for tests. */
  ownerPid?: number;
}

/**
 * A fresh temp directory (`<tmp>/nvc-<pid>-<random>`) holding the data, logs, pidfiles and
 * configs of one harness run, plus the registry of every PID started for it.
 *
 * The registry is mirrored to `harness-state.json` for the crash watchdog, and SIGKILLed
 * synchronously if this process exits or gets SIGINT/SIGTERM before {@link dispose}.
 */
export class RunDirectory implements ExitCleanup {
  private readonly pids = new Set<number>();
  private disposed = false;

  private constructor(
    /** Absolute path of the run directory. */
    readonly dir: string,
    private readonly ownerPid: number,
  ) {}

  /** Creates the directory, writes the state file, and starts the watchdog. */
  static create(options: RunDirectoryOptions = {}): RunDirectory {
    const dir = mkdtempSync(join(tmpdir(), `nvc-${process.pid}-`));
    const run = new RunDirectory(dir, options.ownerPid ?? process.pid);
    run.writeState();
    cleanUpOnExit(run);
    spawnWatchdog(run.stateFile);
    return run;
  }

  /** Path of the watchdog state file. */
  get stateFile(): string {
    return join(this.dir, STATE_FILE_NAME);
  }

  /** PIDs currently registered (started and not yet seen dead). */
  get registeredPids(): readonly number[] {
    return [...this.pids];
  }

  /** Registers a PID started for this run. */
  track(pid: number): void {
    this.pids.add(pid);
    this.writeState();
  }

  /** Forgets a PID once its process is known to be gone. */
  untrack(pid: number): void {
    if (this.pids.delete(pid)) this.writeState();
  }

  /** Path of `name` inside the run directory. */
  path(...name: string[]): string {
    return join(this.dir, ...name);
  }

  /**
   * Removes the directory (which also tells the watchdog to exit) and cancels the exit hook.
   * Call after the processes were stopped.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    cancelCleanUpOnExit(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Exit path: SIGKILL every registered PID and remove the directory, synchronously. */
  cleanUpNow(): void {
    for (const pid of this.pids) {
      if (looksLikeValkey(pid)) signalProcess(pid, 'SIGKILL');
    }
    this.pids.clear();
    this.dispose();
  }

  private writeState(): void {
    if (this.disposed) return;
    const state = { ownerPid: this.ownerPid, dir: this.dir, pids: [...this.pids] };
    const temp = `${this.stateFile}.tmp`;
    writeFileSync(temp, `${JSON.stringify(state)}\n`);
    renameSync(temp, this.stateFile);
  }
}
