import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Valkey, type RedisOptions } from 'iovalkey';
import { adminCommand } from '../harness/admin-command.js';
import { newProcess } from '../harness/node-factory.js';
import { allocatePort } from '../harness/ports.js';
import { serverArgs } from '../harness/process-config.js';
import { pidExists } from '../harness/process-state.js';
import { RunDirectory } from '../harness/run-directory.js';
import { sharedTopology } from '../harness/shared-topology.js';
import {
  isProcessAlive,
  sentinelServiceNames,
  startSentinelTopology,
  startStandalone,
  waitFor,
  type NodeAddress,
  type SentinelTopology,
} from '../harness/topology.js';

/** Opens an iovalkey client, runs `body`, and always closes the client. */
async function withClient<T>(
  address: NodeAddress,
  body: (client: Valkey) => Promise<T>,
  options: RedisOptions = {},
): Promise<T> {
  const client = new Valkey({
    host: address.host,
    port: address.port,
    maxRetriesPerRequest: 1,
    ...options,
  });
  try {
    return await body(client);
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

/** Waits (bounded) until no PID is in the process table any more, zombies included. */
async function expectAllReaped(pids: readonly number[]): Promise<void> {
  // Right away: nothing runs any more (a zombie waiting for PID 1 to reap it is not running).
  expect(pids.filter((pid) => isProcessAlive(pid))).toEqual([]);
  // Then, once PID 1 reaped them: kill(pid, 0) fails for every one.
  await waitFor(async () => (pids.every((pid) => !pidExists(pid)) ? true : undefined), {
    timeoutMs: 10_000,
    what: `PIDs ${pids.join(' ')} to be reaped`,
  });
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
}

describe('shared topology (global setup)', () => {
  const shared = sharedTopology();

  it('runs a standalone server', async () => {
    await withClient(shared.standalone, async (client) => {
      await client.set('harness:standalone', 'ok');
      expect(await client.get('harness:standalone')).toBe('ok');
      await client.del('harness:standalone');
    });
    expect(shared.valkeyUrl(3)).toBe(`valkey://127.0.0.1:${shared.standalone.port}/3`);
  });

  it('replicates writes on the primary to both replicas', async () => {
    const key = `harness:replicated:${process.pid}`;
    await withClient(shared.primary, async (primary) => {
      await primary.set(key, 'hello');
      expect(await primary.call('WAIT', '2', '5000')).toBe(2);
    });
    expect(shared.replicas).toHaveLength(2);
    for (const replica of shared.replicas) {
      await withClient(replica, async (client) => {
        expect(await client.get(key)).toBe('hello');
        await expect(client.set(key, 'nope')).rejects.toThrow(/READONLY/);
      });
    }
    await withClient(shared.primary, (primary) => primary.del(key));
  });

  it('has three sentinels that report the same primary', async () => {
    expect(shared.sentinels).toHaveLength(3);
    for (const sentinel of shared.sentinels) {
      await withClient(sentinel, async (client) => {
        const reply = await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', shared.serviceName);
        expect(reply).toEqual([shared.primary.host, String(shared.primary.port)]);
      });
    }
  });
});

describe('a private sentinel topology', () => {
  let topology: SentinelTopology;

  beforeAll(async () => {
    topology = await startSentinelTopology();
  }, 45_000);

  afterAll(async () => {
    await topology?.stop();
  }, 20_000);

  it('starts healthy with a unique service name', async () => {
    expect(topology.serviceName).toMatch(/^svc_\d+_[0-9a-f]{8}$/);
    const primary = await topology.primary();
    expect(primary.initialRole).toBe('primary');
    expect((await topology.replicas()).map((node) => node.port).sort()).toEqual(
      topology.nodes
        .filter((node) => node.initialRole === 'replica')
        .map((node) => node.port)
        .sort(),
    );
  });

  it('elects a replica after SIGKILL of the primary, and the old primary rejoins as replica', async () => {
    const old = await topology.primary();
    const oldPid = old.pid;
    await topology.kill(old);
    expect(isProcessAlive(oldPid)).toBe(false);

    const elected = await topology.waitForPrimary({ not: old }, 20_000);
    expect(elected.initialRole).toBe('replica');
    await withClient(elected, async (client) => {
      await client.set('harness:after-failover', '1');
    });

    await topology.restart(old);
    expect(old.pid).not.toBe(oldPid);
    expect(old.port).toBe(topology.nodes[0]!.port);
    const replicas = await topology.waitForReplicas(2, 30_000);
    expect(replicas).toContain(old);
    await withClient(old, async (client) => {
      const role = (await client.call('ROLE')) as unknown[];
      expect(role.slice(0, 3)).toEqual(['slave', elected.host, elected.port]);
      expect(await client.get('harness:after-failover')).toBe('1');
    });
  }, 60_000);

  it('moves the primary with failover()', async () => {
    const before = await topology.failover();
    const after = await topology.waitForPrimary({ not: before }, 20_000);
    expect(after).not.toBe(before);
    for (const sentinel of topology.sentinels) {
      await withClient(sentinel, async (client) => {
        expect(
          await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', topology.serviceName),
        ).toEqual([after.host, String(after.port)]);
      });
    }
  }, 40_000);

  it('leaves no process behind after stop()', async () => {
    const pids = topology.startedPids;
    expect(pids.length).toBeGreaterThanOrEqual(7);
    const dir = topology.dir;
    await topology.stop();
    expect(existsSync(dir)).toBe(false);
    await expectAllReaped(pids);
  }, 30_000);
});

describe('two topologies at the same time', () => {
  it('get distinct ports and service names and do not see each other', async () => {
    const started = await Promise.allSettled([startSentinelTopology(), startSentinelTopology()]);
    const topologies = started.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    try {
      expect(started.filter((result) => result.status === 'rejected')).toEqual([]);
      const [a, b] = topologies as [SentinelTopology, SentinelTopology];
      expect(a.serviceName).not.toBe(b.serviceName);
      const ports = topologies.flatMap((t) =>
        [...t.nodes, ...t.sentinelNodes].map((node) => node.port),
      );
      expect(new Set(ports).size).toBe(ports.length);
      for (const topology of topologies) {
        for (const sentinel of topology.sentinelNodes) {
          expect(await sentinelServiceNames(sentinel)).toEqual([topology.serviceName]);
        }
      }
    } finally {
      const pids = topologies.flatMap((t) => t.startedPids);
      await Promise.all(topologies.map((t) => t.stop()));
      await expectAllReaped(pids);
    }
  }, 60_000);
});

describe('standalone server', () => {
  it('can be paused and resumed, and stop() removes everything', async () => {
    const server = await startStandalone();
    try {
      server.node.pause();
      await expect(adminCommand(server, ['PING'], { timeoutMs: 300 })).rejects.toThrow(
        /no reply|timeout/i,
      );
      server.node.resume();
      expect(await adminCommand(server, ['PING'])).toBe('PONG');
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    await expectAllReaped(server.node.startedPids);
  }, 20_000);
});

describe('crash watchdog', () => {
  it('kills the servers and removes the directory when the owner dies by SIGKILL', async () => {
    const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => owner.once('exit', resolve));
    const run = RunDirectory.create({ ownerPid: owner.pid! });
    const server = newProcess(run, 'server', 'standalone', await allocatePort());
    try {
      await server.start(serverArgs(server.spec));
      expect(run.registeredPids).toEqual([server.pid]);

      owner.kill('SIGKILL');
      await exited;
      await waitFor(
        async () => (!isProcessAlive(server.pid) && !existsSync(run.dir) ? true : undefined),
        {
          timeoutMs: 5000,
          what: 'the watchdog to clean up',
        },
      );
    } finally {
      owner.kill('SIGKILL');
      run.cleanUpNow();
    }
  }, 20_000);
});
