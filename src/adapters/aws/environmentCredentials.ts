import type { Credentials } from './sigv4.ts';

/**
 * Where a signer gets its credentials: called for every signature, so a provider that refreshes
 * (the ECS task role's, for the worker) is always current.
 */
export type CredentialProvider = () => Credentials | Promise<Credentials>;

/**
 * The execution role's credentials, which the Lambda runtime puts in the environment (and
 * refreshes there): read at each signature, so a refreshed set is used at once. Our AWS calls
 * sign with these; nothing walks the SDK's default credential chain (SSO, STS, INI, process,
 * IMDS), which a Lambda function never needs. The worker, on ECS, gives its clients the SDK's chain
 * instead (its task role comes from the container credentials endpoint); local runs static ones.
 */
export function environmentCredentials(): Credentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): the functions sign with the credentials the Lambda runtime provides.');
  }
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined };
}
