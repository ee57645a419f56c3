/**
 * The real Node `process` object.
 *
 * Inside a jest test module `process` is a copy made by jest: `process.on('exit', ...)` on it
 * registers listeners that never fire. Functions such as `setTimeout` come from the host realm,
 * so a function built by their `Function` constructor sees the host's global `process`. Outside
 * jest (global setup, plain Node) this is simply `process`.
 */
export function hostProcess(): NodeJS.Process {
  try {
    const HostFunction = (setTimeout as unknown as { constructor: FunctionConstructor })
      .constructor;
    const candidate = HostFunction(
      'return typeof process === "undefined" ? undefined : process',
    )() as NodeJS.Process | undefined;
    if (candidate && typeof candidate.on === 'function' && candidate.pid === process.pid) {
      return candidate;
    }
  } catch {
    // fall back to the visible process object
  }
  return process;
}
