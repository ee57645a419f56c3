import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisOptions } from 'iovalkey';

/** Validity of the generated certificates, in days. */
const CERT_DAYS = 2;

/** One PEM certificate with its private key: file paths and contents. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM text of the certificate. */
  readonly cert: string;
  /** PEM text of the private key (unencrypted unless stated). */
  readonly key: string;
}

/**
 * Certificates generated with `openssl` for one test run (EC P-256, valid {@link CERT_DAYS} days):
 * a CA, a server certificate it signed for `127.0.0.1` / `localhost` (subjectAltName), a client
 * certificate it signed, and an unrelated second CA (with its own server and client certificates)
 * for wrong-CA tests.
 */
export interface TlsMaterial {
  readonly dir: string;
  /** The test CA (certificate and key). */
  readonly ca: CertificateFiles;
  /** Server certificate signed by {@link ca}; SAN `IP:127.0.0.1`, `DNS:localhost`. */
  readonly server: CertificateFiles;
  /** Client certificate signed by {@link ca} (CN `client`). */
  readonly client: CertificateFiles;
  /** Client certificate whose key is encrypted with {@link clientKeyPassphrase}. */
  readonly encryptedClient: CertificateFiles;
  /** Passphrase of {@link encryptedClient}'s key. */
  readonly clientKeyPassphrase: string;
  /** A second CA that signed nothing the servers use. */
  readonly otherCa: CertificateFiles;
  /** Client certificate signed by {@link otherCa} (servers refuse it). */
  readonly otherClient: CertificateFiles;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(dir: string, name: string): CertificateFiles {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
  };
}

/** `openssl req` arguments for a new EC P-256 key. */
const EC_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

function newCa(dir: string, name: string, cn: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-nodes',
      ...EC_P256_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      String(CERT_DAYS),
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
}

let serial = 1;

function newLeaf(
  dir: string,
  name: string,
  ca: string,
  cn: string,
  extensions: string,
  passphrase?: string,
): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'req',
      '-new',
      ...(passphrase === undefined ? ['-nodes'] : ['-passout', `pass:${passphrase}`]),
      ...EC_P256_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      String(serial++),
      '-out',
      `${name}.crt`,
      '-days',
      String(CERT_DAYS),
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/**
 * Generates the {@link TlsMaterial} of a test run into `dir` (created if needed) with the
 * `openssl` command line tool. Takes ~0.1 s.
 */
export function createTlsMaterial(dir: string): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const passphrase = 'client-key-passphrase-Zq81';
  newCa(dir, 'ca', 'nestjs-valkey-cache test CA');
  newCa(dir, 'other-ca', 'unrelated test CA');
  newLeaf(
    dir,
    'server',
    'ca',
    'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  newLeaf(dir, 'client', 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  newLeaf(dir, 'client-enc', 'ca', 'client-enc', 'extendedKeyUsage=clientAuth\n', passphrase);
  newLeaf(dir, 'other-client', 'other-ca', 'intruder', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: files(dir, 'ca'),
    server: files(dir, 'server'),
    client: files(dir, 'client'),
    encryptedClient: files(dir, 'client-enc'),
    clientKeyPassphrase: passphrase,
    otherCa: files(dir, 'other-ca'),
    otherClient: files(dir, 'other-client'),
  };
}

/** `tls-auth-clients` of a TLS server: whether clients must present a certificate. */
export type TlsAuthClients = 'yes' | 'no' | 'optional';

/** TLS options of the harness servers (`startStandalone({ tls })`, `startSentinelTopology`). */
export interface HarnessTlsOptions {
  /** Certificates to use; default: generated into the run directory. */
  material?: TlsMaterial;
  /** `tls-auth-clients` (default `optional`: a client certificate is checked when given). */
  authClients?: TlsAuthClients;
}

/** TLS settings shared by `valkey-server` flags and sentinel.conf lines (name, value pairs). */
function tlsSettings(material: TlsMaterial, authClients: TlsAuthClients): Array<[string, string]> {
  return [
    ['tls-cert-file', material.server.certFile],
    ['tls-key-file', material.server.keyFile],
    ['tls-ca-cert-file', material.ca.certFile],
    ['tls-auth-clients', authClients],
    ['tls-replication', 'yes'],
  ];
}

/**
 * `valkey-server` flags for a TLS-only server on `port`: `--port 0 --tls-port <port>`, the
 * certificates, `tls-auth-clients`, and `tls-replication yes` (replicas sync over TLS and
 * announce their TLS port).
 */
export function tlsServerArgs(
  port: number,
  material: TlsMaterial,
  authClients: TlsAuthClients = 'optional',
): string[] {
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    ...tlsSettings(material, authClients).flatMap(([name, value]) => [`--${name}`, value]),
  ];
}

/**
 * sentinel.conf lines for a TLS-only sentinel on `port` (placed after the config's own `port`
 * line, which they override): it accepts TLS clients and connects to servers and other sentinels
 * with TLS, presenting the server certificate as its client certificate.
 */
export function tlsSentinelLines(
  port: number,
  material: TlsMaterial,
  authClients: TlsAuthClients = 'optional',
): string[] {
  return [
    'port 0',
    `tls-port ${port}`,
    ...tlsSettings(material, authClients).map(([name, value]) => `${name} "${value}"`),
  ];
}

/** Node TLS options trusting the test CA and presenting the client certificate. */
export function clientTlsOptions(material: TlsMaterial): TlsOptions {
  return { ca: material.ca.cert, cert: material.client.cert, key: material.client.key };
}

/** iovalkey options for the harness's own admin connections to TLS servers. */
export function adminTlsOptions(material: TlsMaterial): RedisOptions {
  return { tls: clientTlsOptions(material) };
}
