/**
 * The classes and instances a cache config names (client class, connection factory, pool
 * class), as the config layer sees them: opaque. It resolves and stores them; the client and
 * connection layers narrow them to their own interfaces where they use them.
 */

/** A client class (`DefaultClient` or a subclass), constructed with the resolved config and a factory. */
export type ClientClassRef = new (config: never, factory: never) => object;

/** A connection factory instance: anything with `connect(url, cache)`. */
export interface ConnectionFactoryRef {
  /** Makes the connection pool for one location of one cache. */
  connect(url: string, cache: never): unknown;
}

/** A connection factory class, constructed with no arguments. */
export type ConnectionFactoryClassRef = new () => ConnectionFactoryRef;

/** A connection pool class, constructed with the pool's parameters. */
export type ConnectionPoolClassRef = new (params: never) => object;

/** Classes by the names a config may use (a `ClassRegistry`, seen structurally). */
export interface ClassLookup<T> {
  /** What the registry holds, for messages (`'client class'`). */
  readonly kind: string;
  lookup(name: string): T | undefined;
  names(): string[];
}

/** An option naming a class of a layer above: its classes by name, and what else it takes. */
export interface ClassOption<T> {
  readonly registry: ClassLookup<T>;
  /** Whether a class or instance given in place of a name fits the option. */
  accepts(value: unknown): value is T;
  /** What `accepts` wants, for messages (`'DefaultClient or a subclass'`). */
  readonly expected: string;
}

/** What resolving a cache config needs from the layers above; the module layer passes it in. */
export interface ConfigClasses {
  readonly clientClass: ClassOption<ClientClassRef>;
  readonly connectionFactory: ClassOption<ConnectionFactoryClassRef | ConnectionFactoryRef>;
  readonly connectionPoolClass: ClassOption<ConnectionPoolClassRef>;
  /** The client class of a cache that names none (`DefaultClient`). */
  readonly defaultClientClass: ClientClassRef;
  /** The client class a cluster backend defaults to and requires a subclass of (`ClusterClient`). */
  readonly clusterClientClass: ClientClassRef;
}
