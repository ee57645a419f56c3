// Node module customization hooks (module.register) that let native `import()` load the
// harness's TypeScript sources. Needed by jest's globalSetup: jest transpiles the setup file
// itself, but its imports go through Node's own ESM loader, which neither maps `./x.js` to
// `./x.ts` nor understands TypeScript.
//
// resolve: a relative `./x.js` imported from a `.ts` file that does not exist is retried as `./x.ts`.
// load:    `.ts` files are transpiled (types erased, no type check) with the project's TypeScript.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const RELATIVE_JS = /^\.{1,2}\/.*\.js$/;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fromTs = context.parentURL?.startsWith('file:') && context.parentURL.endsWith('.ts');
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && fromTs && RELATIVE_JS.test(specifier)) {
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw error;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      isolatedModules: true,
      experimentalDecorators: true,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
