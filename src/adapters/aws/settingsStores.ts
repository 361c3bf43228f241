import { AWS_SERVICES, AwsJsonClient } from './awsJsonClient.ts';
import type { CredentialProvider } from './environmentCredentials.ts';

/**
 * One client per service and region with the environment's credentials, built on first use (settings
 * are read once per container); a caller's own credentials get a client of their own, never cached.
 */
const clients = new Map<string, AwsJsonClient>();
function clientFor(kind: 'ssm' | 'secretsManager', region: string, credentials?: CredentialProvider): AwsJsonClient {
  if (credentials) return new AwsJsonClient({ ...AWS_SERVICES[kind], region, credentials });
  const key = `${kind}/${region}`;
  let client = clients.get(key);
  if (!client) {
    client = new AwsJsonClient({ ...AWS_SERVICES[kind], region });
    clients.set(key, client);
  }
  return client;
}

/** Reads a String parameter (SSM GetParameter, the request the SDK would send); `undefined` when it holds nothing. */
export async function readParameter(name: string, region: string, credentials?: CredentialProvider): Promise<string | undefined> {
  const { Parameter } = await clientFor('ssm', region, credentials).call<{ Parameter?: { Value?: string } }>('GetParameter', { Name: name });
  return Parameter?.Value?.trim() || undefined;
}

/** Reads a Secrets Manager secret holding a JSON object (GetSecretValue, the request the SDK would send). */
export async function readJsonSecret(secretId: string, region: string): Promise<unknown> {
  const { SecretString } = await clientFor('secretsManager', region).call<{ SecretString?: string }>('GetSecretValue', { SecretId: secretId });
  try {
    return JSON.parse(SecretString ?? '{}') as unknown;
  } catch {
    throw new Error(`Secret ${secretId} does not hold a JSON object`);
  }
}
