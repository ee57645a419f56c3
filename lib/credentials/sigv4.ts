import { createHash, createHmac } from 'node:crypto';

/** AWS credentials, as the AWS SDK's credential providers give them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** One SigV4 query-string presign of a `GET https://<host>/` request. */
export interface PresignRequest {
  readonly host: string;
  /** The request's own query parameters (signed with the rest). */
  readonly query: Readonly<Record<string, string>>;
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** Signing time (the token is valid from then). */
  readonly date: Date;
  /** How long the signature stays valid, in seconds. */
  readonly expiresInSeconds: number;
}

/** RFC 3986 percent-encoding, as SigV4 requires (unreserved characters stay). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const sha256 = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * Presigns `GET https://<host>/?<query>` with AWS Signature Version 4 in the query string, signing
 * only the `host` header, and returns `<host>/?<query with the signature>`: the form ElastiCache
 * takes as an IAM authentication token.
 */
export function presignedHostQuery(r: PresignRequest): string {
  const amzDate = r.date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${r.region}/${r.service}/aws4_request`;
  const params: Record<string, string> = {
    ...r.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${r.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(r.expiresInSeconds),
    'X-Amz-SignedHeaders': 'host',
  };
  if (r.credentials.sessionToken) params['X-Amz-Security-Token'] = r.credentials.sessionToken;
  const query = Object.keys(params)
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k]!)}`)
    .join('&');
  const canonical = ['GET', '/', query, `host:${r.host}`, '', 'host', sha256('')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${r.credentials.secretAccessKey}`, day);
  for (const part of [r.region, r.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return `${r.host}/?${query}&X-Amz-Signature=${signature}`;
}
