import { Signer } from '@aws-sdk/rds-signer';

export interface RdsAuthTokenOptions {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
}

/**
 * IAM database authentication tokens for RDS Proxy (`@aws-sdk/rds-signer`), signed with the
 * SDK's default credentials (the execution role's in Lambda, the task role's in the worker). Each
 * is valid 15 minutes; the pool asks for one per new connection.
 */
export function rdsAuthTokens(options: RdsAuthTokenOptions): () => Promise<string> {
  const signer = new Signer({ hostname: options.hostname, port: options.port, username: options.username, region: options.region });
  return () => signer.getAuthToken();
}
