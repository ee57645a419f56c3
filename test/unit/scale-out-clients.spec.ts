/**
 * ShardClient's hash ring against django-valkey's (DESIGN.md section 8 vector and placements
 * computed by django-valkey's `HashRing` + `get_server_name` in Python), and the boot errors of
 * ShardClient and HerdClient.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { CacheHandler, CacheModule, HerdClient, ShardClient } from '../../lib/index.js';
import {
  ClusterClient,
  HashRing,
  HerdCache,
  shardKeyOf,
  ValkeyClusterCache,
} from '../../lib/extend/index.js';
import { bootError } from '../support/boot-error.js';

describe('HashRing (django-valkey hash_ring.py)', () => {
  it('places the DESIGN.md test vector like django-valkey', () => {
    const ring = new HashRing(['node:0', 'node:1', 'node:2']);
    const placed = Array.from({ length: 10 }, (_, i) => ring.nodeIndex(`test${i}`));
    expect(placed).toEqual([0, 2, 1, 2, 2, 2, 2, 0, 1, 1]);
    expect(ring.getNode('test1')).toBe('node:2');
  });

  it('agrees with django-valkey on URLs, {tag} keys and non-ASCII keys', () => {
    // Expected indexes printed by django-valkey's HashRing(nodes).get_node(get_server_name(k)).
    const nodes = [
      'valkey://127.0.0.1:6379/0',
      'valkey://127.0.0.1:6380/0',
      'redis://cache-c:6379/2',
      'valkey://127.0.0.1:6381/0',
    ];
    const keys = [
      ...Array.from({ length: 150 }, (_, i) => `:1:k${i}`),
      ...Array.from({ length: 30 }, (_, i) => `app:${i % 3}:user{${i % 7}}:x`),
      'é{ü}',
      '{',
      '}',
      '{}',
      'a{b}c}',
      '日本語キー',
      'a\n{b}',
      'x{a}{b}y',
    ];
    const expected =
      '31012310220121130001022022321013120122133033030111020322210320203310231211330322020130' +
      '010203020131233203312212213032301332320122113013120303212102232321032322103232210323' +
      '221032322103200323';
    const ring = new HashRing(nodes);
    expect(keys.map((k) => ring.nodeIndex(shardKeyOf(k))).join('')).toBe(expected);
  });

  it('routes a key by its last {tag}, like the Python regex', () => {
    expect(shardKeyOf(':1:a{b}c{d}e')).toBe('d');
    expect(shardKeyOf(':1:a{b}c}')).toBe('b}c');
    expect(shardKeyOf(':1:x{}')).toBe('');
    expect(shardKeyOf(':1:plain')).toBe(':1:plain');
    expect(shardKeyOf('a\n{b}')).toBe('a\n{b}');
  });
});

describe('scale-out clients at boot', () => {
  const A = 'valkey://127.0.0.1:6379/0';
  const B = 'valkey://127.0.0.1:6380/0';

  it('resolves the client classes by name and Django path', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          shard: { location: [A, B], options: { clientClass: 'django_valkey.client.ShardClient' } },
          herd: {
            location: A,
            options: { clientClass: 'django_valkey.client.HerdClient', herdTimeout: 5 },
          },
        }),
      ],
    }).compile();
    const handler = ref.get(CacheHandler);
    expect(handler.client('shard')).toBeInstanceOf(ShardClient);
    expect(handler.client('herd')).toBeInstanceOf(HerdClient);
    expect(handler.get('herd')).toBeInstanceOf(HerdCache);
    expect((handler.get('herd') as HerdCache).herdTimeout).toBe(5);
    await ref.close();
  });

  it('builds the cache class of the client family, subclasses included', async () => {
    class MyHerd extends HerdClient {}
    class MyShard extends ShardClient {}
    const ref = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          herd: { location: A, options: { clientClass: MyHerd } },
          shard: { location: [A, B], options: { clientClass: MyShard } },
        }),
      ],
    }).compile();
    const handler = ref.get(CacheHandler);
    expect(handler.get('herd')).toBeInstanceOf(HerdCache);
    expect(handler.get('shard')).not.toBeInstanceOf(HerdCache);
    expect(handler.get('shard')).not.toBeInstanceOf(ValkeyClusterCache);
    expect(handler.get('shard').constructor.name).toBe('ValkeyCache');
    await ref.close();
  });

  it('refuses a ShardClient with one location, naming alias and path', async () => {
    const err = await bootError({ bad: { location: A, options: { clientClass: 'ShardClient' } } });
    expect(err.problems).toEqual([
      { alias: 'bad', path: 'location', message: expect.stringMatching(/at least two locations/) },
    ]);
    expect(err.message).toMatch(/caches\.bad\.location/);
  });

  it('refuses a ShardClient that lists a shard twice', async () => {
    const err = await bootError({
      bad: { location: [A, B, A], options: { clientClass: 'ShardClient' } },
    });
    expect(err.problems).toEqual([
      { alias: 'bad', path: 'location', message: expect.stringMatching(/twice/) },
    ]);
  });

  it('refuses a negative herd timeout, naming alias and path', async () => {
    const err = await bootError({
      bad: { location: A, options: { clientClass: 'HerdClient', herdTimeout: -1 } },
    });
    expect(err.problems).toEqual([
      {
        alias: 'bad',
        path: 'options.herdTimeout',
        message: expect.stringMatching(/0 seconds or more, got -1/),
      },
    ]);
  });

  it('refuses a herd timeout that is not a number', async () => {
    const err = await bootError({
      bad: { location: A, options: { clientClass: 'HerdClient', herdTimeout: 'soon' } },
    });
    expect(err.problems.map((p) => p.path)).toContain('options.herdTimeout');
  });

  it('refuses a cluster cache with sentinels, a database other than 0, or another client', async () => {
    const err = await bootError({
      sentinels: {
        backend: 'ValkeyClusterCache',
        location: A,
        options: { sentinels: [['127.0.0.1', 26379]] },
      },
      db: { backend: 'ValkeyClusterCache', location: 'valkey://127.0.0.1:7000/3' },
    });
    expect(err.problems).toEqual(
      expect.arrayContaining([
        {
          alias: 'sentinels',
          path: 'options.sentinels',
          message: expect.stringMatching(/remove sentinels/),
        },
        { alias: 'db', path: 'location', message: expect.stringMatching(/database 0 only/) },
      ]),
    );
  });

  it('refuses a cluster backend with another client class', async () => {
    const err = await bootError({
      client: {
        backend: 'ValkeyClusterCache',
        location: A,
        options: { clientClass: 'DefaultClient' },
      },
    });
    expect(err.problems).toEqual([
      {
        alias: 'client',
        path: 'options.clientClass',
        message: expect.stringMatching(/needs ClusterClient/),
      },
    ]);
  });

  it('builds a cluster cache without connecting', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          default: { backend: 'ValkeyClusterCache', location: [A, B] },
        }),
      ],
    }).compile();
    const handler = ref.get(CacheHandler);
    expect(handler.get()).toBeInstanceOf(ValkeyClusterCache);
    expect(handler.client('default')).toBeInstanceOf(ClusterClient);
    await ref.close();
  });
});
