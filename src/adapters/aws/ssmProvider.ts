import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { traceAwsClient } from '../../observability/tracing.ts';
import { awsClientConfig } from './clientConfig.ts';

/**
 * The Powertools SSM provider behind parameters.ts, over a traced SDK client built like every other
 * (clientConfig.ts). parameters.ts imports this module when the first parameter is read, never at
 * a cold start; the imports are named, so a bundle carries the commands the provider uses rather
 * than the whole SSM namespace.
 */
export function ssmProviderFor(region: string): SSMProvider {
  return new SSMProvider({ awsSdkV3Client: traceAwsClient(new SSMClient(awsClientConfig({ region }))) });
}
