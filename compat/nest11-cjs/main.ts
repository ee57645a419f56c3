// A Nest 11 application compiled to CommonJS (see tsconfig.json next to this file) that loads
// nestjs-valkey-cache through Node's require(esm). Run by scripts/check-nest11-cjs.sh, which
// installs Nest 11 and the packed package into a temporary project, compiles this file and runs
// it with VALKEY_PORT set to its own valkey-server. Exits 0 only when every check passed.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CacheHandler, CacheModule, InjectCache, ValkeyCache } from 'nestjs-valkey-cache';

const port = Number(process.env.VALKEY_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('VALKEY_PORT is not set');

@Injectable()
class Greeter {
  constructor(@InjectCache() readonly cache: ValkeyCache) {}

  async roundTrip(key: string, value: unknown): Promise<unknown> {
    await this.cache.set(key, value, 30 /* seconds */);
    return this.cache.get(key);
  }
}

@Module({
  imports: [CacheModule.forRoot({ default: { location: `valkey://127.0.0.1:${port}/0` } })],
  providers: [Greeter],
})
class AppModule {}

function check(what: string, ok: boolean, detail: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${detail}`);
  if (!ok) process.exitCode = 1;
}

async function main(): Promise<void> {
  // require(esm): the ES module package must load from a CommonJS file.
  check('module format', typeof module === 'object' && typeof require === 'function', 'CommonJS');
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    const greeter = app.get(Greeter);
    check('@InjectCache()', greeter.cache instanceof ValkeyCache, 'a ValkeyCache was injected');
    check(
      'CacheHandler',
      app.get(CacheHandler).get('default') === greeter.cache,
      'holds the same cache',
    );
    const value = { hello: 'nest 11', n: 42, list: [1, 'two', null] };
    const back = await greeter.roundTrip('nest11-cjs:greeting', value);
    check(
      'set/get round trip',
      JSON.stringify(back) === JSON.stringify(value),
      JSON.stringify(back),
    );
    const stored = await greeter.cache.getClient().get(':1:nest11-cjs:greeting');
    check('bytes on the server', stored === JSON.stringify(value), String(stored));
    check(
      'get of a missing key',
      (await greeter.cache.get('nest11-cjs:missing', 'dflt')) === 'dflt',
      'default returned',
    );
  } finally {
    await app.close();
  }
  console.log('app closed');
  if (process.env.SKIP_SUBPATHS !== '1') checkSubpaths();
}

/**
 * Every subpath export of the installed package.json (`./health`, `./keyv`, ...) must resolve
 * exactly when its file was built, and one that resolves must load through require(esm) with
 * Nest 11 and the optional peers a Nest 11 app would use (installed by the script).
 */
function checkSubpaths(): void {
  const root = dirname(require.resolve('nestjs-valkey-cache/package.json'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  const load: (id: string) => unknown = require;
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === '.' || subpath.endsWith('.json')) continue;
    const id = `nestjs-valkey-cache${subpath.slice(1)}`;
    const file = typeof target === 'string' ? target : target.default;
    const built = existsSync(join(root, file));
    let resolved: boolean;
    try {
      require.resolve(id);
      resolved = true;
    } catch {
      resolved = false;
    }
    if (!built) {
      check(id, !resolved, resolved ? `resolves, but ${file} is missing` : `not built (${file})`);
    } else if (!resolved) {
      check(id, false, `${file} exists but does not resolve`);
    } else {
      try {
        const exported = Object.keys(load(id) as object).sort();
        check(id, exported.length > 0, `resolves and loads: ${exported.join(', ')}`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        check(id, false, `resolves but fails to load: ${message.split('\n')[0]}`);
      }
    }
  }
}

main().catch((err: unknown) => {
  console.error('FAIL', err);
  process.exitCode = 1;
});
