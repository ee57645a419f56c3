// Lists the functions with the most self time in a .cpuprofile: node bench/top-functions.mjs FILE [N]
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const limit = Number(process.argv[3] ?? 40);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|\.build)\//, '')}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
for (const [name, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
}
