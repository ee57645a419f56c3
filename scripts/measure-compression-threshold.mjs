// Measures, per compressor and payload size, the CPU cost of compress + decompress against the
// bytes it saves, on JSON-like cache values. Used to choose DEFAULT_COMPRESS_MIN_LENGTH
// (lib/codec/compressors/base-compressor.ts). Run: node scripts/measure-compression-threshold.mjs
// Plain .mjs on purpose: it measures the underlying libraries, so it needs no TypeScript loader.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);

// Deterministic JSON-like records (xorshift PRNG) so every run measures the same bytes.
let seed = 0x2545f491;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const names = [
  'Ada Lovelace',
  'Alan Turing',
  'Grace Hopper',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Ken Thompson',
];
const cities = ['London', 'Paris', 'Tehran', 'Lagos', 'Lima', 'Osaka', 'Berlin'];
const record = (i) => ({
  id: 100000 + Math.floor(rand() * 900000),
  name: pick(names),
  email: `user${i}.${Math.floor(rand() * 1e6)}@example.com`,
  active: rand() > 0.3,
  score: Math.round(rand() * 10000) / 100,
  city: pick(cities),
  createdAt: new Date(1.7e12 + Math.floor(rand() * 1e10)).toISOString(),
  tags: ['alpha', 'beta', 'gamma', 'delta'].filter(() => rand() > 0.5),
});
function payload(size) {
  // A list of records, cut to exactly `size` bytes of JSON text (a cut string is still realistic
  // bytes for a compressor, which never parses them).
  const items = [];
  let text = '';
  for (let i = 0; text.length < size; i++) {
    items.push(record(i));
    text = JSON.stringify(items);
  }
  return Buffer.from(text.slice(0, size));
}

/**
 * Microseconds per call: the fastest of 7 samples of >= 25 ms each. The minimum is what the code
 * costs; other processes on a shared machine only ever add to it.
 */
function timeUs(fn) {
  for (let i = 0; i < 200; i++) fn(); // warm up
  let best = Infinity;
  for (let sample = 0; sample < 7; sample++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 25_000_000n) {
      for (let i = 0; i < 50; i++) fn();
      n += 50;
      elapsed = process.hrtime.bigint() - start;
    }
    best = Math.min(best, Number(elapsed) / n / 1000);
  }
  return best;
}

const codecs = [
  ['zlib-6', (b) => zlib.deflateSync(b, { level: 6 }), (b) => zlib.inflateSync(b)],
  ['gzip-6', (b) => zlib.gzipSync(b, { level: 6 }), (b) => zlib.gunzipSync(b)],
  ['gzip-9', (b) => zlib.gzipSync(b, { level: 9 }), (b) => zlib.gunzipSync(b)],
  ...[4, 11].map((q) => [
    `brotli-${q}`,
    (b) =>
      zlib.brotliCompressSync(b, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: q,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length,
        },
      }),
    (b) => zlib.brotliDecompressSync(b),
  ]),
];
try {
  const zstd = require('zstd-napi');
  for (const level of [1, 3]) {
    const c = new zstd.Compressor();
    c.setParameters({ compressionLevel: level });
    const d = new zstd.Decompressor();
    codecs.push([`zstd-${level}`, (b) => c.compress(b), (b) => d.decompress(b)]);
  }
} catch {
  console.error('zstd-napi not installed: skipped');
}
try {
  const lz4 = require('lz4-napi');
  codecs.push(['lz4', (b) => lz4.compressFrameSync(b), (b) => lz4.decompressFrameSync(b)]);
} catch {
  console.error('lz4-napi not installed: skipped');
}

const sizes = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384];
// Break-even: CPU time (compress once + decompress once) vs the wire time of the saved bytes sent
// once and read once at 1 Gbit/s (8 ns per byte each way => 16 ns per saved byte per write+read).
const NS_PER_SAVED_BYTE = 16;
console.log(
  `node ${process.version}; break-even = bytes saved x ${NS_PER_SAVED_BYTE} ns >= compress + decompress time`,
);
console.log('codec      size  out   saved  comp_us  decomp_us  total_us  wire_us_saved  pays?');
for (const [name, compress, decompress] of codecs) {
  for (const size of sizes) {
    const input = payload(size);
    const out = compress(input);
    if (!decompress(out).equals(input)) throw new Error(`${name}: round trip failed at ${size}`);
    const c = timeUs(() => compress(input));
    const d = timeUs(() => decompress(out));
    const saved = input.length - out.length;
    const wire = (saved * NS_PER_SAVED_BYTE) / 1000;
    console.log(
      `${name.padEnd(10)} ${String(size).padStart(5)} ${String(out.length).padStart(5)} ${String(saved).padStart(6)}` +
        `  ${c.toFixed(2).padStart(7)}  ${d.toFixed(2).padStart(9)}  ${(c + d).toFixed(2).padStart(8)}` +
        `  ${wire.toFixed(2).padStart(13)}  ${wire >= c + d ? 'yes' : 'no'}`,
    );
  }
}
