/** django-valkey's default key function: `${keyPrefix}:${version}:${key}`. */
export function defaultKeyFunction(
  key: string,
  keyPrefix: string,
  version: number | string,
): string {
  return `${keyPrefix}:${version}:${key}`;
}

/** Inverse of {@link defaultKeyFunction}: drops everything up to the second `:`. */
export function defaultReverseKeyFunction(fullKey: string): string {
  const first = fullKey.indexOf(':');
  const second = first < 0 ? -1 : fullKey.indexOf(':', first + 1);
  return second < 0 ? fullKey : fullKey.slice(second + 1);
}
