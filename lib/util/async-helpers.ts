/** The message of anything thrown (an `Error`'s message, else its string form). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Does nothing: the handler for promises whose failure is already dealt with elsewhere. */
export function noop(): void {}

/** Resolves after `ms` milliseconds without keeping the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
