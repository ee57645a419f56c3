// Checks README.md and docs/*.md: every `ts` code block type-checks against the package sources
// (a block after a `<!-- docs-check: skip (why) -->` line is skipped and counted), every
// relative link points to a file and heading that exist, and the pages hold no development log
// (issue numbers, commit hashes). Also the README's shape: at most 400 lines, the install line,
// the Quick start within the first 60 lines.
// Usage: node scripts/docs-check.mjs        (exit 1 with one line per problem)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.build', 'docs-check');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)]
  .filter((f) => f.endsWith('.md'))
  .sort();
const problems = [];
const problem = (file, line, text) => problems.push(`${file}:${line}: ${text}`);

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered.
function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const texts = new Map(pages.map((p) => [p, readFileSync(join(root, p), 'utf8')]));
const anchors = new Map(pages.map((p) => [p, anchorsOf(texts.get(p))]));

// Code blocks and links.
const blocks = [];
let skipped = 0;
for (const [page, text] of texts) {
  const lines = text.split('\n');
  let block = null;
  lines.forEach((line, i) => {
    if (block) {
      if (line.startsWith('```')) {
        blocks.push(block);
        block = null;
      } else block.lines.push(line);
      return;
    }
    const fence = /^```(\w*)/.exec(line);
    if (fence) {
      let before = i - 1;
      while (before > 0 && lines[before].trim() === '') before--;
      const marked = /<!-- docs-check: skip/.test(lines[before] ?? '');
      if (fence[1] === 'ts' && marked) skipped++;
      block = {
        page,
        start: i + 2,
        lang: fence[1],
        check: fence[1] === 'ts' && !marked,
        lines: [],
      };
      return;
    }
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) checkLink(page, i + 1, m[1]);
    if (/(^|[\s(])#\d+\b|\bissues? #?\d+/i.test(prose)) problem(page, i + 1, 'issue number');
    if (/\bthe seed\b/i.test(prose)) problem(page, i + 1, '"the seed": name the document instead');
    if (/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b/.test(prose)) {
      problem(page, i + 1, 'commit hash');
    }
  });
}

function checkLink(page, line, target) {
  if (/^[a-z]+:/i.test(target)) return; // http(s), mailto
  const [path, anchor] = target.split('#');
  const file = path === '' ? page : relative(root, resolve(root, dirname(page), path));
  if (!existsSync(join(root, file))) return problem(page, line, `dead link ${target}`);
  if (anchor !== undefined && !anchors.get(file)?.has(anchor)) {
    problem(page, line, `dead anchor ${target}`);
  }
}

// README shape.
const readme = texts.get('README.md').split('\n');
if (readme.length > 400) problem('README.md', readme.length, 'over 400 lines');
if (!readme.some((l) => l.includes('npm install nestjs-valkey-cache'))) {
  problem('README.md', 1, 'no install line');
}
const quick = readme.findIndex((l) => /^## Quick start/.test(l));
if (quick < 0 || quick >= 60)
  problem('README.md', quick + 1, 'Quick start not in the first 60 lines');

// Type-check the ts blocks against lib/ through paths mapped from the package's exports. Each
// page's blocks sit in their own folder, one module per block; a block whose first line is a
// file name comment (`// app.module.ts`) gets that name, so later blocks can import it. Pages
// that name no `app.module.ts` get scripts/docs-fixtures/app.module.ts (an AppModule with a
// `default` and a `sentinel` cache).
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = new Map();
const fixture = readFileSync(join(root, 'scripts/docs-fixtures/app.module.ts'), 'utf8');
for (const page of pages) {
  const dir = join(out, page.replace(/[/.]/g, '_'));
  mkdirSync(dir);
  writeFileSync(join(dir, 'app.module.ts'), fixture);
  for (const b of blocks.filter((b) => b.check && b.page === page)) {
    const named = /^\/\/ ([\w.-]+\.ts)$/.exec(b.lines[0] ?? '');
    const name = named ? named[1] : `block_${b.start}.ts`;
    files.set(`${relative(out, dir)}/${name}`, b);
    writeFileSync(join(dir, name), `${b.lines.join('\n')}\nexport {};\n`);
  }
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const paths = {};
for (const [sub, entry] of Object.entries(pkg.exports)) {
  if (typeof entry === 'string') continue;
  const id = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
  const src = entry.import.default.replace('./dist/esm/', '../../lib/').replace(/\.js$/, '.ts');
  paths[id] = [src];
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022'],
      types: ['node', 'jest'],
      typeRoots: ['../../node_modules/@types'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: '.',
      paths,
    },
    include: ['*/*.ts'],
  }),
);
const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', out], { encoding: 'utf8' });
for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n')) {
  const m = /^([^(\s]+\.ts)\((\d+),\d+\): (error .*)$/.exec(line);
  if (!m) continue;
  const block = files.get(relative(out, resolve(root, m[1])));
  if (block) problem(block.page, block.start + Number(m[2]) - 1, m[3]);
  else problems.push(line);
}
if (tsc.status !== 0 && problems.length === 0)
  problems.push(`tsc failed: ${tsc.stdout}${tsc.stderr}`);

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`docs-check: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `docs-check: ${pages.length} pages, ${files.size} ts blocks type-checked (${skipped} marked skip), links and anchors OK`,
);
