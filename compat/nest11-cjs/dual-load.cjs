// Loads the installed package both ways in one process, as an app and a dependency of it may:
// require() gets the CommonJS build, import() the ES module build. Checks what the docs promise:
// every entry point loads both ways with the same export names, the injection tokens are the
// same values (Symbol.for keys and strings), and error classes are two copies (so `instanceof`
// across copies is false while `name` matches). Exits non-zero on the first broken promise.
'use strict';
const assert = require('node:assert/strict');

const pkg = 'nestjs-valkey-cache';
const subpaths = Object.keys(require(`${pkg}/package.json`).exports)
  .filter((s) => s !== './package.json')
  .map((s) => (s === '.' ? pkg : `${pkg}/${s.slice(2)}`));

async function main() {
  for (const id of subpaths) {
    const cjs = require(id);
    const esm = await import(id);
    const names = (m) => Object.keys(m).filter((n) => n !== 'default' && n !== '__esModule');
    assert.deepEqual(names(cjs).sort(), names(esm).sort(), `${id}: export names differ`);
    assert.ok(names(cjs).length > 0, `${id}: no exports`);
    console.log(`== dual-load: ${id} loads with require and import (${names(cjs).length} exports)`);
  }

  const cjs = require(pkg);
  const esm = await import(pkg);
  assert.notEqual(cjs.CacheModule, esm.CacheModule, 'expected two copies of the module class');
  assert.equal(cjs.VALKEY_CONNECTION_FACTORY, esm.VALKEY_CONNECTION_FACTORY);
  assert.equal(cjs.getCacheToken(), esm.getCacheToken());
  assert.equal(cjs.getCacheToken('sentinel'), esm.getCacheToken('sentinel'));
  assert.equal(
    cjs.getConnectionFactoryToken('sentinel'),
    esm.getConnectionFactoryToken('sentinel'),
  );
  assert.equal(cjs.getSentinelClientToken('sentinel'), esm.getSentinelClientToken('sentinel'));
  console.log('== dual-load: injection tokens are identical across the two builds');

  const err = new cjs.CacheError('from the CommonJS copy');
  assert.equal(err instanceof esm.CacheError, false);
  assert.equal(err.name, new esm.CacheError('x').name);
  console.log(`== dual-load: errors cross copies by name ("${err.name}"), not by instanceof`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
