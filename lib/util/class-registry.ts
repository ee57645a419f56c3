/** A constructor of `T` (abstract constructors allowed for typing only). */
export type Constructor<T> = new (...args: never[]) => T;

/**
 * Maps the string names a config may use for a pluggable class (serializer, compressor, client,
 * connection factory, pool, backend) to the class itself, so a config read from JSON or the
 * environment can say `'SentinelClient'` or django-valkey's dotted Django path
 * `'django_valkey.client.SentinelClient'` where TypeScript code passes the class.
 *
 * Lookup is case-sensitive on the last dotted segment, so every Django or valkey-py path that ends
 * in a registered name resolves (`'valkey.sentinel.SentinelConnectionPool'` -> `SentinelConnectionPool`).
 */
export class ClassRegistry<T> {
  private readonly byName = new Map<string, Constructor<T>>();

  /** @param kind what the registry holds, used in error messages (`'serializer'`). */
  constructor(readonly kind: string) {}

  /** Registers `cls` under each of `names` (short names; dotted paths resolve by last segment). */
  register(cls: Constructor<T>, ...names: string[]): this {
    for (const name of [cls.name, ...names]) this.byName.set(name, cls);
    return this;
  }

  /** The class registered for `name`, or `undefined`. */
  lookup(name: string): Constructor<T> | undefined {
    const direct = this.byName.get(name);
    if (direct) return direct;
    const last = name.slice(name.lastIndexOf('.') + 1);
    return this.byName.get(last);
  }

  /** Every registered name, for "did you mean" hints and error messages. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}
