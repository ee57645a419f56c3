/**
 * `npm run sample`: starts a local Valkey topology (a plain server, and a primary with two
 * replicas watched by three sentinels) on free loopback ports, boots the sample app against it,
 * prints its URLs, the topology, a few demo requests and its health, then keeps serving until
 * Ctrl-C. Every server it started is stopped by PID on exit.
 *
 * Flags (after `npm run sample --`):
 * - `--once`: exit after the demo (for CI);
 * - `--failover` (or `--failover=sentinel`): then ask a sentinel for `SENTINEL FAILOVER` (the
 *   primary stays up and becomes a replica), printing requests before, during and after;
 * - `--failover=kill`: the same, but SIGKILL the primary instead (the sentinels notice it is
 *   down after `down-after-milliseconds`, 1 s here, then elect and promote a replica).
 */
import type { INestApplication } from '@nestjs/common';
import { startStandalone } from '../test/harness/standalone.js';
import { startSentinelTopology } from '../test/harness/sentinel-topology.js';
import {
  SampleLogger,
  describeEndpoints,
  showDemoRequests,
  showFailover,
  type DemoContext,
  type FailoverMode,
} from './demo.js';
import { appUrl, bootstrap } from './main.js';

const args = process.argv.slice(2);
const once = args.includes('--once');
const failoverArg = args.find((a) => a === '--failover' || a.startsWith('--failover='));
const failoverMode =
  failoverArg === undefined ? undefined : (failoverArg.split('=')[1] ?? 'sentinel');
if (failoverMode !== undefined && failoverMode !== 'sentinel' && failoverMode !== 'kill') {
  console.error(`unknown ${failoverArg}: use --failover, --failover=sentinel or --failover=kill`);
  process.exit(2);
}

const started = performance.now();
console.log(
  'starting a local Valkey topology (1 plain server, 1 primary + 2 replicas, 3 sentinels)...',
);
const [standalone, topology] = await Promise.all([startStandalone(), startSentinelTopology()]);
const addr = (n: { host: string; port: number }): string => `${n.host}:${n.port}`;
const primary = await topology.primary();
console.log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s:
  plain server       ${addr(standalone)}   (cache 'default', db 0)
  Sentinel service   ${topology.serviceName}   (caches 'sentinel' and 'readonly', db 0)
    primary          ${addr(primary)}
    replicas         ${topology.nodes
      .filter((n) => n !== primary)
      .map(addr)
      .join(', ')}
    sentinels        ${topology.sentinels.map(addr).join(', ')}
`);

let app: INestApplication | undefined;
let url = '';
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app?.close();
  await Promise.allSettled([standalone.stop(), topology.stop()]);
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  app = await bootstrap({
    port: Number(process.env['PORT'] ?? 0),
    env: {
      ...process.env,
      VALKEY_URL: standalone.url(0),
      SENTINELS: topology.sentinels.map(addr).join(','),
      SENTINEL_SERVICE: topology.serviceName,
    },
    logger: new SampleLogger(),
  });
  url = await appUrl(app);
  const ctx: DemoContext = { url, print: (line) => console.log(line) };
  console.log(`${describeEndpoints(url)}\n`);
  await showDemoRequests(ctx);
  if (failoverMode !== undefined) await showFailover(ctx, topology, failoverMode as FailoverMode);
} catch (err) {
  console.error(err);
  await stop(1);
}

if (once) {
  await stop(0);
} else {
  console.log(
    `\ntry: curl -i ${url}/greeting/you   (Ctrl-C stops the app and every server it started)`,
  );
}
