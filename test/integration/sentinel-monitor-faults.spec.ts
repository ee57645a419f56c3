/**
 * The Sentinel monitor's pub/sub connections under sentinel faults, on this spec's OWN topology
 * (1 primary, no replica, 2 sentinels: sentinels are killed and restarted here):
 *
 * - a subscriber subscribes again by itself after its sentinel restarts (the monitor turns off
 *   iovalkey's `autoResubscribe` and subscribes on every `ready`);
 * - closing the monitor while a subscriber reconnects to a hung sentinel raises no
 *   `unhandledRejection` on the real process (iovalkey's own resubscribe sends SUBSCRIBE without
 *   a rejection handler), and a refused SUBSCRIBE is logged;
 * - `sentinelKwargs.socketConnectTimeout` bounds iovalkey's own sentinel connections (the
 *   primary look-up), not only the monitor's.
 */
import 'reflect-metadata';
import { createServer, type Server, type Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Valkey } from 'iovalkey';
import {
  CacheConnectionError,
  CacheModule,
  getCacheToken,
  type ValkeyCache,
} from '../../lib/index.js';
import { SENTINEL_CHANNELS } from '../../lib/connection/sentinel/sentinel-channels.js';
import { sentinelConnectionOptions } from '../../lib/connection/sentinel/sentinel-connection-options.js';
import { SentinelMonitor } from '../../lib/connection/sentinel/sentinel-monitor.js';
import { adminCommand, type NodeAddress } from '../harness/admin-command.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { pending, waitFor } from '../harness/wait.js';
import { ProcessGuard } from './fault-support.js';

/** Timeouts of the monitor's sentinel connections, in seconds. */
const SENTINEL_TIMEOUTS = { socketTimeout: 0.5, socketConnectTimeout: 0.5 };

let topology: SentinelTopology;
const guard = new ProcessGuard();

beforeAll(async () => {
  topology = await startSentinelTopology({ replicas: 0, sentinels: 2 });
});

afterAll(async () => {
  await topology?.stop();
});

beforeEach(() => guard.install());
afterEach(async () => {
  await guard.remove();
});

function newMonitor(logger = new Logger('sentinel-monitor-faults')): {
  monitor: SentinelMonitor;
  subscribers: Valkey[];
} {
  const monitor = new SentinelMonitor(
    `monitor-faults-${Math.random()}`,
    topology.serviceName,
    topology.sentinels,
    sentinelConnectionOptions(SENTINEL_TIMEOUTS),
    60_000,
    true,
    logger,
  );
  monitor.start();
  // the monitor's pub/sub connections, one per sentinel in the order given
  const subscribers = [...(monitor as unknown as { subscribers: Valkey[] }).subscribers];
  expect(subscribers).toHaveLength(topology.sentinels.length);
  return { monitor, subscribers };
}

/** How many channels the monitor's connection (its local port) has subscribed on `sentinel`. */
async function subscriptions(sentinel: NodeAddress, client: Valkey): Promise<number | undefined> {
  const port = client.stream?.localPort;
  if (client.status !== 'ready' || port === undefined) return undefined;
  const list = String(await adminCommand(sentinel, ['CLIENT', 'LIST']));
  const line = list.split('\n').find((l) => new RegExp(` addr=[^ ]+:${port} `).test(l));
  const sub = line === undefined ? undefined : /\bsub=(\d+)/.exec(line)?.[1];
  return sub === undefined ? undefined : Number(sub);
}

async function waitSubscribed(sentinel: NodeAddress, client: Valkey): Promise<void> {
  await waitFor(
    async () => {
      const n = await subscriptions(sentinel, client);
      return n === SENTINEL_CHANNELS.length ? true : pending(`sub=${String(n)}`);
    },
    { timeoutMs: 10_000, intervalMs: 50, what: 'the monitor subscribed to the sentinel events' },
  );
}

async function restartSentinel(index: number): Promise<void> {
  const node = topology.sentinelNodes[index]!;
  if (!node.running) await topology.restart(node);
}

