/**
 * End to end: the sample app on its OWN servers (a standalone server and a Sentinel group:
 * primary, 2 replicas, 3 sentinels), called over HTTP, with its primary killed once (SIGKILL)
 * while requests keep coming, then its plain server killed. Nothing shared is touched.
 */
import 'reflect-metadata';
import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DEFAULT_DOWN_AFTER_MS, DEFAULT_FAILOVER_TIMEOUT_MS } from '../harness/defaults.js';
import { startSentinelTopology, type SentinelTopology } from '../harness/sentinel-topology.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { waitFor } from '../harness/wait.js';
import { showDemoRequests, showFailover } from '../../sample/demo.js';
import type { FailoverReport } from '../../sample/failover-demo.js';
import { appUrl, bootstrap } from '../../sample/main.js';
import { SAMPLE_SOCKET_TIMEOUT_SECONDS } from '../../sample/sample.config.js';
import { addr, call } from './sample-support.js';

jest.setTimeout(30_000);
/**
 * Deadline for writes to succeed again after the primary is killed, in ms: the sentinels need
 * `down-after-milliseconds` (1 s) to see it down and at most `failover-timeout` (5 s) to promote
 * a replica; a write sent meanwhile waits at most `socketTimeout` (2 s).
 */
const WRITES_BACK_DEADLINE_MS =
  DEFAULT_DOWN_AFTER_MS + DEFAULT_FAILOVER_TIMEOUT_MS + SAMPLE_SOCKET_TIMEOUT_SECONDS * 1000;
/** Deadline for /topology, /health and the readonly cache to reflect the new primary, in ms. */
const SETTLE_DEADLINE_MS = 5000;

