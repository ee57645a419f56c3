/**
 * The cloud credential providers without a cloud: the ElastiCache IAM token checked byte for
 * byte against the AWS SDK's own SigV4 presign (@smithy/signature-v4) for fixed credentials and
 * time; the default credential chain loaded from the optional SDK peer; Memorystore's token as
 * the password.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  ELASTICACHE_TOKEN_SECONDS,
  ElastiCacheIamCredentialProvider,
  type AwsCredentials,
} from '../../lib/credentials/elasticache.js';
import { MemorystoreIamCredentialProvider } from '../../lib/credentials/memorystore.js';

const AT = new Date('2026-12-07T10:20:30Z');
const KEYS: AwsCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** The token as the AWS SDK computes it: its presigned request, as `host/?query&signature`. */
async function sdkToken(
  credentials: AwsCredentials,
  query: Record<string, string>,
  host: string,
  region: string,
): Promise<string> {
  const signer = new SignatureV4({
    service: 'elasticache',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: host,
    path: '/',
    query,
    headers: { host },
  });
  const signed = await signer.presign(request, {
    expiresIn: ELASTICACHE_TOKEN_SECONDS,
    signingDate: AT,
  });
  const q = signed.query as Record<string, string>;
  const enc = (v: string): string =>
    encodeURIComponent(v).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  const rest = Object.keys(q)
    .filter((k) => k !== 'X-Amz-Signature')
    .sort()
    .map((k) => `${enc(k)}=${enc(q[k]!)}`)
    .join('&');
  return `${host}/?${rest}&X-Amz-Signature=${q['X-Amz-Signature']}`;
}

describe('ElastiCacheIamCredentialProvider', () => {
  const cases: Array<[string, AwsCredentials, boolean, string]> = [
    ['a replication group, long-term keys', KEYS, false, 'app-user'],
    [
      'a serverless cache, temporary keys',
      { ...KEYS, sessionToken: 'FwoG/z+tok==' },
      true,
      'iam user',
    ],
  ];

  it.each(cases)('signs like the AWS SDK: %s', async (_what, credentials, serverless, userId) => {
    const provider = new ElastiCacheIamCredentialProvider({
      userId,
      cacheName: 'my-cache',
      region: 'eu-west-1',
      serverless,
      credentials,
      now: () => AT,
    });
    const query: Record<string, string> = { Action: 'connect', User: userId };
    if (serverless) query['ResourceType'] = 'ServerlessCache';
    const reference = await sdkToken(credentials, query, 'my-cache', 'eu-west-1');
    const { username, password } = await provider.getCredentials();
    expect(username).toBe(userId);
    expect(password).toBe(reference);
    expect(password).toContain('X-Amz-Expires=900');
    expect(password.includes('ResourceType=ServerlessCache')).toBe(serverless);
  });

  it('asks a credentials function on every call (rotated keys are used at once)', async () => {
    let n = 0;
    const provider = new ElastiCacheIamCredentialProvider({
      userId: 'u',
      cacheName: 'c',
      region: 'us-east-1',
      credentials: async () => ({ ...KEYS, accessKeyId: `AKID${++n}` }),
      now: () => AT,
    });
    expect((await provider.getCredentials()).password).toContain('X-Amz-Credential=AKID1%2F');
    expect((await provider.getCredentials()).password).toContain('X-Amz-Credential=AKID2%2F');
  });

  it("uses the SDK's default chain when no credentials are given", async () => {
    const saved = { ...process.env };
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDFROMENV';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'secret-from-env';
    delete process.env['AWS_SESSION_TOKEN'];
    try {
      const provider = new ElastiCacheIamCredentialProvider({
        userId: 'u',
        cacheName: 'c',
        region: 'us-east-1',
        now: () => AT,
      });
      const { password } = await provider.getCredentials();
      expect(password).toBe(
        await sdkToken(
          { accessKeyId: 'AKIDFROMENV', secretAccessKey: 'secret-from-env' },
          { Action: 'connect', User: 'u' },
          'c',
          'us-east-1',
        ),
      );
      expect(password).not.toContain('secret-from-env');
    } finally {
      process.env = saved;
    }
  });

  it('refuses missing names at construction', () => {
    expect(
      () => new ElastiCacheIamCredentialProvider({ userId: '', cacheName: 'c', region: 'r' }),
    ).toThrow('ElastiCacheIamCredentialProvider: userId must be a non-empty string');
  });
});

describe('MemorystoreIamCredentialProvider', () => {
  it('sends the current access token as the password', async () => {
    const tokens = ['ya29.first', 'ya29.second'];
    const provider = new MemorystoreIamCredentialProvider({
      auth: { getAccessToken: async () => tokens.shift() },
    });
    expect(await provider.getCredentials()).toEqual({ password: 'ya29.first' });
    expect(await provider.getCredentials()).toEqual({ password: 'ya29.second' });
    await expect(provider.getCredentials()).rejects.toThrow('returned no access token');
  });

  it('sends a user name when one is set', async () => {
    const provider = new MemorystoreIamCredentialProvider({
      username: 'svc',
      auth: { getAccessToken: async () => 'ya29.t' },
    });
    expect(await provider.getCredentials()).toEqual({ username: 'svc', password: 'ya29.t' });
  });
});
