/**
 * Time conversions shared by the store adapters (internal, not exported from any entry point).
 */

/**
 * A duration in **milliseconds** as the **seconds** a {@link ValkeyCache} timeout takes, such
 * that the cache stores exactly `round(ms)` milliseconds (at least 1) with `PX`.
 *
 * The cache turns seconds back into milliseconds with `Math.trunc(seconds * 1000)`, and
 * `ms / 1000 * 1000` is a hair below `ms` for some integers (1001 ms becomes 1000.999…), so a
 * quarter of a millisecond is added: enough to survive the float error, too little to round up.
 */
export function msToSeconds(ms: number): number {
  return (Math.max(1, Math.round(ms)) + 0.25) / 1000;
}

/** `ms` milliseconds as whole seconds, rounded up (the unit `@nestjs/throttler` reports). */
export function ceilSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
