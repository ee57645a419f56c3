import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisOptions } from 'iovalkey';
import { adminCommand, type NodeAddress } from './admin-command.js';
import { isProcessAlive, looksLikeValkey, signalProcess } from './process-state.js';
import type { DaemonFiles } from './process-config.js';
import type { RunDirectory } from './run-directory.js';

/** What a process is. */
export type ProcessKind = 'server' | 'sentinel';

/** Role a process was started with (a primary may later be demoted, and so on). */
export type InitialRole = 'standalone' | 'primary' | 'replica' | 'sentinel';

/** Default bound for a start (spawn, pidfile, first PONG), in ms. */
export const START_TIMEOUT_MS = 10_000;
/** Default grace period between SIGTERM and SIGKILL in {@link ValkeyProcess.stop}, in ms. */
export const STOP_GRACE_MS = 3000;
/** Bound for a process to disappear after SIGKILL, in ms. */
const KILL_WAIT_MS = 3000;
/** Poll period while starting/stopping, in ms. */
const POLL_MS = 25;

/** Static description of one daemonized process. */
export interface ValkeyProcessSpec extends DaemonFiles {
  readonly kind: ProcessKind;
  readonly initialRole: InitialRole;
  /** Short label for messages, e.g. `server:12345`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `valkey-server` or `valkey-sentinel`. */
  readonly binary: string;
  /** Options for admin connections (password, TLS, ...). */
  readonly clientOptions?: RedisOptions;
}

