// Per-call cost of ValueCodec.encode / decode on a 284-byte JSON object, next to the bare
// JSON.stringify / JSON.parse (and msgpackr) calls in the same run, so a busy machine shows up in
// both columns. Build first (`npm run build`), then: node scripts/bench-value-codec.mjs [distDir]
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? 'dist');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { ValueCodec } = await load('codec/value-codec.js');
const { JsonSerializer } = await load('codec/serializers/json-serializer.js');
const { MsgpackSerializer } = await load('codec/serializers/msgpack-serializer.js');
const { IdentityCompressor } = await load('codec/compressors/identity-compressor.js');
const { Packr, Unpackr } = await import('msgpackr');

// 284 bytes as JSON.
const value = {
  id: 12345,
  name: 'Ada Lovelace',
  email: 'ada.byronking@example.com',
  active: true,
  roles: ['admin', 'editor'],
  score: 98.6,
  createdAt: '2024-01-02T03:04:05.000Z',
  address: { street: '12 Engine Way', city: 'London', zip: 'NW1 6XE', country: 'GB' },
  tags: ['math', 'poem'],
  logins: 4211,
};
if (JSON.stringify(value).length !== 284)
  throw new Error(`value is ${JSON.stringify(value).length} bytes`);

const json = new ValueCodec(new JsonSerializer(), new IdentityCompressor());
const msgpack = new ValueCodec(new MsgpackSerializer(), new IdentityCompressor());
const jsonBytes = json.encode(value);
const msgpackBytes = msgpack.encode(value);
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const cases = {
  'JSON.stringify + Buffer.from': () => Buffer.from(JSON.stringify(value)),
  'codec json encode': () => json.encode(value),
  'JSON.parse(buffer.toString())': () => JSON.parse(jsonBytes.toString()),
  'codec json decode': () => json.decode(jsonBytes),
  'msgpackr pack': () => packr.pack(value),
  'codec msgpack encode': () => msgpack.encode(value),
  'msgpackr unpack': () => unpackr.unpack(msgpackBytes),
  'codec msgpack decode': () => msgpack.decode(msgpackBytes),
  'codec int encode': () => json.encode(123456789),
  'codec int decode': () => json.decode(Buffer.from('123456789')),
};

const N = 50_000;
const ROUNDS = 15;
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const f of Object.values(cases)) for (let i = 0; i < 20_000; i++) f(); // warm up
for (let r = 0; r < ROUNDS; r++) {
  // Interleave the cases so background load hits them alike.
  for (const [name, f] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f();
    results[name].push(Number(process.hrtime.bigint() - start) / N / 1000);
  }
}
console.log(`node ${process.version}; ${ROUNDS} interleaved rounds of ${N} calls; us per call`);
console.log('case                              min     median');
for (const [name, times] of Object.entries(results)) {
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(32)} ${times[0].toFixed(3).padStart(6)}  ${times[ROUNDS >> 1].toFixed(3).padStart(6)}`,
  );
}
