import type { RedisOptions } from 'iovalkey';
import { HARNESS_HOST } from './defaults.js';
import { allocatePort } from './ports.js';
import type { RunDirectory } from './run-directory.js';
import {
  ProcessStartError,
  ValkeyProcess,
  type InitialRole,
  type ProcessKind,
} from './valkey-process.js';

/** Fresh ports tried when a picked port turns out to be taken at bind time. */
const PORT_ATTEMPTS = 3;

/**
 * A {@link ValkeyProcess} whose files live in `<run>/<kind>-<port>/`: `valkey.pid`, `valkey.log`
 * and, for sentinels, `sentinel.conf`.
 */
export function newProcess(
  run: RunDirectory,
  kind: ProcessKind,
  initialRole: InitialRole,
  port: number,
  clientOptions?: RedisOptions,
): ValkeyProcess {
  const dataDir = run.path(`${kind}-${port}`);
  return new ValkeyProcess(
    {
      kind,
      initialRole,
      name: `${initialRole}:${port}`,
      host: HARNESS_HOST,
      port,
      binary: kind === 'server' ? 'valkey-server' : 'valkey-sentinel',
      dataDir,
      pidFile: `${dataDir}/valkey.pid`,
      logFile: `${dataDir}/valkey.log`,
      clientOptions,
    },
    run,
  );
}

/**
 * Allocates a port, builds a process with `create`, and starts it with `argsFor(process)`; when
 * the port was grabbed by someone else between the probe and the bind, retries with a new port.
 */
export async function startOnFreePort(
  create: (port: number) => ValkeyProcess,
  argsFor: (process: ValkeyProcess) => readonly string[],
  startTimeoutMs?: number,
): Promise<ValkeyProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const node = create(await allocatePort());
    try {
      await node.start(argsFor(node), startTimeoutMs);
      return node;
    } catch (error) {
      if (!(error instanceof ProcessStartError && error.portInUse) || attempt >= PORT_ATTEMPTS) {
        throw error;
      }
    }
  }
}
