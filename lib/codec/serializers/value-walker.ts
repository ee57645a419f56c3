/**
 * The walk the serializers run over a value before encoding it: it refuses what the format would
 * not give back as it went in, and tells whether the format's own fast writer can take the value
 * as is. The walk itself (refusals for `undefined` / functions / symbols / objects no format
 * stores, cycle detection, array and object recursion, the path of a refused value) is the same
 * for every format; what differs (strings, numbers, bigints, keys, `toJSON`) is a subclass of
 * {@link ValueWalker}.
 */

/** Walk results, OR-ed together: the fast writer takes the value as is. */
export const PLAIN = 0;
/** Walk results, OR-ed together: the format's slow writer (or a rewrite) is needed. */
export const SPECIAL = 1;
/** {@link PLAIN} or {@link SPECIAL}. */
export type WalkResult = number;

/**
 * Thrown inside the walk; each level on the way out prepends its key, so the final `TypeError`
 * names where the refused value sits without building a path string on the fast path.
 */
export class Refusal extends Error {
  readonly segments: (string | number)[] = [];
  constructor(readonly what: string) {
    super(what);
  }

  /** The path of the refused value, e.g. `user.tags[2]`. */
  path(): string {
    let out = '';
    for (const s of this.segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
    return out;
  }

  /** The `TypeError` reported to the caller. */
  toTypeError(format: string): TypeError {
    const path = this.path();
    return new TypeError(
      `${format} serializer cannot store ${this.what}${path ? ` at ${path}` : ''}: it would not come back as it went in`,
    );
  }
}

/**
 * Names the kinds of objects no serializer here stores (they would come back changed: a `Map`
 * as `{}`, a `RegExp` as `{}`, ...), or returns `undefined`. `binaryOk` lets `Buffer` and
 * `Uint8Array` through (msgpack stores them as bin).
 */
export function refusedObjectKind(value: object, binaryOk: boolean): string | undefined {
  if (ArrayBuffer.isView(value)) {
    if (
      binaryOk &&
      value instanceof Uint8Array &&
      (Buffer.isBuffer(value) || value.constructor === Uint8Array)
    ) {
      return undefined;
    }
    return Buffer.isBuffer(value) ? 'a Buffer' : `a ${value.constructor.name}`;
  }
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return 'an ArrayBuffer';
  if (value instanceof RegExp) return 'a RegExp';
  if (value instanceof Error) return 'an Error';
  if (value instanceof Promise) return 'a Promise';
  if (value instanceof WeakMap || value instanceof WeakSet) return 'a WeakMap/WeakSet';
  return undefined;
}

/** Below this depth cycles are not looked for: a cycle soon nests deeper and is caught there. */
export const CYCLE_CHECK_DEPTH = 16;

const objectProto = Object.prototype;

/**
 * Walks a value the way `JSON.stringify` would, refusing what the format cannot store and telling
 * whether the format's fast writer takes it as is. A subclass is one format's rules: its leaves
 * (strings, numbers, bigints), object keys, `toJSON` and what needs the slow writer; the rules may
 * throw a {@link Refusal}. (The rules are methods so that the walk, shared by several formats,
 * still gets each format's rules inlined.)
 */
export abstract class ValueWalker {
  /** What a property holding `undefined` (left out of the output) adds to the result. */
  protected abstract readonly undefinedProperty: WalkResult;
  /** Whether `Buffer` / `Uint8Array` are stored (as binary); they add {@link PLAIN}. */
  protected abstract readonly binaryOk: boolean;
  /** What a boxed primitive or a class instance replaced by its `toJSON()` adds to the result. */
  protected abstract readonly replaced: WalkResult;

  /** @param format the format's name in a refusal's `TypeError` (`'JSON'`). */
  constructor(private readonly format: string) {}

