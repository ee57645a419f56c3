/**
 * `@Cached` on real servers: a service in a feature module that does not import `CacheModule`
 * caches its methods in the shared standalone server and the shared Sentinel group. Proves the
 * default, template and function keys, timeouts in seconds (PTTL on the server), single flight,
 * that errors and `undefined` are not cached, the `ignoreExceptions` fallback, and the errors
 * naming the alias.
 */
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Valkey } from 'iovalkey';
import {
  CacheArgumentError,
  CacheConnectionError,
  CacheError,
  CacheModule,
  getCacheToken,
  type ValkeyCache,
} from '../../lib/index.js';
import { Cached } from '../../lib/caching/index.js';
import { stableStringify } from '../../lib/caching/stable-key.js';
import {
  DEFAULT_TIMEOUT_S,
  deadServerConfigs,
  fullKey,
  rawStandalone,
  replicatedToAll,
  sentinelPttl,
  sleep,
  standaloneAndSentinel,
  standaloneOnly,
  uniquePrefix,
} from './caching-support.js';

interface Product {
  id: number;
  name: string;
  tags: string[];
}

@Injectable()
class Catalog {
  readonly calls: Record<string, number> = {};
  private count(name: string): number {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    return this.calls[name];
  }

  @Cached({ timeout: 30 })
  async product(id: number, filter?: { lang: string; fields: string[] }): Promise<Product> {
    this.count('product');
    return { id, name: `product ${id}${filter ? ` (${filter.lang})` : ''}`, tags: ['a', 'b'] };
  }

  @Cached({ key: 'price:{0}:{1.currency}', timeout: null })
  async price(sku: string, opts: { currency: string }): Promise<number> {
    return this.count('price') * 100 + sku.length + opts.currency.length;
  }

  @Cached({ key: (a: number, b: number) => `sum:${Math.min(a, b)}:${Math.max(a, b)}` })
  async sum(a: number, b: number): Promise<number> {
    this.count('sum');
    return a + b;
  }

  @Cached({ key: 'slow:{0}', timeout: 30 })
  async slow(id: string): Promise<{ id: string; run: number }> {
    const run = this.count('slow');
    await sleep(100);
    return { id, run };
  }

  @Cached({ key: 'flaky:{0}' })
  async flaky(id: string): Promise<string> {
    if (this.count('flaky') === 1) throw new Error(`backend down for ${id}`);
    return `ok ${id}`;
  }

  @Cached({ key: 'slow-fail:{0}' })
  async slowFail(id: string): Promise<string> {
    this.count('slowFail');
    await sleep(50);
    throw new Error(`failed once for ${id}`);
  }

  @Cached({ key: 'nothing:{0}' })
  async nothing(id: string): Promise<undefined> {
    this.count(`nothing:${id}`);
    return undefined;
  }

  @Cached({ key: 'null:{0}' })
  async nothingYet(id: string): Promise<null> {
    this.count(`null:${id}`);
    return null;
  }

  @Cached({ cache: 'sentinel', key: 'sentinel:{0}', timeout: 45 })
  async fromSentinel(id: string): Promise<{ id: string; run: number }> {
    return { id, run: this.count('sentinel') };
  }
}

/** A feature module: it neither imports CacheModule nor has code for caching. */
@Module({ providers: [Catalog], exports: [Catalog] })
class CatalogModule {}

