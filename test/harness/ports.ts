import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { HARNESS_HOST } from './defaults.js';

/** Lowest port handed out. */
const MIN_PORT = 10_000;
/** Attempts before giving up on finding a free port. */
const MAX_ATTEMPTS = 200;

/** Ports already handed out by this module instance; never handed out twice. */
const handedOut = new Set<number>();

/**
 * First port of the kernel's ephemeral range (used for outgoing connections). Ports are picked
 * below it so that a client's source port cannot grab a port between our probe and the server's
 * bind, or while a killed node is down waiting for `restart()`.
 */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && Number.isInteger(low) && low > MIN_PORT + 1000) return low;
  } catch {
    // not Linux: fall through to the IANA default
  }
  return 49_152;
}

/** Resolves whether `port` can be bound on the loopback address right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: HARNESS_HOST, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Returns a TCP port on 127.0.0.1 that is free right now and was not handed out before by this
 * process. The port is picked at random below the ephemeral range and probed with a bind.
 */
export async function allocatePort(): Promise<number> {
  const high = ephemeralRangeStart();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const port = MIN_PORT + Math.floor(Math.random() * (high - MIN_PORT));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(
    `allocatePort: no free port in ${MIN_PORT}-${high - 1} after ${MAX_ATTEMPTS} tries`,
  );
}

/** Returns `count` distinct free ports (see {@link allocatePort}). */
export async function allocatePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(await allocatePort());
  return ports;
}
