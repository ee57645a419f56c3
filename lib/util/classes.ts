/** Whether `value` is the class `base` or a subclass of it. */
export function extendsClass(
  value: unknown,
  base: abstract new (...args: never[]) => unknown,
): boolean {
  return value === base || (typeof value === 'function' && value.prototype instanceof base);
}

/** The name of a class (or of an instance's class) for messages. */
export function className(value: unknown): string {
  if (typeof value === 'function') return value.name || 'anonymous class';
  if (typeof value === 'object' && value !== null) return value.constructor.name;
  return String(value);
}