describe('@Cached on a provider of another module', () => {
  const prefix = uniquePrefix('cached');
  const sprefix = uniquePrefix('cached-s');
  let app: TestingModule;
  let catalog: Catalog;
  let raw: Valkey;

  beforeAll(async () => {
    app = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneAndSentinel(prefix, sprefix)), CatalogModule],
    }).compile();
    await app.init();
    catalog = app.get(Catalog);
    raw = rawStandalone();
  });
  afterAll(async () => {
    await app?.close();
    await raw?.quit();
  });

  it('computes on a miss, answers from the cache on a hit, one key per distinct arguments', async () => {
    const first = await catalog.product(1);
    const again = await catalog.product(1);
    expect(again).toEqual(first);
    expect(catalog.calls['product']).toBe(1);

    const key = fullKey(prefix, `Catalog.product:${stableStringify([1])}`);
    expect(key).toBe(`${prefix}:1:Catalog.product:[1]`);
    expect(JSON.parse((await raw.get(key))!)).toEqual(first);
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);

    // other arguments, other key; object arguments are keyed whatever their property order
    const withFilter = await catalog.product(1, { lang: 'fr', fields: ['name'] });
    expect(withFilter.name).toBe('product 1 (fr)');
    expect(catalog.calls['product']).toBe(2);
    expect(await catalog.product(1, { fields: ['name'], lang: 'fr' })).toEqual(withFilter);
    expect(catalog.calls['product']).toBe(2);
    expect(
      await raw.exists(fullKey(prefix, 'Catalog.product:[1,{"fields":["name"],"lang":"fr"}]')),
    ).toBe(1);
  });

  it('a template key puts arguments and their properties in; timeout null never expires', async () => {
    const first = await catalog.price('abc', { currency: 'EUR' });
    expect(await catalog.price('abc', { currency: 'EUR' })).toBe(first);
    expect(catalog.calls['price']).toBe(1);
    const key = fullKey(prefix, 'price:abc:EUR');
    expect(Number(await raw.get(key))).toBe(first);
    expect(await raw.pttl(key)).toBe(-1);
    await catalog.price('abc', { currency: 'USD' });
    expect(catalog.calls['price']).toBe(2);
  });

  it("a key function decides the key; no timeout means the cache's default", async () => {
    expect(await catalog.sum(2, 3)).toBe(5);
    expect(await catalog.sum(3, 2)).toBe(5); // same key: sum:2:3
    expect(catalog.calls['sum']).toBe(1);
    const pttl = await raw.pttl(fullKey(prefix, 'sum:2:3'));
    expect(pttl).toBeGreaterThan((DEFAULT_TIMEOUT_S - 1) * 1000);
    expect(pttl).toBeLessThanOrEqual(DEFAULT_TIMEOUT_S * 1000);
  });

  it('20 concurrent calls on a cold key run the method once and all get its result', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => catalog.slow('cold')));
    expect(catalog.calls['slow']).toBe(1);
    for (const r of results) expect(r).toEqual({ id: 'cold', run: 1 });
    expect(await raw.exists(fullKey(prefix, 'slow:cold'))).toBe(1);
    // later calls are hits
    expect(await catalog.slow('cold')).toEqual({ id: 'cold', run: 1 });
    expect(catalog.calls['slow']).toBe(1);
  });

  it('errors are passed on and never cached', async () => {
    await expect(catalog.flaky('x')).rejects.toThrow('backend down for x');
    expect(await raw.exists(fullKey(prefix, 'flaky:x'))).toBe(0);
    expect(await catalog.flaky('x')).toBe('ok x');
    expect(await catalog.flaky('x')).toBe('ok x');
    expect(catalog.calls['flaky']).toBe(2);

    // concurrent callers share the one failing run; the next call runs again
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, () => catalog.slowFail('y')),
    );
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(catalog.calls['slowFail']).toBe(1);
    await expect(catalog.slowFail('y')).rejects.toThrow('failed once for y');
    expect(catalog.calls['slowFail']).toBe(2);
  });

  it('undefined is never cached; null is cached like any value', async () => {
    expect(await catalog.nothing('u')).toBeUndefined();
    expect(await catalog.nothing('u')).toBeUndefined();
    expect(catalog.calls['nothing:u']).toBe(2);
    expect(await raw.exists(fullKey(prefix, 'nothing:u'))).toBe(0);

    expect(await catalog.nothingYet('n')).toBeNull();
    expect(await catalog.nothingYet('n')).toBeNull();
    expect(catalog.calls['null:n']).toBe(1);
    expect(await raw.get(fullKey(prefix, 'null:n'))).toBe('null');
  });

  it('caches in the Sentinel alias: stored on the primary, a hit once replicated', async () => {
    const first = await catalog.fromSentinel('s1');
    const key = fullKey(sprefix, 'sentinel:s1');
    const pttl = await sentinelPttl(key);
    expect(pttl).toBeGreaterThan(44_000);
    expect(pttl).toBeLessThanOrEqual(45_000);
    await replicatedToAll(key);
    expect(await catalog.fromSentinel('s1')).toEqual(first);
    expect(catalog.calls['sentinel']).toBe(1);
    // the Sentinel cache and the default cache are distinct: nothing landed on the standalone
    expect(await raw.exists(key)).toBe(0);
  });

  it('the value read back is what the cache decodes (same as cache.get)', async () => {
    const cache = app.get<ValkeyCache>(getCacheToken('default'));
    await catalog.product(7);
    expect(await cache.get('Catalog.product:[7]')).toEqual(await catalog.product(7));
  });
});

