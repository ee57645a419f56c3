import { isUtf8 } from 'node:buffer';

import { setOwnProperty } from '../../util/own-property.js';
import type { Serializer } from './serializer.js';
import { PLAIN, Refusal, SPECIAL, ValueWalker, type WalkResult } from './value-walker.js';

/**
 * The default serializer: JSON text in UTF-8, readable and writable by django-valkey's
 * `JSONSerializer` (Python `json.dumps(value, cls=DjangoJSONEncoder)` / `json.loads`).
 *
 * Writing (`dumps`):
 * - Output is compact JSON (`{"a":1}`); Python's `json.loads` reads it. Python itself writes
 *   `{"a": 1}` with `\uXXXX` escapes; `loads` reads both, so the bytes differ but the values do not.
 * - `NaN`, `Infinity` and `-Infinity` are written as the bare tokens Python's `json.dumps` writes
 *   (`JSON.stringify` would silently write `null`).
 * - A `bigint` (any size, nested or not) is written as plain digits, exactly as Python writes an
 *   `int`; `loads` reads it back as a `bigint` when it is not a safe integer.
 * - A `Date` is written as its ISO string (`toJSON`), as DjangoJSONEncoder writes datetimes.
 *   **It comes back as a string**: `loads` never turns a string into a `Date`.
 * - Class instances with a `toJSON` method are written as what it returns (as `JSON.stringify`
 *   does); other class instances as their own enumerable properties (the prototype is lost). A
 *   plain object literal's own `toJSON` function is refused like any function-valued property.
 * - `-0` is written as `0` (as `JSON.stringify` does).
 * - An object property whose value is `undefined` is omitted (as `JSON.stringify` does).
 * - Symbol-keyed properties are ignored (as `JSON.stringify` does).
 *
 * Refused with a `TypeError` (rather than silently changed, as `JSON.stringify` would do):
 * `undefined` at the top level or as an array element (including holes), functions, symbols,
 * `Map`, `Set`, `WeakMap`, `WeakSet`, `RegExp`, `Error`, `Promise`, `Buffer` and every other
 * typed array, `ArrayBuffer`, `DataView`, an invalid `Date`, and circular structures. Use the
 * msgpack serializer for binary data; convert a `Map` with `Object.fromEntries` first.
 *
 * Reading (`loads`): UTF-8 JSON (invalid UTF-8 is refused), plus the `NaN` / `Infinity` /
 * `-Infinity` tokens Python writes; integers that are not safe JavaScript integers become `bigint`s
 * so no precision is lost. An object key `__proto__` becomes an own property, as with `JSON.parse`.
 */
export class JsonSerializer implements Serializer {
  /** Options are accepted for a uniform constructor signature; JSON has none. */
  constructor(_options?: Readonly<Record<string, unknown>>) {}

  /** Encodes `value` as UTF-8 JSON; throws a `TypeError` for values JSON cannot represent. */
  dumps(value: unknown): Buffer {
    return Buffer.from(this.dumpsText(value), 'utf8');
  }

  /** {@link dumps} as a string (its UTF-8 bytes are what `dumps` returns). */
  dumpsText(value: unknown): string {
    // The walk guarantees a string result (top-level undefined, functions and symbols are refused).
    return (walker.isPlain(value) ? JSON.stringify(value) : writeValue(value, '')) as string;
  }

