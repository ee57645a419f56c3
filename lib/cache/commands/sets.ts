import { CacheArgumentError } from '../../errors.js';
import { IdentityCompressor } from '../../codec/compressors/identity-compressor.js';
import { MISSING, listOf } from '../cache-core.js';
import type { CacheValue, SscanOptions, StoreOptions, VersionOption } from '../cache-options.js';

import { KeyCommands } from './keys.js';

const DEFAULT_SSCAN_COUNT = 10;

/** Sets: key prefixed and versioned, members encoded like values (django-valkey's set commands). */
export class SetCommands extends KeyCommands {
  /**
   * Decodes the members or elements of a collection reply (sets, and the sorted-set and list
   * families above): with `undecodableAsMiss` an undecodable one is skipped, otherwise `decode`
   * throws its `CacheDecodeError`.
   */
  protected decodeEach<T>(raws: readonly Buffer[], fullKey: string): T[] {
    const out: T[] = [];
    for (const r of raws) {
      const member = this.decode(r, fullKey, MISSING);
      if (member !== MISSING) out.push(member as T);
    }
    return out;
  }

  private decodeMembers<T>(raws: readonly Buffer[], fullKey: string): Set<T> {
    return new Set(this.decodeEach<T>(raws, fullKey));
  }

  private keysOf(keys: Iterable<string>, version?: number): string[] {
    const full = listOf(keys, this.alias).map((k) => this.makeKey(k, version));
    if (full.length === 0) throw new CacheArgumentError('at least one key is needed', this.alias);
    return full;
  }

  /** Runs `SDIFF`, `SINTER` or `SUNION` over `keys` and decodes the members. */
  private async setOperation<T>(
    command: 'sdiffBuffer' | 'sinterBuffer' | 'sunionBuffer',
    keys: Iterable<string>,
    opts: VersionOption | undefined,
  ): Promise<Set<T>> {
    const full = this.keysOf(keys, opts?.version);
    return this.run(
      async (via) =>
        this.decodeMembers<T>(await via(this.clientForAll(full, false))[command](full), full[0]!),
      command.replace('Buffer', ''),
      full,
    );
  }

  /** Runs `SDIFFSTORE`, `SINTERSTORE` or `SUNIONSTORE` of `keys` into `dest`; returns its size. */
  private async storeSetOperation(
    command: 'sdiffstore' | 'sinterstore' | 'sunionstore',
    dest: string,
    keys: Iterable<string>,
    opts: StoreOptions,
  ): Promise<number> {
    const d = this.makeKey(dest, opts.versionDest ?? opts.version);
    const full = this.keysOf(keys, opts.versionKeys ?? opts.version);
    const all = [d, ...full];
    return this.run((via) => via(this.clientForAll(all, true))[command](d, full), command, all);
  }

  /** Adds `members` to the set at `key`; returns how many were new. */
  async sadd(key: string, members: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return 0;
    return this.run((via) => via(this.client.clientFor(k, true)).sadd(k, encoded), 'sadd', k);
  }

  /** Number of members of the set at `key` (0 when missing). */
  async scard(key: string, opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    return this.run((via) => via(this.client.clientFor(k, false)).scard(k), 'scard', k);
  }

  /** Members of the first set that are in none of the others. */
  sdiff<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Set<T>> {
    return this.setOperation<T>('sdiffBuffer', keys, opts);
  }

  /** Stores {@link sdiff}`(keys)` at `dest`; returns its size. */
  sdiffstore(dest: string, keys: Iterable<string>, opts: StoreOptions = {}): Promise<number> {
    return this.storeSetOperation('sdiffstore', dest, keys, opts);
  }

  /** Members common to all the sets. */
  sinter<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Set<T>> {
    return this.setOperation<T>('sinterBuffer', keys, opts);
  }

  /** Stores {@link sinter}`(keys)` at `dest`; returns its size. */
  sinterstore(dest: string, keys: Iterable<string>, opts: StoreOptions = {}): Promise<number> {
    return this.storeSetOperation('sinterstore', dest, keys, opts);
  }

  /** Members of any of the sets. */
  sunion<T = unknown>(keys: Iterable<string>, opts?: VersionOption): Promise<Set<T>> {
    return this.setOperation<T>('sunionBuffer', keys, opts);
  }

  /** Stores {@link sunion}`(keys)` at `dest`; returns its size. */
  sunionstore(dest: string, keys: Iterable<string>, opts: StoreOptions = {}): Promise<number> {
    return this.storeSetOperation('sunionstore', dest, keys, opts);
  }

  /** Whether `member` is in the set at `key`. */
  async sismember(key: string, member: CacheValue, opts?: VersionOption): Promise<boolean> {
    const k = this.makeKey(key, opts?.version);
    const m = this.encode(member);
    return this.run(
      async (via) => (await via(this.client.clientFor(k, false)).sismember(k, m)) === 1,
      'sismember',
      k,
    );
  }

