// Builds the package: the ES module build into dist/esm and the CommonJS build into dist/cjs,
// each with its own declaration files. dist/ is emptied first so that no stale file is packed.
// Usage: node scripts/build.mjs [outDir]   (default: dist)
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'dist');
const tsc = resolve('node_modules/.bin/tsc');

function compile(project, outDir) {
  return new Promise((done, fail) => {
    const child = spawn(tsc, ['-p', project, '--outDir', outDir], { stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`tsc -p ${project}: exit ${code}`)),
    );
  });
}

await rm(out, { recursive: true, force: true });
await Promise.all([
  compile('tsconfig.build.json', join(out, 'esm')),
  compile('tsconfig.build.cjs.json', join(out, 'cjs')),
]);
// The package is "type": "module"; this marks the .js files of dist/cjs as CommonJS.
await mkdir(join(out, 'cjs'), { recursive: true });
await writeFile(join(out, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
console.log(`built ${out}/esm (ES modules) and ${out}/cjs (CommonJS)`);
