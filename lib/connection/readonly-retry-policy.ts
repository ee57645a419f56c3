import type { Valkey } from 'iovalkey';
import { noop } from '../util/async-helpers.js';

/**
 * `reconnectOnError` of a primary connection: a `READONLY` reply means the node we write to was
 * demoted, so reconnect (iovalkey asks the sentinels again) and resend the command — once. A
 * command resent after a `READONLY` that meets `READONLY` again on the next connection is
 * rejected, so a stale sentinel view cannot loop. Resending cannot duplicate: a command refused
 * with `READONLY` did not run (measured in test/integration/sentinel-readonly.spec.ts).
 */
export class ReadonlyRetryPolicy {
  /** Commands resent after a `READONLY` reply. */
  retried = 0;
  /** `READONLY` replies passed to the caller (the retry met `READONLY` again). */
  rejected = 0;
  private epoch = 0;
  private readonly readonlyEpochs: number[] = [];

  constructor(private readonly onReadonly: (retry: boolean) => void = noop) {}

  /** Counts connections: call on every `ready` of the client. */
  attach(client: Valkey): void {
    client.on('ready', () => {
      this.epoch++;
    });
  }

  /** The `reconnectOnError` decision: `false` (not READONLY), `2` (reconnect and resend), `1` (reconnect, reject). */
  decide(err: Error): false | 1 | 2 {
    if (!/^READONLY\b/.test(err.message)) return false;
    const retry = !this.readonlyEpochs.includes(this.epoch - 1);
    if (!this.readonlyEpochs.includes(this.epoch)) {
      this.readonlyEpochs.push(this.epoch);
      if (this.readonlyEpochs.length > 4) this.readonlyEpochs.shift();
      this.onReadonly(retry);
    }
    if (retry) this.retried++;
    else this.rejected++;
    return retry ? 2 : 1;
  }
}
