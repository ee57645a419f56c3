/**
 * What iovalkey's resend on `READONLY` (reconnectOnError -> 2) does, with the pool's
 * ReadonlyRetryPolicy, on real servers: a client whose first connection lands on a replica
 * (as after a failover the client missed) and whose reconnect lands on the writable primary.
 *
 * Finding: commands refused with READONLY did not run, so resending them applies each exactly
 * once; a MULTI/EXEC whose queued commands were refused is not split (its commands are not
 * resent one by one: EXEC fails with EXECABORT and nothing of it runs). A retried command that
 * meets READONLY again is failed, not resent in a loop.
 */
import { connect } from 'node:net';
import { AbstractConnector, Valkey } from 'iovalkey';
import { ReadonlyRetryPolicy } from '../../lib/extend/index.js';
import { adminCommand } from '../harness/admin-command.js';
import { startStandalone, type StandaloneServer } from '../harness/standalone.js';
import { waitFor } from '../harness/wait.js';
import { within } from './sentinel-support.js';

type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>;

/** A connector that sends connection `i` to `targets(i)`. */
function routing(
  targets: (attempt: number) => { host: string; port: number },
): new (options: unknown) => AbstractConnector {
  let attempt = 0;
  return class Routing extends AbstractConnector {
    constructor() {
      super(2000);
    }
    async connect(): Promise<NetStream> {
      this.connecting = true;
      const target = targets(attempt++);
      this.stream = connect(target);
      return this.stream;
    }
  };
}

describe('READONLY: reconnect and resend once', () => {
  let primary: StandaloneServer;
  let replica: StandaloneServer;

  beforeAll(async () => {
    [primary, replica] = await Promise.all([startStandalone(), startStandalone()]);
    await adminCommand(replica, ['REPLICAOF', primary.host, primary.port]);
    await waitFor(
      async () =>
        String(await adminCommand(replica, ['INFO', 'replication'])).includes(
          'master_link_status:up',
        )
          ? true
          : undefined,
      { timeoutMs: 10_000, what: 'the replica to sync' },
    );
  }, 30_000);
  afterAll(async () => {
    await Promise.all([primary?.stop(), replica?.stop()]);
  });

  it('applies every refused command exactly once and never splits a transaction', async () => {
    await adminCommand(primary, ['DEL', 'ro:list', 'ro:tx', 'ro:counter']);
    const policy = new ReadonlyRetryPolicy();
    const client = new Valkey({
      lazyConnect: true,
      Connector: routing((i) => (i === 0 ? replica : primary)),
      reconnectOnError: (err: Error) => policy.decide(err),
      retryStrategy: () => 20,
      commandTimeout: 2000,
    });
    client.on('error', () => undefined);
    policy.attach(client);
    try {
      await client.connect();
      const pushes: Array<Promise<number>> = [];
      for (let i = 0; i < 40; i++) pushes.push(client.rpush('ro:list', `a${i}`));
      const tx = client.multi().rpush('ro:tx', 'x').rpush('ro:tx', 'y').incr('ro:counter').exec();
      for (let i = 0; i < 40; i++) pushes.push(client.rpush('ro:list', `b${i}`));
      const results = await within(5000, 'the pushes', Promise.allSettled(pushes));
      const txResult = await within(
        5000,
        'the transaction',
        tx.then(
          (r) => ({ ok: true as const, r }),
          (e: Error) => ({ ok: false as const, e: e.message }),
        ),
      );

      const list = (await adminCommand(primary, ['LRANGE', 'ro:list', 0, -1])) as string[];
      const txList = (await adminCommand(primary, ['LRANGE', 'ro:tx', 0, -1])) as string[];
      const counter = await adminCommand(primary, ['GET', 'ro:counter']);
      console.log(
        `READONLY resend: ${results.filter((r) => r.status === 'fulfilled').length}/80 pushes acknowledged, ` +
          `list has ${list.length} entries (${new Set(list).size} distinct); transaction: ` +
          `${txResult.ok ? 'succeeded' : txResult.e}, tx list ${JSON.stringify(txList)}, counter ${String(counter)}; ` +
          `policy retried ${policy.retried}, rejected ${policy.rejected}`,
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(list).toHaveLength(80);
      expect(new Set(list).size).toBe(80);
      // the transaction is not split into single commands
      expect(txResult).toEqual({ ok: false, e: expect.stringMatching(/EXECABORT/) });
      expect(txList).toEqual([]);
      expect(counter).toBeNull();
      expect(policy.retried).toBeGreaterThanOrEqual(80);
      expect(policy.rejected).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('fails a command that meets READONLY again after the reconnect, instead of looping', async () => {
    const policy = new ReadonlyRetryPolicy();
    let connects = 0;
    const client = new Valkey({
      lazyConnect: true,
      Connector: routing(() => {
        connects++;
        return replica;
      }),
      reconnectOnError: (err: Error) => policy.decide(err),
      retryStrategy: () => 20,
      commandTimeout: 3000,
    });
    client.on('error', () => undefined);
    policy.attach(client);
    try {
      const start = Date.now();
      await expect(within(2500, 'the write', client.set('ro:k', 'v'))).rejects.toThrow(/^READONLY/);
      const ms = Date.now() - start;
      console.log(`READONLY twice: rejected after ${ms} ms and ${connects} connections`);
      expect(policy.retried).toBe(1);
      expect(policy.rejected).toBe(1);
      expect(connects).toBeLessThanOrEqual(3);
      // reads still work on that connection
      expect(await client.get('ro:nothing')).toBeNull();
    } finally {
      client.disconnect();
    }
  });
});
