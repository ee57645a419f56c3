/**
 * Boot checks of `options.credentialProvider` and `options.sentinelKwargs.credentialProvider`:
 * the provider's shape, no fixed credentials beside it, no Valkey Cluster, valkey-py's
 * `credential_provider` kwarg pointed at the option. None opens a socket.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { CacheModule } from '../../lib/index.js';
import { bootError } from '../support/boot-error.js';

const provider = { getCredentials: () => ({ username: 'app', password: 'secret-Gh71' }) };

function line(message: string, path: string): string {
  const found = message.split('\n').find((l) => l.includes(`- ${path}: `));
  if (found === undefined) throw new Error(`no problem at ${path} in:\n${message}`);
  return found;
}

describe('credentialProvider at boot', () => {
  it('boots with a provider on a plain and on a Sentinel cache (nothing connects)', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({
          plain: {
            location: 'valkey://127.0.0.1:6379/0',
            options: { credentialProvider: provider },
          },
          sentinel: {
            location: 'valkey://mymaster/0',
            options: {
              clientClass: 'SentinelClient',
              sentinels: [['127.0.0.1', 26379]],
              credentialProvider: provider,
              sentinelKwargs: { credentialProvider: provider },
            },
          },
        }),
      ],
    }).compile();
    await ref.close();
  });

  it('refuses a value without getCredentials()', async () => {
    const err = await bootError({
      x: { location: 'valkey://127.0.0.1:6379/0', options: { credentialProvider: 'vault' } },
    });
    expect(line(err.message, 'caches.x.options.credentialProvider')).toContain(
      'must be an object with a getCredentials() method',
    );
  });

  it('refuses fixed credentials beside a provider, naming each, without the secret', async () => {
    const err = await bootError({
      x: {
        location: 'valkey://u:url-secret-Pa18@127.0.0.1:6379/0',
        options: {
          credentialProvider: provider,
          username: 'app',
          connectionPoolKwargs: { password: 'kw-secret-Ye55' },
        },
      },
      s: {
        location: 'valkey://mymaster/0',
        options: {
          clientClass: 'SentinelClient',
          sentinels: [['127.0.0.1', 26379]],
          sentinelKwargs: { credentialProvider: provider, password: 'sentinel-secret-Qw40' },
        },
      },
    });
    expect(line(err.message, 'caches.x.options.credentialProvider')).toContain(
      '(options.username, options.connectionPoolKwargs.password, the location URL)',
    );
    expect(line(err.message, 'caches.s.options.sentinelKwargs.credentialProvider')).toContain(
      'cannot be combined with options.sentinelKwargs.password',
    );
    for (const secret of ['url-secret-Pa18', 'kw-secret-Ye55', 'sentinel-secret-Qw40']) {
      expect(err.message).not.toContain(secret);
    }
  });

  it('refuses a provider on a Valkey Cluster, and points credential_provider at the option', async () => {
    const err = await bootError({
      c: {
        backend: 'ValkeyClusterCache',
        location: 'valkey://127.0.0.1:7000',
        options: { credentialProvider: provider },
      },
      py: {
        location: 'valkey://127.0.0.1:6379/0',
        options: { connectionPoolKwargs: { credential_provider: provider } },
      },
    });
    expect(line(err.message, 'caches.c.options.credentialProvider')).toContain(
      'is not supported with a Valkey Cluster',
    );
    expect(
      line(err.message, 'caches.py.options.connectionPoolKwargs.credential_provider'),
    ).toContain('use options.credentialProvider');
  });
});
