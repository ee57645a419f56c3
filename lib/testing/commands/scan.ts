// The SCAN family's cursors and options (SCAN, SSCAN, HSCAN), in creation order.
import { globMatch } from '../../util/glob.js';
import { err, int, keyOf, replyError, status, text, upper } from './protocol.js';
import type { InMemoryReply } from './types.js';

export const SMALL_COLLECTION = 128; // Valkey's listpack limit: SSCAN/HSCAN return such a collection at once

/** Options of a SCAN-family command: `MATCH`, `COUNT`, and `TYPE`/`NOVALUES` where allowed. */
export function scanOptions(
  args: Buffer[],
  from: number,
  extra: readonly string[],
): { match?: string; count: number; type?: string; novalues: boolean } {
  const out: { match?: string; count: number; type?: string; novalues: boolean } = {
    count: 10,
    novalues: false,
  };
  for (let i = from; i < args.length; i++) {
    const opt = upper(args[i]);
    if (opt === 'MATCH' && i + 1 < args.length) out.match = keyOf(args[++i]!);
    else if (opt === 'COUNT' && i + 1 < args.length) {
      out.count = int(args[++i]);
      if (out.count < 1) throw err.syntax();
    } else if (opt === 'TYPE' && extra.includes('TYPE') && i + 1 < args.length)
      out.type = text(args[++i]!).toLowerCase();
    else if (opt === 'NOVALUES' && extra.includes('NOVALUES')) out.novalues = true;
    else throw err.syntax();
  }
  return out;
}

export function parseCursor(b: Buffer): number {
  const s = text(b);
  if (!/^\d+$/.test(s)) throw replyError('ERR invalid cursor');
  return Number(s);
}

/**
 * One SCAN step over `entries` (in creation order): examines up to `count` entries whose
 * sequence is at or after `cursor`, returns the next cursor (0 when done) and what was kept.
 * An entry present for a whole scan is returned at least once, as Valkey guarantees.
 */
export function scanStep<T>(
  entries: Iterable<[string, T]>,
  seqOf: (t: T) => number,
  cursor: number,
  count: number,
  keep: (key: string, t: T) => boolean,
): [number, Array<[string, T]>] {
  const out: Array<[string, T]> = [];
  let examined = 0;
  for (const [k, t] of entries) {
    const seq = seqOf(t);
    if (seq < cursor) continue;
    if (examined === count) return [seq, out];
    examined++;
    if (keep(k, t)) out.push([k, t]);
  }
  return [0, out];
}

export function collectionScan<T>(
  map: Map<string, T>,
  seqOf: (t: T) => number,
  args: Buffer[],
  extra: readonly string[],
  emit: (key: string, t: T, novalues: boolean) => Buffer[],
): InMemoryReply {
  const cursor = parseCursor(args[1]!);
  const opts = scanOptions(args, 2, extra);
  const keep = (k: string): boolean => opts.match === undefined || globMatch(opts.match, k);
  // Small collections come back whole in one reply, as Valkey's compact encodings do.
  const [next, found] =
    map.size <= SMALL_COLLECTION
      ? [0, [...map].filter(([k]) => keep(k))]
      : scanStep(map, seqOf, cursor, opts.count, keep);
  return [status(String(next)), found.flatMap(([k, t]) => emit(k, t, opts.novalues))];
}
