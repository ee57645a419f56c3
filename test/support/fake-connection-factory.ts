import type { Valkey } from 'iovalkey';
import type { ResolvedCacheConfig, ValkeyConnectionFactory, ValkeyPool } from '../../lib/index.js';

/** A tiny in-memory stand-in for the few commands the module tests use (not a product feature). */
export class FakeValkey {
  readonly store = new Map<string, Buffer>();
  status = 'ready';

  async getBuffer(key: string): Promise<Buffer | null> {
    return this.store.get(key) ?? null;
  }

  async set(key: string, value: string | Buffer, ...args: unknown[]): Promise<'OK' | null> {
    if (args.includes('NX') && this.store.has(key)) return null;
    this.store.set(key, Buffer.isBuffer(value) ? value : Buffer.from(value));
    return 'OK';
  }

  async exists(key: string): Promise<number> {
    return this.store.has(key) ? 1 : 0;
  }

  async del(...keys: string[]): Promise<number> {
    return keys.filter((k) => this.store.delete(k)).length;
  }
}

/** A connection factory that records what it was asked for and never opens a socket. */
export class FakeConnectionFactory implements ValkeyConnectionFactory {
  readonly connected: Array<{ url: string; alias: string }> = [];
  readonly client = new FakeValkey();
  closed = false;

  connect(url: string, cache: ResolvedCacheConfig): ValkeyPool {
    this.connected.push({ url, alias: cache.alias });
    const client = this.client as unknown as Valkey;
    return {
      role: 'primary',
      acquire: () => client,
      clients: () => [client],
      describe: () => `fake:${url}`,
      close: async () => undefined,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
