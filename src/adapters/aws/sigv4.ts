import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4, as our AWS calls need it: a signed JSON POST (DynamoDB, ECS,
 * EventBridge, SSM, Secrets Manager) and a presigned GET (IAM database tokens for RDS Proxy).
 * AWS's documented algorithm over node:crypto, in place of @smithy/signature-v4 and the parts
 * of @smithy/core it loads (~14 KB in every function). tests/unit/sigv4.test.ts checks each
 * signature against @smithy/signature-v4 and against an independent verifier.
 */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignableRequest {
  readonly method: string;
  /** `host[:port]`, as the Host header carries it. */
  readonly host: string;
  readonly path: string;
  /** Lower-case names; all are signed except the ones AWS never signs (`x-amzn-trace-id`, `user-agent`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Scope {
  readonly service: string;
  readonly region: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Headers a proxy may change or that carry no meaning to the service: never signed (as the SDK). */
const UNSIGNED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'connection', 'expect', 'keep-alive', 'transfer-encoding', 'upgrade']);

const hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20261121T101530Z` and `20261121`. */
function timestamps(date: Date): { amzDate: string; day: string } {
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return { amzDate, day: amzDate.slice(0, 8) };
}

/** The derived key for a day, region and service, kept while those stay the same (one HMAC chain a day). */
const keys = new Map<string, Buffer>();
function signingKey(secret: string, day: string, scope: Scope): Buffer {
  const id = `${day}/${scope.region}/${scope.service}/${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), scope.region), scope.service), 'aws4_request');
    if (keys.size > 16) keys.clear();
    keys.set(id, key);
  }
  return key;
}

/** RFC 3986 percent-encoding, as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
const uriEscape = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${uriEscape(name)}=${uriEscape(query[name]!)}`)
    .join('&');
}

function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => uriEscape(decodeURIComponent(segment)))
    .join('/');
}

function signature(method: string, path: string, query: string, headers: Readonly<Record<string, string>>, payloadHash: string, amzDate: string, day: string, scope: Scope, credentials: Credentials): { signedHeaders: string; signature: string } {
  const names = Object.keys(headers)
    .filter((name) => !UNSIGNED.has(name))
    .sort();
  const signedHeaders = names.join(';');
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = `${method}\n${canonicalPath(path)}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${credentialScope}\n${hex(canonicalRequest)}`;
  return { signedHeaders, signature: createHmac('sha256', signingKey(credentials.secretAccessKey, day, scope)).update(stringToSign, 'utf8').digest('hex') };
}

/** The request's headers with `x-amz-date`, the session token and `authorization` added. */
export function signRequest(request: SignableRequest, scope: Scope, credentials: Credentials, date = new Date()): Record<string, string> {
  const { amzDate, day } = timestamps(date);
  const headers: Record<string, string> = { ...request.headers, host: request.host, 'x-amz-date': amzDate };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const signed = signature(request.method, request.path, '', headers, hex(request.body), amzDate, day, scope, credentials);
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${day}/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${signed.signedHeaders}, Signature=${signed.signature}`;
  return headers;
}

/** A presigned GET of `host` + `path` + `query` valid for `expiresIn` seconds: the query string with the signature in it. */
export function presignQuery(host: string, path: string, query: Readonly<Record<string, string>>, expiresIn: number, scope: Scope, credentials: Credentials, date = new Date()): string {
  const { amzDate, day } = timestamps(date);
  const signing: Record<string, string> = {
    ...query,
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${credentials.accessKeyId}/${day}/${scope.region}/${scope.service}/aws4_request`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expiresIn),
    'X-Amz-SignedHeaders': 'host',
    ...(credentials.sessionToken && { 'X-Amz-Security-Token': credentials.sessionToken }),
  };
  const signed = signature('GET', path, canonicalQuery(signing), { host }, hex(''), amzDate, day, scope, credentials);
  return canonicalQuery({ ...signing, 'X-Amz-Signature': signed.signature });
}
