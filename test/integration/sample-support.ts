/**
 * Helpers of the `sample*.spec.ts` files: an HTTP call of the sample app and the `host:port`
 * form its endpoints report nodes in.
 */

/** `host:port` of a node, as the sample app's endpoints report it. */
export const addr = (n: { host: string; port: number }): string => `${n.host}:${n.port}`;

/** Bound of one {@link call}, in ms. */
export const CALL_TIMEOUT_MS = 10_000;

/** What {@link call} answers: the status, the `x-cache` header and the parsed JSON body. */
export interface SampleResponse {
  status: number;
  xCache: string | null;
  // the endpoints answer different JSON shapes; each test reads the fields it checks
  body: any;
}

/**
 * Calls `method path` on the sample app at `url` (with `body` as JSON when given), aborting
 * after {@link CALL_TIMEOUT_MS}.
 */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<SampleResponse> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, xCache: res.headers.get('x-cache'), body: text && JSON.parse(text) };
}
