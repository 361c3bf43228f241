import { Signer } from '@aws-sdk/rds-signer';
import { recordAwsCall } from '../../observability/awsCallLog.ts';

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
  return () => {
    // The connection the token authorises (rds-db:connect), made by the pool with it.
    recordAwsCall('RDS', 'connect', { Hostname: options.hostname, DbUser: options.username });
    return signer.getAuthToken();
  };
}
