import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild `alias` in
 * serverless.yml). The SDK's default chain carries SSO, STS, INI, process and IMDS providers and
 * their clients, which a Lambda function never walks: the runtime puts the execution role's
 * credentials in the environment, the chain's first link. This is that link alone. Passing
 * `credentials` to a client does not drop the chain from a bundle (the client's runtime config
 * imports it statically); this alias does. Local runs pass static credentials for DynamoDB Local.
 */
export function defaultProvider(): AwsCredentialIdentityProvider {
  return () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      return Promise.reject(new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): this bundle only reads the credentials the Lambda runtime provides.'));
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    const expiration = process.env.AWS_CREDENTIAL_EXPIRATION;
    const credentials: AwsCredentialIdentity = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken && { sessionToken }),
      ...(expiration && { expiration: new Date(expiration) }),
    };
    return Promise.resolve(credentials);
  };
}
