import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig, instrumented } from './clientConfig.ts';

/** The Powertools Secrets Manager provider behind parameters.ts, loaded when the first secret is read (see ssmProvider.ts). */
export function secretsProviderFor(region: string): SecretsProvider {
  return new SecretsProvider({ awsSdkV3Client: instrumented(new SecretsManagerClient(awsClientConfig({ region }))) });
}
