import { environmentCredentials, type CredentialProvider } from './environmentCredentials.ts';
import { presignQuery } from './sigv4.ts';

export interface RdsAuthTokenOptions {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
  /** Default: the environment's credentials (the execution role's). */
  readonly credentials?: CredentialProvider | undefined;
}

/** Tokens are valid this long (the RDS maximum); the pool asks for one per new connection. */
const EXPIRES_IN_SECONDS = 900;

/**
 * IAM database authentication tokens for RDS Proxy: a SigV4-presigned `connect` request for the
 * user, as `@aws-sdk/rds-signer` makes it (tests/unit/rdsAuthToken.test.ts checks the two agree),
 * with our signer (sigv4.ts) instead of the signer package's own copy of the SDK core.
 */
export function rdsAuthTokens(options: RdsAuthTokenOptions): () => Promise<string> {
  const credentials = options.credentials ?? environmentCredentials;
  const host = `${options.hostname}:${options.port}`;
  return async () => `${host}/?${presignQuery(host, '/', { Action: 'connect', DBUser: options.username }, EXPIRES_IN_SECONDS, { service: 'rds-db', region: options.region }, await credentials())}`;
}