  /** Decodes UTF-8 JSON bytes; throws a `SyntaxError` for invalid JSON or invalid UTF-8. */
  loads(data: Buffer): unknown {
    const text = data.toString('utf8');
    if (text.includes('\uFFFD') && !isUtf8(data)) {
      throw new SyntaxError('JSON payload is not valid UTF-8');
    }
    try {
      return parseJson(text);
    } catch (error) {
      throw error instanceof SyntaxError ? withoutPayload(error) : error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * What JSON stores: everything `JSON.stringify` writes correctly is `PLAIN`; a `bigint` or a
 * non-finite number somewhere needs our writer (`SPECIAL`).
 */
class JsonWalker extends ValueWalker {
  // Properties holding undefined are omitted, as JSON.stringify does.
  protected readonly undefinedProperty = PLAIN;
  protected readonly binaryOk = false;
  // JSON.stringify unboxes and calls toJSON itself.
  protected readonly replaced = PLAIN;

  protected string(): WalkResult {
    return PLAIN;
  }

  protected number(value: number): WalkResult {
    return Number.isFinite(value) ? PLAIN : SPECIAL;
  }

  protected bigint(): WalkResult {
    return SPECIAL;
  }

  protected key(): void {}

  protected toJSON(
    obj: object,
    toJSON: (this: object, key: string) => unknown,
    key: string | number,
    top: boolean,
  ): unknown {
    const replaced = toJSON.call(obj, String(key));
    if (replaced === undefined && !top)
      throw new Refusal('an object whose toJSON() returns undefined');
    return replaced;
  }
}

const walker = new JsonWalker('JSON');

/**
 * Writes JSON for a value the walk accepted that holds a `bigint` or a non-finite
 * number (the rare path; `JSON.stringify` writes everything else).
 */
function writeValue(value: unknown, key: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isFinite(value)) return JSON.stringify(value);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) parts.push(writeValue(value[i], String(i)) ?? 'null');
    return `[${parts.join(',')}]`;
  }
  const obj = value as object;
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) {
    return writeValue(obj.valueOf(), key);
  }
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return writeValue(toJSON.call(obj, key), key);
  const record = obj as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(record)) {
    const text = writeValue(record[k], k);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * V8's `JSON.parse` messages quote up to ~10 characters of the payload (`Unexpected token 'a',
 * "aaaa"... is not valid JSON`); a cache value may be secret, so the error reaching a message or
 * a log keeps only the position. The original stays as `cause`.
 */
function withoutPayload(error: SyntaxError): SyntaxError {
  if (error.message.startsWith('invalid JSON at position')) return error; // our parser's
  const position = /position (\d+)/.exec(error.message)?.[1];
  return new SyntaxError(
    position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}`,
    { cause: error },
  );
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Python writes NaN / Infinity / -Infinity, which JSON.parse refuses: retry with our parser.
    if (!text.includes('NaN') && !text.includes('Infinity')) throw error;
    return new JsonParser(text).parseDocument();
  }
  // An integer literal beyond 2^53 parses to a non-safe integral double: precision may be lost,
  // so parse again keeping such integers as bigints (rare; Python ints are unbounded).
  return hasUnsafeInteger(value) ? new JsonParser(text).parseDocument() : value;
}

/** Whether a `JSON.parse` result holds an integral number beyond the safe range. */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasUnsafeInteger(value[i])) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const k in record) if (hasUnsafeInteger(record[k])) return true;
  return false;
}

/** Largest and smallest integers parsed as numbers; beyond them integer literals are bigints. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * A small recursive-descent JSON parser with Python's `json.loads` extensions (`NaN`,
 * `Infinity`, `-Infinity`) that keeps integer precision. Used only on the rare payloads
 * `JSON.parse` cannot read exactly.
 */
class JsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected data after the JSON value');
    return value;
  }

  private fail(message: string): never {
    throw new SyntaxError(`invalid JSON at position ${this.pos}: ${message}`);
  }

  private skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  private literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseValue(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      case 'N':
        return this.literal('NaN', NaN);
      case 'I':
        return this.literal('Infinity', Infinity);
      case undefined:
        return this.fail('unexpected end of input');
      default:
        if (c === '-' && this.text.startsWith('-Infinity', this.pos))
          return this.literal('-Infinity', -Infinity);
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }

  private parseObject(): Record<string, unknown> {
    this.pos++; // {
    const result: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.parseString();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      // `__proto__` becomes an own property, never the prototype (as JSON.parse does).
      setOwnProperty(result, key, this.parseValue());
      this.skipSpace();
      const sep = this.text[this.pos++];
      if (sep === '}') return result;
      if (sep !== ',') this.fail("expected ',' or '}'");
    }
  }

  private parseArray(): unknown[] {
    this.pos++; // [
    const result: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.parseValue());
      this.skipSpace();
      const sep = this.text[this.pos++];
      if (sep === ']') return result;
      if (sep !== ',') this.fail("expected ',' or ']'");
    }
  }

  private parseString(): string {
    // Find the closing quote (skipping escapes) and let JSON.parse decode the escapes.
    const text = this.text;
    const start = this.pos;
    let pos = start + 1;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      pos += c === 0x5c ? 2 : 1;
    }
    this.pos = pos + 1;
    return JSON.parse(text.slice(start, pos + 1)) as string;
  }

  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text[pos] === '-') pos++;
    const intStart = pos;
    while (pos < text.length && text.charCodeAt(pos) >= 0x30 && text.charCodeAt(pos) <= 0x39) pos++;
    if (pos === intStart) this.fail('expected a digit');
    if (text[intStart] === '0' && pos - intStart > 1) this.fail('leading zero');
    let integer = true;
    if (text[pos] === '.') {
      integer = false;
      const fracStart = ++pos;
      while (pos < text.length && text.charCodeAt(pos) >= 0x30 && text.charCodeAt(pos) <= 0x39)
        pos++;
      if (pos === fracStart) this.fail('expected a digit after the decimal point');
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      integer = false;
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      const expStart = pos;
      while (pos < text.length && text.charCodeAt(pos) >= 0x30 && text.charCodeAt(pos) <= 0x39)
        pos++;
      if (pos === expStart) this.fail('expected a digit in the exponent');
    }
    this.pos = pos;
    const literal = text.slice(start, pos);
    if (integer && pos - intStart > 15) {
      const big = BigInt(literal);
      if (big > MAX_SAFE || big < MIN_SAFE) return big;
    }
    return Number(literal);
  }
}
