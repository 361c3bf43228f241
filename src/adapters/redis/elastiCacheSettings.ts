import { readJsonSecret, readParameter, type ReadOptions } from '../aws/parameters.ts';

export interface ElastiCacheSettings {
  readonly host: string;
  readonly port: number;
  readonly authToken: string;
}

/**
 * Where the stage's ElastiCache replication group is and how to authenticate: its primary
 * endpoint from the SSM parameter the infrastructure publishes (`/<service>/<stage>/cache/endpoint`;
 * a generated host name, which `sls invoke local --stage <stage>` could not resolve as a function
 * environment variable), the AUTH token from its Secrets Manager secret (`<service>/<stage>/cache`,
 * `{"authToken": …}`), in parallel, when the cache's client is built; cached for the settings' max
 * age, or read past the cache with `forceFetch` (after the server refused the token: it was rotated).
 */
export async function readElastiCacheSettings(names: { endpointParameter: string; authSecretId: string }, region: string, options: ReadOptions = {}): Promise<ElastiCacheSettings> {
  const [host, secret] = await Promise.all([readParameter(names.endpointParameter, region, options), readJsonSecret(names.authSecretId, region, options)]);
  if (!host) throw new Error(`SSM parameter ${names.endpointParameter} holds no cache endpoint`);
  const authToken = (secret as { authToken?: unknown } | null)?.authToken;
  if (typeof authToken !== 'string' || authToken.length < 16) throw new Error(`Secret ${names.authSecretId} holds no authToken`);
  const [hostname, port] = host.split(':');
  return { host: hostname!, port: port ? Number(port) : 6379, authToken };
}