/** The process quit or could not bind its port during start. */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  constructor(
    message: string,
    /** True when the log says the port was taken. */
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

/**
 * One daemonized `valkey-server` or `valkey-sentinel` on a fixed port. Started with
 * `--daemonize yes`; the PID comes from its pidfile and is registered in the {@link RunDirectory}
 * so nothing outlives the test run. All waits are bounded.
 */
export class ValkeyProcess implements NodeAddress {
  private currentPid: number | undefined;
  /** True from the PID's discovery until it is seen gone; guards signals against PID reuse. */
  private live = false;
  private isPaused = false;
  private readonly history: number[] = [];

  constructor(
    readonly spec: ValkeyProcessSpec,
    private readonly run: RunDirectory,
  ) {}

  /** Loopback host. */
  get host(): string {
    return this.spec.host;
  }

  /** TCP port; unchanged across restarts. */
  get port(): number {
    return this.spec.port;
  }

  /** `server` or `sentinel`. */
  get kind(): ProcessKind {
    return this.spec.kind;
  }

  /** Role at first start. */
  get initialRole(): InitialRole {
    return this.spec.initialRole;
  }

  /** Working directory of the process. */
  get dataDir(): string {
    return this.spec.dataDir;
  }

  /** Log file of the process. */
  get logFile(): string {
    return this.spec.logFile;
  }

  /** PID of the current (or last) incarnation, or -1 before the first start. */
  get pid(): number {
    return this.currentPid ?? -1;
  }

  /** Every PID this object ever started, oldest first. */
  get startedPids(): readonly number[] {
    return [...this.history];
  }

  /** True while the process is running or paused. */
  get running(): boolean {
    return this.live && this.currentPid !== undefined && isProcessAlive(this.currentPid);
  }

  /** True between {@link pause} and {@link resume}. */
  get paused(): boolean {
    return this.isPaused;
  }

  /**
   * Spawns the daemon with `args` and waits until it answers PING.
   *
   * @param args full argument list (server flags, or the sentinel config path)
   * @param timeoutMs bound in ms (default {@link START_TIMEOUT_MS})
   * @throws ProcessStartError when it exits or times out; the message carries the log tail
   */
  async start(args: readonly string[], timeoutMs = START_TIMEOUT_MS): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    mkdirSync(this.spec.dataDir, { recursive: true });
    rmSync(this.spec.pidFile, { force: true });
    const logOffset = fileSize(this.spec.logFile);
    this.currentPid = undefined;
    this.isPaused = false;
    const deadline = Date.now() + timeoutMs;

    await this.spawnDaemon(args, timeoutMs);
    let lastError = 'no pidfile yet';
    while (Date.now() < deadline) {
      const pid: number | undefined = this.currentPid ?? readPidFile(this.spec.pidFile);
      if (pid !== undefined && this.currentPid === undefined) {
        this.currentPid = pid;
        this.live = true;
        this.history.push(pid);
        this.run.track(pid);
      }
      if (pid !== undefined) {
        if (!isProcessAlive(pid)) {
          this.markGone(pid);
          throw this.startError(`exited during start (pid ${pid})`, logOffset);
        }
        try {
          const reply = await adminCommand(this, ['PING'], {
            timeoutMs: 500,
            clientOptions: this.spec.clientOptions,
          });
          if (reply === 'PONG') return;
          lastError = `PING answered ${String(reply)}`;
        } catch (error) {
          lastError = (error as Error).message;
        }
      }
      await sleep(POLL_MS);
    }
    const message = `did not answer PING within ${timeoutMs} ms (${lastError})`;
    await this.kill();
    throw this.startError(message, logOffset);
  }

  /**
   * SIGCONT (in case it is paused), SIGTERM, and after `graceMs` ms SIGKILL; returns once the
   * process is gone (a zombie waiting for PID 1 to reap it counts as gone).
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    const pid = this.livePid();
    if (pid === undefined) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    this.isPaused = false;
    if (!(await waitGone(pid, graceMs))) {
      this.signal('SIGKILL');
      if (!(await waitGone(pid, KILL_WAIT_MS))) {
        throw new Error(`${this.spec.name} (pid ${pid}) survived SIGKILL for ${KILL_WAIT_MS} ms`);
      }
    }
    this.markGone(pid);
  }

  /** SIGKILL; returns once the process is gone. */
  async kill(): Promise<void> {
    const pid = this.livePid();
    if (pid === undefined) return;
    this.signal('SIGKILL');
    this.isPaused = false;
    if (!(await waitGone(pid, KILL_WAIT_MS))) {
      throw new Error(`${this.spec.name} (pid ${pid}) survived SIGKILL for ${KILL_WAIT_MS} ms`);
    }
    this.markGone(pid);
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing. */
  pause(): void {
    if (!this.signal('SIGSTOP')) throw new Error(`${this.spec.name} is not running`);
    this.isPaused = true;
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (!this.signal('SIGCONT')) throw new Error(`${this.spec.name} is not running`);
    this.isPaused = false;
  }

  /** Sends one admin command to this process (bounded, see {@link adminCommand}). */
  command(args: readonly (string | number)[], timeoutMs?: number): Promise<unknown> {
    return adminCommand(this, args, { timeoutMs, clientOptions: this.spec.clientOptions });
  }

  /** Last `lines` lines of the log file, or a note when there is none. */
  logTail(lines = 20): string {
    return `--- ${this.spec.name} ${this.spec.logFile} (last ${lines} lines) ---\n${tailFile(this.spec.logFile, lines)}`;
  }

  /** The PID if the process was started and not yet seen gone; forgets it once gone. */
  private livePid(): number | undefined {
    const pid = this.currentPid;
    if (pid === undefined || !this.live) return undefined;
    if (!isProcessAlive(pid)) {
      this.markGone(pid);
      return undefined;
    }
    return pid;
  }

  /**
   * Signals the current process unless it is gone or its PID no longer names a Valkey process.
   *
   * @returns whether the signal was sent
   */
  private signal(signal: NodeJS.Signals): boolean {
    const pid = this.livePid();
    if (pid === undefined || !looksLikeValkey(pid)) return false;
    signalProcess(pid, signal);
    return true;
  }

  private markGone(pid: number): void {
    this.live = false;
    this.run.untrack(pid);
  }

  private spawnDaemon(args: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.spec.binary, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}${stderr}`.trim();
          reject(
            new ProcessStartError(
              `${this.spec.name}: ${this.spec.binary} failed: ${error.message}\n${output}`,
              /Address already in use/.test(output),
            ),
          );
        } else {
          resolve();
        }
      });
    });
  }

  private startError(what: string, logOffset: number): ProcessStartError {
    const fresh = readFrom(this.spec.logFile, logOffset);
    return new ProcessStartError(
      `${this.spec.name} on ${this.host}:${this.port} ${what}\n${this.logTail()}`,
      /Address already in use/.test(fresh),
    );
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readFrom(path: string, offset: number): string {
  try {
    const size = fileSize(path);
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, offset);
    } finally {
      closeSync(fd);
    }
    return buffer.toString('utf8');
  } catch {
    return '';
  }
}

function tailFile(path: string, lines: number): string {
  const start = Math.max(0, fileSize(path) - 64 * 1024);
  const text = readFrom(path, start);
  if (text === '') return '(no log output)';
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