  /** A string (an object key is checked by {@link ValueWalker.key}). */
  protected abstract string(value: string): WalkResult;
  /** A number primitive. */
  protected abstract number(value: number): WalkResult;
  /** A bigint primitive. */
  protected abstract bigint(value: bigint): WalkResult;
  /** An object's property name, checked before its (defined) value. */
  protected abstract key(key: string): void;
  /**
   * The value standing for a class instance with a `toJSON` method (`toJSON` is that method;
   * `key` the property name or array index the instance sits at, `''` at the top).
   */
  protected abstract toJSON(
    obj: object,
    toJSON: (this: object, key: string) => unknown,
    key: string | number,
    top: boolean,
  ): unknown;

  /**
   * Whether the fast writer takes `value` as is ({@link PLAIN}); throws a `TypeError` naming
   * where a refused value sits.
   */
  isPlain(value: unknown): boolean {
    try {
      return this.walk(value, '', [], true) === PLAIN;
    } catch (error) {
      throw error instanceof Refusal ? error.toTypeError(this.format) : error;
    }
  }

  /**
   * Walks `value` (at `key` of its parent; `top` for the value being stored); `stack` holds the
   * open objects. Small enough to be inlined where an object walks its items, so a primitive
   * costs no call.
   */
  private walk(value: unknown, key: string | number, stack: object[], top: boolean): WalkResult {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'boolean':
        return PLAIN;
      case 'number':
        return this.number(value);
      case 'bigint':
        return this.bigint(value);
      case 'undefined':
        throw new Refusal(top ? 'undefined' : 'undefined (an array element or hole)');
      case 'function':
        throw new Refusal('a function');
      case 'symbol':
        throw new Refusal('a symbol');
    }
    return value === null ? PLAIN : this.walkObject(value as object, key, stack, top);
  }

  /**
   * Walks an object, as {@link ValueWalker.walk}. Hot path: plain objects are walked with
   * `for...in` (no key array) and no `toJSON` lookup (a function-valued own property is refused
   * anyway).
   */
  private walkObject(obj: object, key: string | number, stack: object[], top: boolean): WalkResult {
    if (stack.length >= CYCLE_CHECK_DEPTH && stack.includes(obj))
      throw new Refusal('a circular structure');
    let result: WalkResult = PLAIN;
    if (Array.isArray(obj)) {
      stack.push(obj);
      for (let i = 0; i < obj.length; i++) {
        try {
          result |= this.walk(obj[i], i, stack, false);
        } catch (error) {
          if (error instanceof Refusal) error.segments.unshift(i);
          throw error;
        }
      }
      stack.pop();
      return result;
    }
    const proto: unknown = Object.getPrototypeOf(obj);
    const record = obj as Record<string, unknown>;
    if (proto === objectProto || proto === null) {
      stack.push(obj);
      for (const k in record) result |= this.walkProperty(record, k, stack);
      stack.pop();
      return result;
    }
    if (obj instanceof Date) {
      if (Number.isNaN(obj.getTime())) throw new Refusal('an invalid Date');
      return PLAIN;
    }
    const refused = refusedObjectKind(obj, this.binaryOk);
    if (refused !== undefined) throw new Refusal(refused);
    // Only a format with `binaryOk` gets here with one.
    if (obj instanceof Uint8Array) return PLAIN;
    stack.push(obj);
    if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) {
      result = this.walk(obj.valueOf(), key, stack, top) | this.replaced;
    } else {
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        const replacement = this.toJSON(obj, toJSON as (key: string) => unknown, key, top);
        result = this.walk(replacement, key, stack, top) | this.replaced;
      } else {
        for (const k of Object.keys(record)) result |= this.walkProperty(record, k, stack);
      }
    }
    stack.pop();
    return result;
  }

  /** Walks one property of an object (one holding `undefined` will be left out). */
  private walkProperty(record: Record<string, unknown>, key: string, stack: object[]): WalkResult {
    const item = record[key];
    if (item === undefined) return this.undefinedProperty;
    try {
      this.key(key);
      return this.walk(item, key, stack, false);
    } catch (error) {
      if (error instanceof Refusal) error.segments.unshift(key);
      throw error;
    }
  }
}
