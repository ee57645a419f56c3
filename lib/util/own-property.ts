/** Sets `record[key]`; the key `__proto__` becomes an own property, never the prototype. */
export function setOwnProperty<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    record[key] = value;
  }
}
