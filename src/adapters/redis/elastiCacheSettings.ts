import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

export interface ElastiCacheSettings {
  readonly host: string;
  readonly port: number;
  readonly authToken: string;
}

/**
 * Where the stage's ElastiCache replication group is and how to authenticate: its primary
 * endpoint from the SSM parameter the infrastructure publishes (`/<service>/<stage>/cache/endpoint`;
 * generated host names cannot be function environment), the AUTH token from its Secrets Manager
 * secret (`<service>/<stage>/cache`, `{"authToken": …}`). Read once per container.
 */
export async function readElastiCacheSettings(clients: { ssm: Pick<SSMClient, 'send'>; secrets: Pick<SecretsManagerClient, 'send'> }, names: { endpointParameter: string; authSecretId: string }): Promise<ElastiCacheSettings> {
  const [parameter, secret] = await Promise.all([
    clients.ssm.send(new GetParameterCommand({ Name: names.endpointParameter })),
    clients.secrets.send(new GetSecretValueCommand({ SecretId: names.authSecretId })),
  ]);
  const host = parameter.Parameter?.Value?.trim();
  if (!host) throw new Error(`SSM parameter ${names.endpointParameter} holds no cache endpoint`);
  let authToken: unknown;
  try {
    authToken = (JSON.parse(secret.SecretString ?? '{}') as { authToken?: unknown }).authToken;
  } catch {
    authToken = undefined;
  }
  if (typeof authToken !== 'string' || authToken.length < 16) throw new Error(`Secret ${names.authSecretId} holds no authToken`);
  const [hostname, port] = host.split(':');
  return { host: hostname!, port: port ? Number(port) : 6379, authToken };
}
