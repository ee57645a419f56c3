import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSentinelTopology, type SentinelTopology } from './sentinel-topology.js';
import { TOPOLOGY_FILE_ENV, type SharedTopologyFile } from './shared-topology.js';
import { startStandalone, type StandaloneServer } from './standalone.js';

/** Servers shared by all integration test files, owned by the jest main process. */
export interface SharedEnvironment {
  readonly standalone: StandaloneServer;
  readonly topology: SentinelTopology;
  /** Path of the JSON description (also in `process.env.NVC_TOPOLOGY_FILE`). */
  readonly file: string;
  /** Stops both by PID and removes their directories (and the JSON file). */
  stop(): Promise<void>;
}

/**
 * Starts one standalone server and one sentinel topology, writes their description to a JSON
 * file and sets `process.env.NVC_TOPOLOGY_FILE` to its path (jest workers inherit it).
 */
export async function startSharedEnvironment(): Promise<SharedEnvironment> {
  const [standalone, topology] = await Promise.allSettled([
    startStandalone(),
    startSentinelTopology(),
  ]);
  if (standalone.status === 'rejected' || topology.status === 'rejected') {
    await Promise.allSettled(
      [standalone, topology].map((result) =>
        result.status === 'fulfilled' ? result.value.stop() : Promise.resolve(),
      ),
    );
    throw standalone.status === 'rejected'
      ? standalone.reason
      : (topology as PromiseRejectedResult).reason;
  }
  const description: SharedTopologyFile = {
    version: 1,
    ownerPid: process.pid,
    standalone: {
      host: standalone.value.host,
      port: standalone.value.port,
      pid: standalone.value.pid,
      dir: standalone.value.dir,
    },
    sentinel: topology.value.describe(),
  };
  const file = join(standalone.value.dir, 'shared-topology.json');
  writeFileSync(file, `${JSON.stringify(description, null, 2)}\n`);
  process.env[TOPOLOGY_FILE_ENV] = file;
  return {
    standalone: standalone.value,
    topology: topology.value,
    file,
    async stop() {
      const results = await Promise.allSettled([standalone.value.stop(), topology.value.stop()]);
      delete process.env[TOPOLOGY_FILE_ENV];
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
