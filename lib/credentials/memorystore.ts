// nestjs-valkey-cache/memorystore: IAM authentication to Google Cloud Memorystore for Valkey.
import type { CredentialProvider, Credentials } from '../config/cache-config.js';
import { packageRequire } from '../util/package-require.cjs';

/** What {@link MemorystoreIamCredentialProvider} needs of `google-auth-library`'s `GoogleAuth`. */
export interface AccessTokenSource {
  /** An OAuth 2.0 access token (`GoogleAuth.getAccessToken()`). */
  getAccessToken(): Promise<string | null | undefined>;
}

/** Options of {@link MemorystoreIamCredentialProvider}. */
export interface MemorystoreIamOptions {
  /**
   * Where tokens come from. Default: `new GoogleAuth({ scopes: cloud-platform })` from
   * `google-auth-library` (application default credentials), which must then be installed.
   */
  auth?: AccessTokenSource;
  /** The user name sent with the token. Default: none (the `default` user). */
  username?: string;
}

type GoogleAuthModule = {
  GoogleAuth: new (options: { scopes: string[] }) => AccessTokenSource;
};

/**
 * Gives every new connection the current OAuth access token of the application's Google
 * identity as its password (django-valkey's `credentials/gcp.py`), for Memorystore instances
 * with IAM authentication. `google-auth-library` caches the token and refreshes it before it
 * expires (tokens last about an hour).
 */
export class MemorystoreIamCredentialProvider implements CredentialProvider {
  private auth: AccessTokenSource | undefined;

  constructor(private readonly options: MemorystoreIamOptions = {}) {
    this.auth = options.auth;
  }

  /** The access token of now, as the password. */
  async getCredentials(): Promise<Credentials> {
    const token = await this.source().getAccessToken();
    if (typeof token !== 'string' || token === '') {
      throw new Error('MemorystoreIamCredentialProvider: Google auth returned no access token');
    }
    return this.options.username === undefined
      ? { password: token }
      : { username: this.options.username, password: token };
  }

  private source(): AccessTokenSource {
    if (this.auth === undefined) {
      let google: GoogleAuthModule;
      try {
        google = packageRequire('google-auth-library') as GoogleAuthModule;
      } catch {
        throw new Error(
          "MemorystoreIamCredentialProvider needs 'google-auth-library' (or pass `auth`)",
        );
      }
      this.auth = new google.GoogleAuth({
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      });
    }
    return this.auth;
  }
}
