import type { CredentialProvider } from './cache-config.js';
import { parseLocation } from './location.js';

type Problem = { path: string; message: string };

/** Whether `v` has the shape of a {@link CredentialProvider} (an object with `getCredentials()`). */
export const isCredentialProvider = (v: unknown): v is CredentialProvider =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { getCredentials?: unknown }).getCredentials === 'function';

/**
 * The rules between a credential provider and fixed credentials: a provider replaces
 * `username`/`password` (in the options, `connectionPoolKwargs` or a location URL), so a config
 * that sets both is refused instead of silently using one of them. The provider's own shape is
 * checked by the DTO.
 */
export function checkCredentialProviders(
  options: Record<string, unknown>,
  locations: readonly string[],
  out: Problem[],
): void {
  if (isCredentialProvider(options['credentialProvider'])) {
    const kwargs = options['connectionPoolKwargs'];
    const fixed = [
      options['username'] !== undefined && 'options.username',
      options['password'] !== undefined && 'options.password',
      typeof kwargs === 'object' &&
        kwargs !== null &&
        'username' in kwargs &&
        'options.connectionPoolKwargs.username',
      typeof kwargs === 'object' &&
        kwargs !== null &&
        'password' in kwargs &&
        'options.connectionPoolKwargs.password',
      locations.some(hasUrlCredentials) && 'the location URL',
    ].filter((x): x is string => typeof x === 'string');
    if (fixed.length > 0) {
      out.push({
        path: 'options.credentialProvider',
        message: `cannot be combined with fixed credentials (${fixed.join(', ')}): the provider gives the user name and password of every connection`,
      });
    }
  }
  const sentinelKwargs = options['sentinelKwargs'];
  if (typeof sentinelKwargs !== 'object' || sentinelKwargs === null) return;
  const kw = sentinelKwargs as Record<string, unknown>;
  if (isCredentialProvider(kw['credentialProvider'])) {
    const fixed = ['username', 'password'].filter((k) => kw[k] !== undefined);
    if (fixed.length > 0) {
      out.push({
        path: 'options.sentinelKwargs.credentialProvider',
        message: `cannot be combined with ${fixed.map((k) => `options.sentinelKwargs.${k}`).join(', ')}: the provider gives the sentinels' user name and password`,
      });
    }
  }
}

function hasUrlCredentials(url: string): boolean {
  try {
    const parsed = parseLocation(url);
    return parsed.username !== undefined || parsed.password !== undefined;
  } catch {
    return false; // reported by the location check
  }
}
