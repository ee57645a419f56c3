import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Overall bound, in ms. */
  timeoutMs: number;
  /** Pause between probes, in ms (default 100). */
  intervalMs?: number;
  /** What is awaited, for the error message (e.g. `replicas of svc_1 online`). */
  what: string;
  /** Extra diagnostics appended to the timeout error (e.g. log tails); may be async. */
  diagnostics?: () => string | Promise<string>;
}

/** Error thrown by {@link waitFor} when its bound is reached. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** "Not yet" answer of a {@link waitFor} probe, with the reason kept for the timeout error. */
export class Pending {
  constructor(readonly reason: string) {}
}

/** Builds the "not yet, because ..." answer of a {@link waitFor} probe. */
export function pending(reason: string): Pending {
  return new Pending(reason);
}

/**
 * Calls `probe` every `intervalMs` ms until it returns a value that is neither `undefined` nor
 * {@link Pending}, and returns that value. `probe` may throw; the last error or pending reason is
 * quoted in the {@link WaitTimeoutError} thrown after `timeoutMs` ms.
 *
 * @param probe returns the awaited value, or `undefined` / {@link pending}(reason) to retry
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | Pending>,
  options: WaitOptions,
): Promise<T> {
  const interval = options.intervalMs ?? 100;
  const deadline = Date.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    try {
      const result = await probe();
      if (result instanceof Pending) {
        last = result.reason;
      } else if (result !== undefined) {
        return result;
      } else {
        last = 'condition not met';
      }
    } catch (error) {
      last = `probe failed: ${(error as Error).message}`;
    }
    if (Date.now() + interval > deadline) break;
    await sleep(interval);
  }
  let extra = '';
  if (options.diagnostics) {
    try {
      extra = `\n${await options.diagnostics()}`;
    } catch (error) {
      extra = `\n(diagnostics failed: ${(error as Error).message})`;
    }
  }
  throw new WaitTimeoutError(
    `Timed out after ${options.timeoutMs} ms waiting for ${options.what}; last: ${last}${extra}`,
  );
}
