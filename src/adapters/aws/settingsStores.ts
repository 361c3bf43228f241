import { awsJsonCall } from './awsJsonCall.ts';

/** Reads a String parameter (SSM GetParameter, the request the SDK would send); `undefined` when it holds nothing. */
export async function readParameter(name: string, region: string): Promise<string | undefined> {
  const { Parameter } = await awsJsonCall<{ Parameter?: { Value?: string } }>({ service: 'ssm', target: 'AmazonSSM.GetParameter', region, body: { Name: name } });
  return Parameter?.Value?.trim() || undefined;
}

/** Reads a Secrets Manager secret holding a JSON object (GetSecretValue, the request the SDK would send). */
export async function readJsonSecret(secretId: string, region: string): Promise<unknown> {
  const { SecretString } = await awsJsonCall<{ SecretString?: string }>({ service: 'secretsmanager', target: 'secretsmanager.GetSecretValue', region, body: { SecretId: secretId } });
  try {
    return JSON.parse(SecretString ?? '{}') as unknown;
  } catch {
    throw new Error(`Secret ${secretId} does not hold a JSON object`);
  }
}
