import { CacheArgumentError } from '../../errors.js';
import { describe } from '../cache-core.js';
import type { ScoreBound } from '../cache-options.js';

// Arguments of the sorted-set and list commands, checked before anything is sent.

/** A score as Valkey replies it (`1.5`, `inf`, `-inf`) as a number. */
export function parseScore(raw: Buffer | string | number): number {
  if (typeof raw === 'number') return raw;
  const s = raw.toString();
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

/** A score argument: a number (not `NaN`); the infinities as `+inf` / `-inf`. */
export function scoreArg(score: unknown, what: string, alias: string): string {
  if (typeof score !== 'number' || Number.isNaN(score)) {
    throw new CacheArgumentError(
      `${what} must be a number, got ${typeof score === 'number' ? 'NaN' : describe(score)}`,
      alias,
    );
  }
  if (score === Infinity) return '+inf';
  if (score === -Infinity) return '-inf';
  return String(score);
}

/** A range bound: a number as {@link scoreArg}, or a string in Valkey's syntax (`'(1'`). */
export function boundArg(bound: ScoreBound, what: string, alias: string): string {
  return typeof bound === 'string' ? bound : scoreArg(bound, what, alias);
}

/** An index or count argument: a safe integer. */
export function intArg(n: unknown, what: string, alias: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new CacheArgumentError(
      `${what} must be an integer, got ${typeof n === 'number' ? String(n) : describe(n)}`,
      alias,
    );
  }
  return n;
}
