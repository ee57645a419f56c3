import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { sharedTopology } from '../harness/shared-topology.js';

// Keeps the sample app honest: it boots against the shared topology and answers over HTTP.
// This file owns database 13 of the shared standalone server and Sentinel database 13.
describe('sample app', () => {
  const topo = sharedTopology();
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    process.env['VALKEY_URL'] = topo.valkeyUrl(13);
    process.env['SENTINELS'] = topo.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    process.env['SENTINEL_SERVICE'] = topo.serviceName;
    const { bootstrap } = await import('../../sample/main.js');
    app = await bootstrap(0);
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves a greeting from the Sentinel cache, computed once', async () => {
    const name = `n${Date.now()}`;
    const first = (await (await fetch(`${url}/greeting/${name}`)).json()) as any;
    const second = (await (await fetch(`${url}/greeting/${name}`)).json()) as any;
    expect(first).toEqual({ greeting: `Hello, ${name}!`, cachedFor: 60 });
    expect(second.greeting).toBe(`Hello, ${name}!`);
  });

  it('counts visits in the plain cache', async () => {
    const a = (await (await fetch(`${url}/visits`, { method: 'POST' })).json()) as any;
    const b = (await (await fetch(`${url}/visits`, { method: 'POST' })).json()) as any;
    expect(b.visits).toBe(a.visits + 1);
  });

  it('shows the Sentinel topology', async () => {
    const t = (await (await fetch(`${url}/topology`)).json()) as any;
    expect(t.primary).toEqual(topo.primary);
    expect(t.replicas).toHaveLength(2);
  });
});
