// Structure checks of lib/ (run by `npm run lint`):
// - no import circle, counting `import type` and `export ... from`;
// - no import that runs up the layers (module -> cache -> client -> connection -> config/codec/util);
// - no file over MAX_LINES lines;
// - the root entry (lib/index.ts) exports at most MAX_ROOT_NAMES names, values and types.
// Prints every finding and exits 1 when there is one.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = join(ROOT, 'lib');
const MAX_LINES = 600;
const MAX_ROOT_NAMES = 50;

/**
 * Layer of each top-level entry of lib/ (higher may import lower or equal, never higher).
 * An entry missing here is reported, so a new folder gets its place on purpose.
 */
const LAYERS = {
  'errors.ts': 0,
  util: 0,
  codec: 1,
  config: 2,
  connection: 3,
  client: 4,
  cache: 5,
  module: 6,
  caching: 7,
  health: 7,
  adapters: 7,
  prometheus: 7,
  credentials: 7,
  opentelemetry: 7,
  testing: 8,
  'index.ts': 9,
  extend: 9,
};

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g;

function importsOf(file, text) {
  const found = [];
  for (const m of text.matchAll(IMPORT)) {
    found.push(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
  }
  return found;
}

const layerOf = (file) => relative(LIB, file).split('/')[0];

const files = walk(LIB);
const graph = new Map();
const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  const rel = relative(ROOT, file);
  if (lines > MAX_LINES) problems.push(`${rel}: ${lines} lines (at most ${MAX_LINES})`);
  const from = layerOf(file);
  if (!(from in LAYERS))
    problems.push(`${rel}: lib/${from} has no layer in scripts/check-structure.mjs`);
  const targets = importsOf(file, text).filter((t) => t.startsWith(LIB));
  for (const t of targets) {
    const to = layerOf(t);
    if (from in LAYERS && to in LAYERS && LAYERS[to] > LAYERS[from]) {
      problems.push(`${rel}: imports ${relative(ROOT, t)} (lib/${to} is above lib/${from})`);
    }
  }
  graph.set(file, targets);
}

// Tarjan's strongly connected components: every component of more than one file is a circle.
let index = 0;
const stack = [];
const state = new Map();
function connect(v) {
  const s = { index, low: index, onStack: true };
  index++;
  state.set(v, s);
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    const ws = state.get(w);
    if (!ws) {
      connect(w);
      s.low = Math.min(s.low, state.get(w).low);
    } else if (ws.onStack) {
      s.low = Math.min(s.low, ws.index);
    }
  }
  if (s.low === s.index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      state.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    const selfLoop = (graph.get(v) ?? []).includes(v);
    if (component.length > 1 || selfLoop) {
      const names = component.map((f) => relative(ROOT, f)).sort();
      problems.push(`import circle of ${names.length} files: ${names.join(', ')}`);
    }
  }
}
for (const v of graph.keys()) if (!state.has(v)) connect(v);

// Names the root entry exports, as the compiler resolves them (re-exports followed).
const entry = join(LIB, 'index.ts');
const program = ts.createProgram([entry], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noEmit: true,
});
const checker = program.getTypeChecker();
const rootNames = checker.getExportsOfModule(
  checker.getSymbolAtLocation(program.getSourceFile(entry)),
);
if (rootNames.length > MAX_ROOT_NAMES) {
  problems.push(`lib/index.ts exports ${rootNames.length} names (at most ${MAX_ROOT_NAMES})`);
}

if (problems.length > 0) {
  console.error(`check-structure: ${problems.length} problem(s) in lib/`);
  for (const p of problems) console.error(`- ${p}`);
  process.exit(1);
}
console.log(
  `check-structure: ${files.length} files in lib/, no circle, no upward import, none over ${MAX_LINES} lines, ` +
    `${rootNames.length} names in the root entry`,
);
