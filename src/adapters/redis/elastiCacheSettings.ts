import { readJsonSecret, readParameter } from '../aws/settingsStores.ts';

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
 * `{"authToken": …}`). Both read once per container, in parallel, on the cache's first use.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- options.forceFetch (read past cached values, after the AUTH token was refused) takes effect once the reads are cached
export async function readElastiCacheSettings(names: { endpointParameter: string; authSecretId: string }, region: string, options?: { forceFetch?: boolean }): Promise<ElastiCacheSettings> {
  const [host, secret] = await Promise.all([readParameter(names.endpointParameter, region), readJsonSecret(names.authSecretId, region)]);
  if (!host) throw new Error(`SSM parameter ${names.endpointParameter} holds no cache endpoint`);
  const authToken = (secret as { authToken?: unknown } | null)?.authToken;
  if (typeof authToken !== 'string' || authToken.length < 16) throw new Error(`Secret ${names.authSecretId} holds no authToken`);
  const [hostname, port] = host.split(':');
  return { host: hostname!, port: port ? Number(port) : 6379, authToken };
}
