import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awsClientConfig, instrumented } from './clientConfig.ts';

/**
 * The Powertools SSM provider behind parameters.ts, over an instrumented (traced; recorded under the permission tests) SDK client built like every other
 * (clientConfig.ts). parameters.ts imports this module when the first parameter is read, never at
 * a cold start; the imports are named, so a bundle carries the commands the provider uses rather
 * than the whole SSM namespace.
 */
export function ssmProviderFor(region: string): SSMProvider {
  return new SSMProvider({ awsSdkV3Client: instrumented(new SSMClient(awsClientConfig({ region }))) });
}
