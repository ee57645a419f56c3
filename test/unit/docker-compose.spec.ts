import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  DEFAULT_DOWN_AFTER_MS,
  DEFAULT_FAILOVER_TIMEOUT_MS,
  DEFAULT_PARALLEL_SYNCS,
  REPL_DISKLESS_SYNC_DELAY_S,
  defaultQuorum,
} from '../harness/defaults.js';

/** Ports documented in docker/compose.yaml and the README. */
const EXPECTED_PORTS = {
  primary: 6379,
  replicas: [6380, 6381],
  sentinels: [26379, 26380, 26381],
} as const;
/** Sentinel service name of the Docker topology. */
const SERVICE_NAME = 'mymaster';
/** All nodes share this address (one network namespace, see compose.yaml). */
const NODE_HOST = '127.0.0.1';

const dockerDir = new URL('../../docker/', import.meta.url);
const readDockerFile = (name: string): string => readFileSync(new URL(name, dockerDir), 'utf8');

interface ComposeService {
  image?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  network_mode?: string;
  ports?: string[];
  volumes?: string[];
}

interface Node {
  readonly service: string;
  readonly role: 'primary' | 'replica' | 'sentinel';
  readonly tokens: readonly string[];
  readonly port: number;
  readonly definition: ComposeService;
}

const compose = parse(readDockerFile('compose.yaml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Whitespace tokens of a service's command (`sh -c "..."` scripts included). */
function commandTokens(service: ComposeService): string[] {
  const command = service.command ?? [];
  return (Array.isArray(command) ? command : [command])
    .flatMap((part) => part.split(/[\s;]+/))
    .filter(Boolean);
}

/** The values following `flag` in `tokens`. */
function flagValues(tokens: readonly string[], flag: string, count: number): string[] {
  const index = tokens.indexOf(flag);
  if (index < 0) throw new Error(`missing ${flag} in: ${tokens.join(' ')}`);
  return tokens.slice(index + 1, index + 1 + count);
}

const nodes: Node[] = Object.entries(compose.services).flatMap(([service, definition]) => {
  const tokens = commandTokens(definition);
  const role = tokens.includes('valkey-sentinel')
    ? 'sentinel'
    : tokens.includes('valkey-server')
      ? tokens.includes('--replicaof')
        ? 'replica'
        : 'primary'
      : undefined;
  if (!role) return [];
  return [{ service, role, tokens, port: Number(flagValues(tokens, '--port', 1)[0]), definition }];
});
const byRole = (role: Node['role']): Node[] => nodes.filter((node) => node.role === role);

/** `directive args...` lines of a Valkey config file, comments dropped. */
function configLines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/));
}

describe('docker/compose.yaml', () => {
  it('has one primary, two replicas and three sentinels on valkey/valkey:8', () => {
    expect(byRole('primary')).toHaveLength(1);
    expect(byRole('replica')).toHaveLength(2);
    expect(byRole('sentinel')).toHaveLength(3);
    for (const node of nodes) expect(node.definition.image).toBe('valkey/valkey:8');
  });

  it('uses the documented ports', () => {
    expect(byRole('primary').map((node) => node.port)).toEqual([EXPECTED_PORTS.primary]);
    expect(
      byRole('replica')
        .map((node) => node.port)
        .sort(),
    ).toEqual([...EXPECTED_PORTS.replicas]);
    expect(
      byRole('sentinel')
        .map((node) => node.port)
        .sort(),
    ).toEqual([...EXPECTED_PORTS.sentinels]);
  });

  it('publishes every node port 1:1 on the host loopback through the shared namespace', () => {
    const owners = new Set(nodes.map((node) => node.definition.network_mode));
    expect(owners.size).toBe(1);
    const [owner] = [...owners];
    expect(owner).toMatch(/^service:/);
    const published = (compose.services[owner!.slice('service:'.length)]?.ports ?? []).map(
      (spec) => {
        const [ip, host, container] = spec.split(':');
        return { ip, host: Number(host), container: Number(container) };
      },
    );
    for (const mapping of published) {
      expect(mapping.ip).toBe(NODE_HOST);
      expect(mapping.host).toBe(mapping.container);
    }
    expect(published.map((mapping) => mapping.host).sort()).toEqual(
      nodes.map((node) => node.port).sort(),
    );
  });

  it('points every replica to the primary', () => {
    const [primary] = byRole('primary');
    for (const replica of byRole('replica')) {
      expect(flagValues(replica.tokens, '--replicaof', 2)).toEqual([
        NODE_HOST,
        String(primary!.port),
      ]);
    }
  });

  it('gives the data nodes the harness replication policy', () => {
    const config = configLines(readDockerFile('valkey.conf'));
    expect(config).toContainEqual(['repl-diskless-sync-delay', String(REPL_DISKLESS_SYNC_DELAY_S)]);
    for (const node of [...byRole('primary'), ...byRole('replica')]) {
      const mount = node.definition.volumes?.find((volume) => volume.startsWith('./valkey.conf:'));
      expect(mount).toBeDefined();
      expect(node.tokens[1]).toBe(mount!.split(':')[1]);
    }
  });

  it('gives the sentinels the harness failover policy for mymaster', () => {
    const config = configLines(readDockerFile('sentinel.conf'));
    const sentinel = (directive: string): string[] | undefined =>
      config.find((line) => line[0] === 'sentinel' && line[1] === directive)?.slice(2);
    const [primary] = byRole('primary');

    expect(sentinel('monitor')).toEqual([
      SERVICE_NAME,
      NODE_HOST,
      String(primary!.port),
      String(defaultQuorum(EXPECTED_PORTS.sentinels.length)),
    ]);
    expect(sentinel('down-after-milliseconds')).toEqual([
      SERVICE_NAME,
      String(DEFAULT_DOWN_AFTER_MS),
    ]);
    expect(sentinel('failover-timeout')).toEqual([
      SERVICE_NAME,
      String(DEFAULT_FAILOVER_TIMEOUT_MS),
    ]);
    expect(sentinel('parallel-syncs')).toEqual([SERVICE_NAME, String(DEFAULT_PARALLEL_SYNCS)]);
    expect(sentinel('announce-ip')).toEqual([NODE_HOST]);

    for (const node of byRole('sentinel')) {
      expect(node.definition.volumes?.some((volume) => volume.startsWith('./sentinel.conf:'))).toBe(
        true,
      );
      // Sentinel rewrites its config: each one must run from its own writable copy.
      expect(node.tokens).toContain('cp');
      expect(flagValues(node.tokens, 'valkey-sentinel', 1)[0]).toMatch(/^\/data\//);
    }
  });
});
