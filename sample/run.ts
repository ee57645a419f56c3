/**
 * `npm run sample`: starts a local Valkey topology (a plain server, and a primary with two
 * replicas watched by three sentinels) on free loopback ports, boots the sample app against it,
 * calls its endpoints once, then keeps serving until Ctrl-C (or exits with `--once`).
 * Every server it started is stopped by PID on exit.
 */
import { startStandalone } from '../test/harness/standalone.js';
import { startSentinelTopology } from '../test/harness/sentinel-topology.js';
import { bootstrap } from './main.js';

const once = process.argv.includes('--once');

console.log(
  'starting a local Valkey topology (1 plain server, 1 primary + 2 replicas, 3 sentinels)...',
);
const [standalone, topology] = await Promise.all([startStandalone(), startSentinelTopology()]);
process.env['VALKEY_URL'] = standalone.url(0);
process.env['SENTINELS'] = topology.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
process.env['SENTINEL_SERVICE'] = topology.serviceName;

const app = await bootstrap(Number(process.env['PORT'] ?? 0));
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');

async function show(method: string, path: string): Promise<void> {
  const res = await fetch(`${url}${path}`, { method });
  console.log(`${method} ${path} -> ${res.status} ${await res.text()}`);
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app.close();
  await Promise.allSettled([standalone.stop(), topology.stop()]);
  process.exit(code);
}

try {
  console.log(`sample app listening on ${url}`);
  await show('GET', '/greeting/world');
  await show('GET', '/greeting/world');
  await show('POST', '/visits');
  await show('POST', '/visits');
  await show('GET', '/topology');
} catch (err) {
  console.error(err);
  await stop(1);
}

if (once) {
  await stop(0);
} else {
  console.log(`try: curl ${url}/greeting/you   (Ctrl-C stops the app and every server it started)`);
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}
