/** The measuring loop of the bench: a fixed number of workers, each awaiting one call at a time. */

/** One measured row. */
export interface Measurement {
  ops: number;
  opsPerSec: number;
  p50us: number;
  p99us: number;
}

/** An operation: `i` is a running call number (workers use it to pick keys). */
export type Op = (i: number) => Promise<unknown>;

const MAX_SAMPLES = 1 << 20;
const samples = new Float64Array(MAX_SAMPLES);

/**
 * Runs `op` with `inFlight` calls outstanding for `durationMs` (after `warmupMs` of the same),
 * and reports ops/s and p50/p99 latency in microseconds. Bounded: stops by the clock.
 */
export async function measure(
  op: Op,
  inFlight: number,
  durationMs: number,
  warmupMs: number,
): Promise<Measurement> {
  await drive(op, inFlight, warmupMs, false);
  return drive(op, inFlight, durationMs, true);
}

async function drive(
  op: Op,
  inFlight: number,
  durationMs: number,
  record: boolean,
): Promise<Measurement> {
  let count = 0;
  let stop = false;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const t0 = performance.now();
      await op(count);
      const t1 = performance.now();
      if (record && count < MAX_SAMPLES) samples[count] = t1 - t0;
      count++;
      if (t1 >= deadline) stop = true;
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < inFlight; w++) workers.push(worker());
  await Promise.all(workers);
  const elapsed = performance.now() - start;
  if (!record) return { ops: count, opsPerSec: 0, p50us: 0, p99us: 0 };
  const n = Math.min(count, MAX_SAMPLES);
  const sorted = samples.slice(0, n).sort();
  const at = (q: number): number => (sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0) * 1000;
  return { ops: count, opsPerSec: (count * 1000) / elapsed, p50us: at(0.5), p99us: at(0.99) };
}