describe('@Cached when the cache server is unreachable', () => {
  @Injectable()
  class Quotes {
    calls = 0;
    @Cached({ cache: 'lenient', key: 'quote:{0}' })
    async lenient(id: string): Promise<string> {
      this.calls++;
      return `quote ${id}`;
    }
    @Cached({ cache: 'strict', key: 'quote:{0}' })
    async strict(id: string): Promise<string> {
      this.calls++;
      return `quote ${id}`;
    }
  }
  let app: TestingModule;
  let quotes: Quotes;

  beforeAll(async () => {
    app = await Test.createTestingModule({
      imports: [CacheModule.forRoot(await deadServerConfigs())],
      providers: [Quotes],
    }).compile();
    await app.init();
    quotes = app.get(Quotes);
  });
  afterAll(() => app?.close());

  it('with ignoreExceptions the method answers every call', async () => {
    expect(await quotes.lenient('a')).toBe('quote a');
    expect(await quotes.lenient('a')).toBe('quote a');
    expect(quotes.calls).toBe(2);
  });

  it('without it the typed connection error names the alias and the method is not called', async () => {
    const before = quotes.calls;
    const err = await quotes.strict('a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CacheConnectionError);
    expect((err as CacheConnectionError).alias).toBe('strict');
    expect(quotes.calls).toBe(before);
  });
});

describe('@Cached errors name the alias', () => {
  it('a provider naming an unknown alias fails the boot, listing the configured ones', async () => {
    @Injectable()
    class Wrong {
      @Cached({ cache: 'nope' })
      async find(): Promise<number> {
        return 1;
      }
    }
    const app = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneOnly('boot'))],
      providers: [Wrong],
    }).compile();
    const err = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close();
    expect(err).toBeInstanceOf(CacheError);
    expect((err as Error).message).toContain(
      "@Cached Wrong.find names the cache 'nope' (configured: default)",
    );
  });

  it('an object Nest did not build uses the running CacheModule, and names a missing alias', async () => {
    class Plain {
      calls = 0;
      @Cached({ key: 'plain:{0}' })
      async get(id: number): Promise<number> {
        return ++this.calls + id;
      }
      @Cached({ cache: 'other', key: 'plain:{0}' })
      async other(id: number): Promise<number> {
        return id;
      }
    }
    // The apps of the suites above are closed by now: this one is the only one running.
    const app = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneOnly('plain'))],
    }).compile();
    await app.init();
    try {
      const plain = new Plain();
      expect(await plain.get(1)).toBe(2);
      expect(await plain.get(1)).toBe(2);
      expect(plain.calls).toBe(1);
      const err = await new Plain().other(1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CacheError);
      expect((err as CacheError).alias).toBe('other');
      expect((err as Error).message).toMatch(
        /@Cached Plain\.other: no such cache; configured aliases: default/,
      );
    } finally {
      await app.close();
    }
  });

  it('a bound provider of a closed application says so', async () => {
    @Injectable()
    class Closing {
      @Cached({ key: 'closing' })
      async value(): Promise<number> {
        return 1;
      }
    }
    const app = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneOnly('closed'))],
      providers: [Closing],
    }).compile();
    await app.init();
    const closing = app.get(Closing);
    expect(await closing.value()).toBe(1);
    await app.close();
    await expect(closing.value()).rejects.toThrow(
      "cache 'default': @Cached Closing.value: the application of this object has been closed",
    );
  });

  it('a boot that fails (and is never closed) leaves no running CacheModule behind', async () => {
    @Injectable()
    class Broken {
      @Cached({ cache: 'missing' })
      async find(): Promise<number> {
        return 1;
      }
    }
    class Unbound {
      @Cached({ key: 'unbound' })
      async value(): Promise<number> {
        return 1;
      }
    }
    // Two failed boots, deliberately never closed: neither may count as a running application.
    for (const tag of ['failed-a', 'failed-b']) {
      const app = await Test.createTestingModule({
        imports: [CacheModule.forRoot(standaloneOnly(tag))],
        providers: [Broken],
      }).compile();
      await expect(app.init()).rejects.toThrow("names the cache 'missing'");
    }
    await expect(new Unbound().value()).rejects.toThrow(
      "cache 'default': @Cached Unbound.value: no CacheModule is running in this process",
    );
  });

  it('a template with a placeholder that is not an argument index is refused when declared', () => {
    expect(() =>
      Cached({ cache: 'x', key: 'user:{id}' })({}, 'm', { value: async () => 1 }),
    ).toThrow(CacheArgumentError);
    expect(() =>
      Cached({ cache: 'x', key: 'user:{id}' })({}, 'm', { value: async () => 1 }),
    ).toThrow("cache 'x': @Cached Object.m: key template 'user:{id}' has the placeholder {id}");
  });

  it('an argument with no stable form asks for a key function', async () => {
    class Fn {
      @Cached()
      async run(cb: () => void): Promise<number> {
        cb();
        return 1;
      }
    }
    const app = await Test.createTestingModule({
      imports: [CacheModule.forRoot(standaloneOnly('fn'))],
      providers: [Fn],
    }).compile();
    await app.init();
    try {
      await expect(app.get(Fn).run(() => undefined)).rejects.toThrow(
        /@Cached Fn\.run: cannot build a key from the arguments \(a function has no stable serialization\); give @Cached a key function/,
      );
    } finally {
      await app.close();
    }
  });
});
