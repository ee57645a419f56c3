import type { RedisOptions, Valkey } from 'iovalkey';
import { createValkey, type ConnectionOptions } from '../credential-connector.js';
import { watchConnection, type ConnectionReports } from '../connection-events.js';
import { errorMessage, noop } from '../../util/async-helpers.js';
import { formatAddress, sameAddress, type NodeAddress } from '../node-address.js';

/** How long a replica that left the rotation keeps its connection before `QUIT`, in ms. */
const REPLICA_RETIRE_GRACE_MS = 250;

/** What a {@link SentinelReplicaSet} needs from its pool. */
export interface ReplicaSetContext {
  readonly alias: string;
  readonly service: string;
  /** iovalkey options of the data-node connections. */
  readonly connection: ConnectionOptions;
  readonly connectionReports: ConnectionReports | undefined;
  /** Where to connect for an address a sentinel named (the user's `natMap`). */
  translate(address: NodeAddress): NodeAddress;
  /** Whether the sentinels flag the primary down (replicas with a broken link still serve). */
  primaryDown(): boolean;
  /** Closes a client that left the set once its commands are answered, after `graceMs`. */
  retire(client: Valkey, graceMs: number): void;
  /** A replica joined or left the read rotation (`why` for the log). */
  changed(added: NodeAddress[], removed: NodeAddress[], why: string): void;
}

interface ReplicaEntry {
  readonly address: NodeAddress;
  readonly client: Valkey;
  admitted: boolean;
  probing: boolean;
  removed: boolean;
  /** Settles when the first admission check finished (either way). */
  readonly checked: Promise<void>;
  markChecked(): void;
}

/**
 * The replica pool's connections: one plain client per replica the sentinels report healthy,
 * admitted to the read rotation once it answers `ROLE` as a replica in sync (or the primary is
 * down), and out again when its connection drops or the sentinels stop reporting it.
 */
export class SentinelReplicaSet {
  private readonly entries = new Map<string, ReplicaEntry>();
  private next = Math.floor(Math.random() * 1024);

  constructor(private readonly context: ReplicaSetContext) {}

  /** Follows the healthy replicas the sentinels report: connects to new ones, drops the others. */
  follow(wanted: readonly NodeAddress[]): void {
    const byKey = new Map(wanted.map((a) => [formatAddress(a), a]));
    for (const [key, entry] of this.entries) {
      if (!byKey.has(key)) this.remove(entry, 'the sentinels no longer report it healthy');
    }
    for (const [key, address] of byKey) {
      const entry = this.entries.get(key);
      if (!entry) this.add(key, address);
      else if (!entry.admitted && entry.client.status === 'ready') void this.check(entry);
    }
  }

  /** Drops the replica at `address` (e.g. it was promoted). */
  drop(address: NodeAddress, why: string): void {
    for (const entry of this.entries.values()) {
      if (sameAddress(entry.address, address)) this.remove(entry, why);
    }
  }

  /** Replicas in the read rotation (admitted, connection up). */
  usable(): NodeAddress[] {
    return this.usableEntries().map((e) => e.address);
  }

  /** The next replica client in the rotation, round-robin; `undefined` when none is usable. */
  pick(): Valkey | undefined {
    const ready = this.usableEntries();
    if (ready.length === 0) return undefined;
    this.next = (this.next + 1) % 1_000_000;
    return ready[this.next % ready.length]!.client;
  }

  /** Settles when every replica known now finished its first admission check. */
  firstChecks(): Promise<unknown> {
    return Promise.allSettled([...this.entries.values()].map((e) => e.checked));
  }

  clients(): Valkey[] {
    return [...this.entries.values()].map((e) => e.client);
  }

  /** Forgets every replica (the pool closes their clients). */
  clear(): void {
    for (const entry of this.entries.values()) entry.removed = true;
    this.entries.clear();
  }

  private usableEntries(): ReplicaEntry[] {
    const out: ReplicaEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.admitted && entry.client.status === 'ready') out.push(entry);
    }
    return out;
  }

  private add(key: string, address: NodeAddress): void {
    const { alias, service, connection } = this.context;
    const options: RedisOptions & ConnectionOptions = {
      // a read in flight when the connection drops gets one reconnect (a sentinel's CLIENT KILL
      // during a failover), then fails instead of waiting for a replica that is gone
      maxRetriesPerRequest: 1,
      ...connection,
      ...this.context.translate(address),
      // iovalkey reads `role` only in Sentinel mode; here it tells what the server is
      role: 'slave',
    };
    const client = createValkey(options);
    let markChecked = noop;
    const checked = new Promise<void>((resolve) => {
      markChecked = resolve;
    });
    const entry: ReplicaEntry = {
      address,
      client,
      admitted: false,
      probing: false,
      removed: false,
      checked,
      markChecked,
    };
    this.entries.set(key, entry);
    watchConnection(
      client,
      alias,
      `replica ${formatAddress(address)} of Sentinel service '${service}'`,
      this.context.connectionReports,
    );
    client.on('ready', () => void this.check(entry));
    client.on('close', () => {
      entry.markChecked();
      if (entry.admitted && !entry.removed) {
        entry.admitted = false;
        this.context.changed([], [address], 'connection lost');
      }
    });
  }

  /** Admits a replica once it answers ROLE as a replica in sync (or the primary is down). */
  private async check(entry: ReplicaEntry): Promise<void> {
    if (entry.probing || entry.removed) return;
    entry.probing = true;
    let ok = false;
    let why = '';
    try {
      const role = await entry.client.call('ROLE');
      const [kind, , , state] = Array.isArray(role) ? role.map(String) : [];
      ok = kind === 'slave' && (state === 'connected' || this.context.primaryDown());
      if (!ok) why = `ROLE says ${kind ?? '?'} ${state ?? ''}`.trim();
    } catch (err) {
      why = errorMessage(err);
    } finally {
      entry.probing = false;
      entry.markChecked();
    }
    if (entry.removed) return;
    if (ok && !entry.admitted && entry.client.status === 'ready') {
      entry.admitted = true;
      this.context.changed([entry.address], [], 'replica in sync');
    } else if (!ok && entry.admitted) {
      entry.admitted = false;
      this.context.changed([], [entry.address], why);
    }
  }

  private remove(entry: ReplicaEntry, why: string): void {
    if (entry.removed) return;
    entry.removed = true;
    this.entries.delete(formatAddress(entry.address));
    const wasAdmitted = entry.admitted;
    entry.admitted = false;
    entry.markChecked();
    // a grace period first: a connection the sentinels just killed (CLIENT KILL during a
    // failover) reconnects and resends what was in flight before it is told to QUIT
    this.context.retire(entry.client, REPLICA_RETIRE_GRACE_MS);
    if (wasAdmitted) this.context.changed([], [entry.address], why);
  }
}
