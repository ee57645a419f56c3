import { setOwnProperty } from '../../util/own-property.js';
import type { CacheValue, VersionOption } from '../cache-options.js';

import { MISSING } from '../cache-core.js';
import { SetCommands } from './sets.js';

/** Hashes (django-valkey's HashClient): the hash name and the fields are made keys, values encoded. */
export class HashCommands extends SetCommands {
  /** Sets `field` of the hash `name` to `value`; returns 1 when the field is new, else 0. */
  async hset(
    name: string,
    field: string,
    value: CacheValue,
    opts?: VersionOption,
  ): Promise<number> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    const v = this.encode(value);
    return this.run((via) => via(this.client.clientFor(n, true)).hset(n, f, v), 'hset', n);
  }

  /** The value of `field` in the hash `name`, or `null`. */
  async hget<T = unknown>(name: string, field: string, opts?: VersionOption): Promise<T | null> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    const raw = await this.run(
      (via) => via(this.client.clientFor(n, false)).hgetBuffer(n, f),
      'hget',
      n,
    );
    return raw === null ? null : (this.decode(raw, `${n} ${f}`, null) as T | null);
  }

  /** Every field of the hash `name` (as user keys) with its value. */
  async hgetall<T = unknown>(name: string, opts?: VersionOption): Promise<Record<string, T>> {
    const n = this.makeKey(name, opts?.version);
    const raw = await this.run(
      (via) => via(this.client.clientFor(n, false)).hgetallBuffer(n),
      'hgetall',
      n,
    );
    const out: Record<string, T> = {};
    for (const [f, v] of Object.entries(raw)) {
      const value = this.decode(v, `${n} ${f}`, MISSING);
      if (value !== MISSING) setOwnProperty(out, this.client.reverseKey(f), value as T);
    }
    return out;
  }

  /** Deletes `field` from the hash `name`; returns 1 when it existed, else 0. */
  async hdel(name: string, field: string, opts?: VersionOption): Promise<number> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    return this.run((via) => via(this.client.clientFor(n, true)).hdel(n, f), 'hdel', n);
  }

  /** Number of fields of the hash `name` (0 when missing). */
  async hlen(name: string, opts?: VersionOption): Promise<number> {
    const n = this.makeKey(name, opts?.version);
    return this.run((via) => via(this.client.clientFor(n, false)).hlen(n), 'hlen', n);
  }

  /** The fields of the hash `name`, as user keys. */
  async hkeys(name: string, opts?: VersionOption): Promise<string[]> {
    const n = this.makeKey(name, opts?.version);
    const fields = await this.run(
      (via) => via(this.client.clientFor(n, false)).hkeys(n),
      'hkeys',
      n,
    );
    return fields.map((f) => this.client.reverseKey(f));
  }

  /** Whether the hash `name` has `field`. */
  async hexists(name: string, field: string, opts?: VersionOption): Promise<boolean> {
    const n = this.makeKey(name, opts?.version);
    const f = this.makeKey(field, opts?.version);
    return (
      (await this.run(
        (via) => via(this.client.clientFor(n, false)).hexists(n, f),
        'hexists',
        n,
      )) === 1
    );
  }
}