describe('sample app end to end, through a failover', () => {
  let standalone: StandaloneServer;
  let topology: SentinelTopology;
  let app: INestApplication | undefined;
  let url: string;

  beforeAll(async () => {
    const started = await Promise.allSettled([startStandalone(), startSentinelTopology()]);
    if (started[0].status === 'fulfilled') standalone = started[0].value;
    if (started[1].status === 'fulfilled') topology = started[1].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    app = await bootstrap({
      port: 0,
      logger: false,
      env: {
        VALKEY_URL: standalone.url(0),
        SENTINELS: topology.sentinels.map(addr).join(','),
        SENTINEL_SERVICE: topology.serviceName,
      },
    });
    url = await appUrl(app);
  });

  afterAll(async () => {
    await app?.close();
    await Promise.allSettled([standalone?.stop(), topology?.stop()]);
  });

  it('prints the demo of `npm run sample`', async () => {
    const lines: string[] = [];
    await showDemoRequests({ url, print: (line) => lines.push(line) });
    // the second greeting reads a replica, which may not have the entry yet: MISS or HIT
    expect(lines.slice(0, 3)).toEqual([
      'demo requests:',
      expect.stringMatching(
        /^ {2}GET \/greeting\/world -> 200 MISS \d+ ms {2}\{"greeting":"Hello, world!"/,
      ),
      expect.stringMatching(/^ {2}GET \/greeting\/world -> 200 (MISS|HIT) \d+ ms /),
    ]);
    expect(lines[3]).toMatch(/^ {2}POST \/visits -> 201 \d+ ms {2}\{"visits":1\}$/);
    expect(lines[4]).toMatch(/^ {2}POST \/visits -> 201 \d+ ms {2}\{"visits":2\}$/);
    expect(lines[5]).toMatch(/^ {2}PUT \/notes\/hello -> 200 /);
    expect(lines[7]).toContain(`"service":"${topology.serviceName}"`);
    expect(lines[8]).toMatch(/^ {2}GET \/health -> 200 \d+ ms {2}status: ok$/);
    expect(lines.slice(9).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'default up,',
      'sentinel up,',
      'readonly up,',
    ]);
    expect(lines[10]).toContain('sentinels 3/3, replicas up 2/2');
  });

  it('answers its endpoints: cached greeting, visits, notes, topology, health', async () => {
    const primary = await topology.primary();
    const first = await call(url, 'GET', '/greeting/e2e');
    expect(first.status).toBe(200);
    expect(first.xCache).toBe('MISS');
    await primary.command(['WAIT', 2, 1000]); // the HIT is read on a replica
    expect(await call(url, 'GET', '/greeting/e2e')).toEqual({
      status: 200,
      xCache: 'HIT',
      body: first.body,
    });
    expect((await call(url, 'POST', '/visits')).body).toEqual({ visits: 3 });
    expect((await call(url, 'PUT', '/notes/n1', { text: 'one' })).status).toBe(200);
    await primary.command(['WAIT', 2, 1000]);
    expect((await call(url, 'GET', '/notes/n1')).body).toEqual({ id: 'n1', text: 'one' });

    const t = await call(url, 'GET', '/topology');
    expect(t.body.primary).toEqual({ host: primary.host, port: primary.port });
    expect(t.body.replicas).toHaveLength(2);
    const h = await call(url, 'GET', '/health');
    expect(h.status).toBe(200);
    expect(h.body.details.sentinel.sentinel).toMatchObject({
      primary: addr(primary),
      sentinels: { answered: 3, total: 3 },
      replicas: { up: 2, total: 2 },
    });
  });

  it('keeps answering when the primary is killed (SIGKILL), and follows the new primary', async () => {
    const lines: string[] = [];
    let killedAt = 0;
    const report: FailoverReport = await showFailover(
      {
        url,
        print: (line) => {
          if (/^\s*\+[\d.]+ s\s+SIGKILL of the primary$/.test(line)) killedAt = Date.now();
          lines.push(line);
        },
      },
      topology,
      'kill',
      { intervalMs: 200, beforeMs: 600 },
    );
    console.log(
      `sample failover (SIGKILL): sentinels agreed on ${report.newPrimary} ` +
        `${report.newPrimaryAtMs - report.triggeredAtMs} ms after the kill; writes back ` +
        `${report.writesBackAfterMs} ms after it; probes:\n` +
        report.probes
          .map(
            (p) =>
              `  +${p.atMs} ms ${p.phase} write ${p.write.status} ${p.write.ms} ms, ` +
              `read ${p.read.status} ${p.read.xCache} ${p.read.ms} ms`,
          )
          .join('\n'),
    );

    expect(report.newPrimary).not.toBe(report.oldPrimary);
    expect(addr(await topology.primary())).toBe(report.newPrimary);
    const before = report.probes.filter((p) => p.phase === 'before');
    const since = report.probes.filter((p) => p.phase !== 'before');
    expect(before.length).toBeGreaterThanOrEqual(2);
    for (const p of before) expect([p.write.status, p.read.status]).toEqual([200, 200]);
    // writes: every one since writesBackAfterMs succeeded, and that came within the deadline
    expect(report.writesBackAfterMs).not.toBeNull();
    expect(report.writesBackAfterMs!).toBeLessThanOrEqual(WRITES_BACK_DEADLINE_MS);
    expect(since.slice(-4).map((p) => p.write.status)).toEqual([200, 200, 200, 200]);
    // a request during the failover waits at most socketTimeout (+ slack), never hangs
    for (const p of since) {
      expect(p.write.status).not.toBe(0);
      expect(p.write.ms).toBeLessThanOrEqual(SAMPLE_SOCKET_TIMEOUT_SECONDS * 1000 + 1500);
    }
    // the cached greeting stays served from the replicas the whole time
    for (const p of since) expect([p.read.status, p.read.xCache]).toEqual([200, 'HIT']);

    // what `npm run sample -- --failover=kill` prints
    expect(killedAt).toBeGreaterThan(0);
    expect(lines).toContain(
      `summary: primary ${report.oldPrimary} -> ${report.newPrimary}, the sentinels agreed ` +
        `${((report.newPrimaryAtMs - report.triggeredAtMs) / 1000).toFixed(2)} s after the trigger`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^  writes since the trigger: ${since.length}/${since.length} ok .*; writes answered again`,
        ),
      ),
    );
    const afterLines = lines.slice(lines.indexOf('after the failover:'));
    expect(afterLines[1]).toMatch(/^ {2}GET \/topology -> 200 /);
    expect(JSON.parse(afterLines[1]!.slice(afterLines[1]!.indexOf('{'))).primary).toEqual({
      host: report.newPrimary.split(':')[0],
      port: Number(report.newPrimary.split(':')[1]),
    });
    expect(lines.filter((l) => /^ {2}GET \/health -> /.test(l)).at(-1)).toMatch(
      /^ {2}GET \/health -> 200 .* status: ok$/,
    );

    // the app now reports and uses the new primary
    const [host, port] = report.newPrimary.split(':');
    const newPrimary = { host, port: Number(port) };
    await waitFor(
      async () => {
        const t = await call(url, 'GET', '/topology');
        return t.status === 200 && addr(t.body.primary) === report.newPrimary ? true : undefined;
      },
      { timeoutMs: SETTLE_DEADLINE_MS, what: '/topology to show the new primary' },
    );
    const health = await waitFor(
      async () => {
        const h = await call(url, 'GET', '/health');
        return h.status === 200 && h.body.details.sentinel.sentinel.primary === report.newPrimary
          ? h
          : undefined;
      },
      { timeoutMs: SETTLE_DEADLINE_MS, what: '/health to be up on the new primary' },
    );
    expect(health.body.status).toBe('ok');
    const put = await call(url, 'PUT', '/notes/after', { text: 'after the failover' });
    expect(put.status).toBe(200);
    const node = topology.nodeAt(newPrimary)!;
    expect(await node.command(['GET', 'sample:1:note:after'])).toBe(
      JSON.stringify('after the failover'),
    );
    // the readonly cache (replicas only) reads it once the surviving replica has resynced
    await waitFor(
      async () => ((await call(url, 'GET', '/notes/after')).status === 200 ? true : undefined),
      { timeoutMs: SETTLE_DEADLINE_MS, what: 'the readonly cache to read the new note' },
    );
    console.log(
      `sample failover: /health up and note read back ${Date.now() - killedAt} ms after the kill`,
    );
  });

  it('answers 503 naming the cache when its plain server dies, and /health says so', async () => {
    await standalone.node.kill();
    const start = Date.now();
    const visit = await call(url, 'POST', '/visits');
    const ms = Date.now() - start;
    expect(visit.status).toBe(503);
    expect(visit.body).toMatchObject({ statusCode: 503, alias: 'default' });
    expect(visit.body.message).toMatch(/^cache 'default': /);
    const h = await call(url, 'GET', '/health');
    expect(h.status).toBe(503);
    expect(Object.keys(h.body.error)).toEqual(['default']);
    expect(h.body.details.sentinel.status).toBe('up');
    console.log(`sample: POST /visits answered 503 ${ms} ms after the plain server was killed`);
  });
});
