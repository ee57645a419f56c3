import type { Valkey } from 'iovalkey';
import type { ValkeyPool } from './connection-pool-types.js';

/**
 * A pool of one multiplexed client: it always hands out that client. Subclasses say how the
 * client is closed.
 */
export abstract class SingleClientPool<C extends Valkey = Valkey> implements ValkeyPool {
  /**
   * @param role `'primary'` for the pool that takes writes, `'replica'` for a read pool.
   * @param client The one client of the pool.
   * @param description One line for logs and errors, with any password redacted.
   */
  constructor(
    readonly role: 'primary' | 'replica',
    protected readonly client: C,
    private readonly description: string,
  ) {}

  /** The pool's one client. */
  acquire(): Valkey {
    return this.client;
  }

  /** The pool's one client, as a list. */
  clients(): readonly Valkey[] {
    return [this.client];
  }

  /** The description given at construction (password redacted). */
  describe(): string {
    return this.description;
  }

  /** Closes the client. */
  abstract close(): Promise<void>;
}
