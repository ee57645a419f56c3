import { createHash } from 'node:crypto';

/** Serialized arguments longer than this many characters are replaced by their SHA-256. */
export const MAX_PLAIN_KEY_PART = 200;

const objectProto = Object.prototype;

function serialize(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
    case 'symbol':
      throw new TypeError(`a ${typeof value} has no stable serialization`);
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError('a circular structure has no stable serialization');
  seen.add(obj);
  try {
    if (obj instanceof Date) {
      return `Date(${Number.isNaN(obj.getTime()) ? 'invalid' : obj.toISOString()})`;
    }
    if (Array.isArray(obj)) {
      const parts: string[] = [];
      for (let i = 0; i < obj.length; i++) parts.push(serialize(obj[i], seen));
      return `[${parts.join(',')}]`;
    }
    if (ArrayBuffer.isView(obj)) {
      const bytes = Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength);
      return `Bytes(${bytes.toString('base64')})`;
    }
    if (obj instanceof Map) {
      const entries = [...obj.entries()].map(
        ([k, v]) => `${serialize(k, seen)}=>${serialize(v, seen)}`,
      );
      return `Map{${entries.sort().join(',')}}`;
    }
    if (obj instanceof Set) {
      return `Set[${[...obj]
        .map((v) => serialize(v, seen))
        .sort()
        .join(',')}]`;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function' && Object.getPrototypeOf(obj) !== objectProto) {
      return serialize((toJSON as () => unknown).call(obj), seen);
    }
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) {
      const v = (obj as Record<string, unknown>)[k];
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${serialize(v, seen)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/**
 * A deterministic text form of `value` for building cache keys: equal values give equal text
 * whatever the order of object properties, `Map` entries or `Set` members. Strings are quoted
 * (JSON), numbers as `String(n)` (`-0` as `0`), bigints as `12n`, `Date`s as `Date(<ISO>)`,
 * byte arrays as `Bytes(<base64>)`, class instances with a `toJSON` as what it returns, other
 * objects as their own enumerable properties sorted by name (properties whose value is
 * `undefined` are left out, as in JSON). Throws a `TypeError` for functions, symbols and
 * circular structures.
 */
export function stableStringify(value: unknown): string {
  return serialize(value, new Set());
}

/**
 * {@link stableStringify} of `value`, or `#sha256:<hex>` of it when the text is longer than
 * {@link MAX_PLAIN_KEY_PART} characters (keeps keys short; collisions are not a concern).
 */
export function stableKeyPart(value: unknown): string {
  const text = stableStringify(value);
  return text.length > MAX_PLAIN_KEY_PART
    ? `#sha256:${createHash('sha256').update(text).digest('hex')}`
    : text;
}
