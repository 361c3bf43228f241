import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { defaultProvider } from './environmentCredentials.ts';
import { NodeSha256 } from './nodeSha256.ts';

export interface RdsAuthTokenOptions {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
  /** Default: the environment's credentials (the execution role's). */
  readonly credentials?: AwsCredentialIdentityProvider;
}

/** Tokens are valid this long (the RDS maximum); the pool asks for one per new connection. */
const EXPIRES_IN_SECONDS = 900;

/**
 * IAM database authentication tokens for RDS Proxy: a SigV4-presigned `connect` request for the
 * user, as `@aws-sdk/rds-signer` makes it (tests/unit/rdsAuthToken.test.ts checks the two agree),
 * with the SigV4 signer the other AWS calls already use instead of the signer package's own copy
 * of the SDK core.
 */
export function rdsAuthTokens(options: RdsAuthTokenOptions): () => Promise<string> {
  const signer = new SignatureV4({ service: 'rds-db', region: options.region, credentials: options.credentials ?? defaultProvider(), sha256: NodeSha256 });
  const host = `${options.hostname}:${options.port}`;
  return async () => {
    const presigned = await signer.presign(
      { method: 'GET', protocol: 'https:', hostname: options.hostname, port: options.port, path: '/', query: { Action: 'connect', DBUser: options.username }, headers: { host } },
      { expiresIn: EXPIRES_IN_SECONDS },
    );
    return `${host}/?${queryString(presigned.query as Record<string, string | string[] | null>)}`;
  };
}

/** The query string as the SDK formats a presigned URL: keys sorted, keys and values RFC 3986-escaped. */
function queryString(query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    const name = escape(key);
    if (Array.isArray(value)) for (const v of value) parts.push(`${name}=${escape(v)}`);
    else parts.push(typeof value === 'string' ? `${name}=${escape(value)}` : name);
  }
  return parts.join('&');
}

const escape = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