  /** For each of `members`, whether it is in the set at `key`. */
  async smismember(
    key: string,
    members: readonly CacheValue[],
    opts?: VersionOption,
  ): Promise<boolean[]> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return [];
    return this.run(
      async (via) =>
        (await via(this.client.clientFor(k, false)).smismember(k, encoded)).map((r) => r === 1),
      'smismember',
      k,
    );
  }

  /** All members of the set at `key` (empty when missing). */
  async smembers<T = unknown>(key: string, opts?: VersionOption): Promise<Set<T>> {
    const k = this.makeKey(key, opts?.version);
    return this.run(async () =>
      this.decodeMembers<T>(await this.client.clientFor(k, false).smembersBuffer(k), k),
    );
  }

  /** Moves `member` from the set at `source` to the set at `destination`; returns whether it moved. */
  async smove(
    source: string,
    destination: string,
    member: CacheValue,
    opts?: VersionOption,
  ): Promise<boolean> {
    const s = this.makeKey(source, opts?.version);
    const d = this.makeKey(destination, opts?.version);
    const m = this.encode(member);
    return this.run(
      async (via) => (await via(this.clientForAll([s, d], true)).smove(s, d, m)) === 1,
      'smove',
      [s, d],
    );
  }

  /** Removes and returns a random member (`null` when the set is empty). */
  spop<T = unknown>(key: string, count?: undefined, opts?: VersionOption): Promise<T | null>;
  /** Removes and returns up to `count` random members. */
  spop<T = unknown>(key: string, count: number, opts?: VersionOption): Promise<Set<T>>;
  async spop<T>(key: string, count?: number, opts?: VersionOption): Promise<T | null | Set<T>> {
    const k = this.makeKey(key, opts?.version);
    return this.run(
      async (via) => {
        const c = via(this.client.clientFor(k, true));
        if (count === undefined) {
          const raw = await c.spopBuffer(k);
          return raw === null ? null : (this.decode(raw, k, null) as T | null);
        }
        return this.decodeMembers<T>(await c.spopBuffer(k, count), k);
      },
      'spop',
      k,
    );
  }

  /** A random member (`null` when the set is empty). */
  srandmember<T = unknown>(key: string, count?: undefined, opts?: VersionOption): Promise<T | null>;
  /** `count` random members: distinct when positive, possibly repeated when negative. */
  srandmember<T = unknown>(key: string, count: number, opts?: VersionOption): Promise<T[]>;
  async srandmember<T>(key: string, count?: number, opts?: VersionOption): Promise<T | null | T[]> {
    const k = this.makeKey(key, opts?.version);
    return this.run(
      async (via) => {
        const c = via(this.client.clientFor(k, false));
        if (count === undefined) {
          const raw = await c.srandmemberBuffer(k);
          return raw === null ? null : (this.decode(raw, k, null) as T | null);
        }
        return this.decodeEach<T>(await c.srandmemberBuffer(k, count), k);
      },
      'srandmember',
      k,
    );
  }

  /** Removes `members` from the set at `key`; returns how many were there. */
  async srem(key: string, members: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return 0;
    return this.run((via) => via(this.client.clientFor(k, true)).srem(k, encoded), 'srem', k);
  }

  /**
   * Iterates the members of the set at `key` with `SSCAN` (`count` per round trip). `SSCAN` may
   * return a member twice. See {@link SscanOptions.match}.
   */
  async *sscanIter<T = unknown>(
    key: string,
    opts: SscanOptions = {},
  ): AsyncGenerator<T, void, undefined> {
    const k = this.makeKey(key, opts.version);
    const args: Array<string | Buffer | number> = [];
    if (opts.match !== undefined) args.push('MATCH', this.encodeMatch(opts.match));
    args.push('COUNT', opts.count ?? DEFAULT_SSCAN_COUNT);
    const client = this.client.clientFor(k, false);
    let cursor = '0';
    do {
      const reply = await this.run(
        (via) => via(client).callBuffer('SSCAN', k, cursor, ...args),
        'sscan',
        k,
      );
      const [next, raws] = reply as [Buffer, Buffer[]];
      cursor = next.toString();
      for (const r of raws) {
        const member = this.decode(r, k, MISSING);
        if (member !== MISSING) yield member as T;
      }
    } while (cursor !== '0');
  }

  /** All members of the set at `key`, collected with `SSCAN`; see {@link sscanIter}. */
  async sscan<T = unknown>(key: string, opts: SscanOptions = {}): Promise<Set<T>> {
    const out = new Set<T>();
    for await (const m of this.sscanIter<T>(key, opts)) out.add(m);
    return out;
  }

  private encodeMatch(match: string): Buffer | string {
    if (!(this.client.codec.compressor instanceof IdentityCompressor)) {
      throw new CacheArgumentError(
        'sscan with match is not supported when values are compressed',
        this.alias,
      );
    }
    return this.encode(match);
  }
}
