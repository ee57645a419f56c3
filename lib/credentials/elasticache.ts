// nestjs-valkey-cache/elasticache: IAM authentication to Amazon ElastiCache (Valkey, Redis OSS).
import type { CredentialProvider, Credentials } from '../config/cache-config.js';
import { packageRequire } from '../util/package-require.cjs';
import { presignedHostQuery, type AwsCredentials } from './sigv4.js';

export type { AwsCredentials } from './sigv4.js';

/** How long an ElastiCache IAM token is valid, in seconds (the service's maximum, 15 min). */
export const ELASTICACHE_TOKEN_SECONDS = 900;

/** Options of {@link ElastiCacheIamCredentialProvider}. */
export interface ElastiCacheIamOptions {
  /** The IAM-enabled ElastiCache user's id (ElastiCache requires it to equal the user name). */
  userId: string;
  /** The replication group id, or the serverless cache name (lower case). */
  cacheName: string;
  /** The AWS region of the cache, e.g. `eu-west-1`. */
  region: string;
  /** `true` for a serverless cache (signs `ResourceType=ServerlessCache`). Default `false`. */
  serverless?: boolean;
  /**
   * AWS credentials, or a function returning them (the AWS SDK's credential providers are such
   * functions). Default: the SDK's default chain from `@aws-sdk/credential-provider-node`
   * (environment, shared files, SSO, ECS/EC2 roles), which must then be installed.
   */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The signing clock (for tests). Default: the current time. */
  now?: () => Date;
}

type DefaultProviderModule = { defaultProvider(): () => Promise<AwsCredentials> };

/**
 * Gives every new connection a fresh IAM token for an ElastiCache user (django-valkey's
 * `credentials/aws.py`): a SigV4-presigned `connect` request, valid 15 minutes, sent as the
 * password with the user id. Use it as `options.credentialProvider` with a `valkeys://`
 * location; connections that outlive the token stay authenticated (ElastiCache closes them
 * after 12 hours, and the reconnect asks for a new token).
 */
export class ElastiCacheIamCredentialProvider implements CredentialProvider {
  private readonly source: () => Promise<AwsCredentials>;

  constructor(private readonly options: ElastiCacheIamOptions) {
    for (const key of ['userId', 'cacheName', 'region'] as const) {
      if (typeof options[key] !== 'string' || options[key].trim() === '') {
        throw new TypeError(`ElastiCacheIamCredentialProvider: ${key} must be a non-empty string`);
      }
    }
    const given = options.credentials;
    this.source =
      typeof given === 'function'
        ? given
        : given !== undefined
          ? () => Promise.resolve(given)
          : defaultChain();
  }

  /** The user id and a token signed now. */
  async getCredentials(): Promise<Credentials> {
    return { username: this.options.userId, password: this.token(await this.source()) };
  }

  /** The IAM token for `credentials`, signed at `options.now()`. */
  token(credentials: AwsCredentials): string {
    const query: Record<string, string> = { Action: 'connect', User: this.options.userId };
    if (this.options.serverless === true) query['ResourceType'] = 'ServerlessCache';
    return presignedHostQuery({
      host: this.options.cacheName,
      query,
      service: 'elasticache',
      region: this.options.region,
      credentials,
      date: this.options.now?.() ?? new Date(),
      expiresInSeconds: ELASTICACHE_TOKEN_SECONDS,
    });
  }
}

/** The AWS SDK's default credential chain, loaded on first use (an optional peer). */
function defaultChain(): () => Promise<AwsCredentials> {
  let chain: (() => Promise<AwsCredentials>) | undefined;
  return () => {
    if (chain === undefined) {
      let sdk: DefaultProviderModule;
      try {
        sdk = packageRequire('@aws-sdk/credential-provider-node') as DefaultProviderModule;
      } catch {
        throw new Error(
          "ElastiCacheIamCredentialProvider needs AWS credentials: pass `credentials`, or install '@aws-sdk/credential-provider-node' for the default chain",
        );
      }
      chain = sdk.defaultProvider();
    }
    return chain();
  };
}
