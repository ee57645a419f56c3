import type { Valkey } from 'iovalkey';
import { QUIT_TIMEOUT_MS } from './connection-events.js';
import { noop, sleep } from '../util/async-helpers.js';

/**
 * Closes a client after the commands already given to it were answered: waits (bounded) for a
 * connection that is being re-established, then `QUIT`s (which runs after the queued commands),
 * then disconnects. Used for a replica leaving the rotation and the bootstrap client.
 */
export async function retire(client: Valkey, boundMs: number, graceMs = 0): Promise<void> {
  if (graceMs > 0) await sleep(graceMs);
  if (client.status === 'end') return;
  if (client.status === 'wait') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(boundMs, QUIT_TIMEOUT_MS));
    timer.unref();
  });
  try {
    if (client.status !== 'ready') {
      let settle = noop;
      const ready = new Promise<void>((resolve) => {
        settle = resolve;
        client.once('ready', resolve);
        client.once('end', resolve);
      });
      await Promise.race([ready, bound]);
      client.off('ready', settle);
      client.off('end', settle);
    }
    if (client.status === 'ready') await Promise.race([client.quit().catch(noop), bound]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