describe('SentinelMonitor subscribers under sentinel faults', () => {
  afterEach(async () => {
    for (let i = 0; i < topology.sentinelNodes.length; i++) await restartSentinel(i);
  });

  it('subscribe again after their sentinel restarts (autoResubscribe is off)', async () => {
    const { monitor, subscribers } = newMonitor();
    try {
      const sentinel = topology.sentinels[0]!;
      await waitSubscribed(sentinel, subscribers[0]!);
      await topology.kill(topology.sentinelNodes[0]!);
      await restartSentinel(0);
      await waitSubscribed(sentinel, subscribers[0]!);
    } finally {
      await monitor.close();
    }
  });

  it('closing the monitor while a subscriber reconnects to a hung sentinel raises no unhandled rejection', async () => {
    const { monitor, subscribers } = newMonitor();
    const sub = subscribers[0]!;
    const sentinel = topology.sentinels[0]!;
    const node = topology.sentinelNodes[0]!;
    await waitSubscribed(sentinel, sub);
    // the sentinel drops the connection, then hangs: the reconnect (250 ms later) is accepted by
    // the kernel and SUBSCRIBE is sent, but no reply comes
    const reconnected = new Promise<void>((resolve) => sub.once('ready', () => resolve()));
    await adminCommand(sentinel, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    topology.pause(node);
    try {
      await reconnected;
      // closing rejects that SUBSCRIBE ("Connection is closed.") after the disconnect timeout
      await monitor.close();
      await waitFor(async () => (sub.status === 'end' ? true : pending(sub.status)), {
        timeoutMs: 5000,
        what: 'the subscriber closed',
      });
      await guard.check();
    } finally {
      topology.resume(node);
    }
  });

  it('report a refused SUBSCRIBE after a reconnect in the log instead of an unhandled rejection', async () => {
    const warnings: string[] = [];
    const logger = new (class extends Logger {
      override warn(message: unknown): void {
        warnings.push(String(message));
      }
    })('sentinel-monitor-faults');
    const { monitor, subscribers } = newMonitor(logger);
    const sentinel = topology.sentinels[0]!;
    try {
      await waitSubscribed(sentinel, subscribers[0]!);
      // takes the channels away from the default user: the sentinel drops its subscribers and
      // refuses their SUBSCRIBE (NOPERM) when they come back
      await adminCommand(sentinel, ['ACL', 'SETUSER', 'default', 'resetchannels']);
      await waitFor(
        async () =>
          warnings.some((w) => w.includes(`sentinel ${sentinel.host}:${sentinel.port}`))
            ? true
            : pending(JSON.stringify(warnings)),
        { timeoutMs: 5000, what: 'the refused SUBSCRIBE logged' },
      );
      expect(warnings.join('\n')).toMatch(/cannot subscribe to the events of sentinel .*NOPERM/);
      await guard.check();
    } finally {
      await adminCommand(sentinel, ['ACL', 'SETUSER', 'default', 'allchannels']);
      await monitor.close();
    }
  });
});

describe('sentinelKwargs.socketConnectTimeout', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let app: TestingModule | undefined;

  beforeAll(async () => {
    // accepts TCP connections and never answers: a TLS handshake to it never completes
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await app?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("bounds iovalkey's primary look-up, not only the monitor", async () => {
    const port = (silent.address() as { port: number }).port;
    app = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          c: {
            location: 'valkey://svc/0',
            options: {
              clientClass: 'SentinelClient',
              sentinels: [['127.0.0.1', port]],
              sentinelKwargs: { tls: true, socketConnectTimeout: 0.3, socketTimeout: 10 },
              // the data node's timeouts: what iovalkey used for the sentinels before
              socketTimeout: 10,
              socketConnectTimeout: 10,
            },
          },
        }),
      ],
    }).compile();
    const cache = app.get<ValkeyCache>(getCacheToken('c'));
    const started = Date.now();
    const error = await cache.set('k', 1).then(
      () => undefined,
      (err: unknown) => err,
    );
    const elapsedMs = Date.now() - started;
    expect(error).toBeInstanceOf(CacheConnectionError);
    expect((error as Error).message).toMatch(/sentinel/i);
    // one 0.3 s connect attempt by iovalkey plus one by the monitor's diagnosis, with slack;
    // with the data node's 10 s it took 10 s
    expect(elapsedMs).toBeLessThan(3000);
  });
});
