import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPool } from '../../../../src/adapters/postgres/pool.ts';
import { readElastiCacheSettings } from '../../../../src/adapters/redis/elastiCacheSettings.ts';
import { readCursorSigningKey } from '../../../../src/adapters/aws/runtimeSecret.ts';
import { startAwsStandIn, type Answer, type AwsStandIn, type ReceivedCall } from '../../../support/awsStandIn.ts';

/**
 * Secrets Manager and SSM have no local peer: a local HTTP server stands in for both endpoints
 * (the SDK clients reach it through AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER, as
 * they would any override) and records the exact requests. Reads go through Powertools Parameters,
 * which caches each value for the settings' max age: every test reads names of its own.
 */
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: 'session-token-example' };
let standIn: AwsStandIn;
let answers: ((call: ReceivedCall) => Answer)[] = [];
let run = 0;
const unique = (name: string) => `${name}-${++run}`;

beforeAll(async () => {
  standIn = await startAwsStandIn((call) => (answers.shift() ?? (() => ({ status: 500, body: { __type: 'InternalFailure', message: 'no answer queued' } })))(call));
  Object.assign(process.env, CREDENTIALS, { AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.endpoint, AWS_ENDPOINT_URL_SSM: standIn.endpoint });
});
afterAll(async () => {
  for (const key of [...Object.keys(CREDENTIALS), 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_SSM']) delete process.env[key];
  await standIn.stop();
});
afterEach(() => {
  standIn.calls.length = 0;
  answers = [];
});

const secret = (value: unknown): ((call: ReceivedCall) => Answer) => () => ({ status: 200, body: { Name: 'x', SecretString: JSON.stringify(value) } });
const parameter = (value: string): ((call: ReceivedCall) => Answer) => (call) => ({ status: 200, body: { Parameter: { Name: call.input['Name'], Type: 'String', Value: value } } });

describe('readCursorSigningKey', () => {
  it('sends GetSecretValue signed with the environment credentials, and caches the value for the max age', async () => {
    const id = unique('entity-platform/dev/runtime');
    answers.push(secret({ cursorSigningKey: 'k'.repeat(64) }));
    expect(await readCursorSigningKey(id, 'eu-west-1')).toBe('k'.repeat(64));
    expect(await readCursorSigningKey(id, 'eu-west-1')).toBe('k'.repeat(64));
    expect(standIn.calls).toHaveLength(1);
    const [call] = standIn.calls;
    expect(call!.operation).toBe('GetSecretValue');
    expect(call!.input).toEqual({ SecretId: id });
    expect(call!.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue', 'x-amz-security-token': CREDENTIALS.AWS_SESSION_TOKEN });
    expect(String(call!.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/);
  });

  it('fails with the secret name and the bad field when the secret is malformed', async () => {
    answers.push(secret({ cursorSigningKey: 'short' }));
    await expect(readCursorSigningKey('entity-platform/prod/runtime', 'eu-west-1')).rejects.toThrow(/entity-platform\/prod\/runtime is malformed: cursorSigningKey: Too small/);
  });
});

describe('openPool', () => {
  const settings = (hostParameter: string) => ({ kind: 'iam-parameter', hostParameter, port: 5432, database: 'entities', user: 'app', region: 'eu-west-1', poolMax: 2 }) as const;

  it('reads the RDS Proxy endpoint from its SSM parameter (the exact request), then pools connections to it', async () => {
    const name = unique('/entity-platform/dev/database/proxy-endpoint');
    answers.push(parameter('entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com'));
    const pool = await openPool(settings(name));
    try {
      expect(pool.options).toMatchObject({ host: 'entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com', port: 5432, database: 'entities', user: 'app', max: 2, ssl: { rejectUnauthorized: true } });
      expect(standIn.calls.map((c) => [c.headers['x-amz-target'], c.input])).toEqual([['AmazonSSM.GetParameter', { Name: name, WithDecryption: false }]]);
      // The password is an IAM auth token for the user, signed for rds-db (@aws-sdk/rds-signer).
      const token = await (pool.options.password as () => Promise<string>)();
      const url = new URL(`https://${token}`);
      expect(url.host).toBe('entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com:5432');
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ Action: 'connect', DBUser: 'app', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Expires': '900', 'X-Amz-Security-Token': CREDENTIALS.AWS_SESSION_TOKEN });
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
    } finally {
      await pool.end();
    }
  });

  it('fails naming the parameter when it holds nothing', async () => {
    const name = unique('/entity-platform/dev/database/proxy-endpoint');
    answers.push(parameter(' '));
    await expect(openPool(settings(name))).rejects.toThrow(`SSM parameter ${name} holds no RDS Proxy endpoint`);
  });
});

describe('readElastiCacheSettings', () => {
  it('reads the endpoint parameter and the AUTH token secret; forceFetch reads a rotated token past the cache', async () => {
    const names = { endpointParameter: unique('/entity-platform/dev/cache/endpoint'), authSecretId: unique('entity-platform/dev/cache') };
    const byTarget = (token: string) => (call: ReceivedCall): Answer => (call.operation === 'GetParameter' ? parameter('master.cache.abc.euw1.cache.amazonaws.com')(call) : secret({ authToken: token })(call));
    answers.push(byTarget('a'.repeat(64)), byTarget('a'.repeat(64)));
    expect(await readElastiCacheSettings(names, 'eu-west-1')).toEqual({ host: 'master.cache.abc.euw1.cache.amazonaws.com', port: 6379, authToken: 'a'.repeat(64) });
    expect(standIn.calls.map((c) => c.input).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([{ Name: names.endpointParameter, WithDecryption: false }, { SecretId: names.authSecretId }]);
    // Cached: no second read.
    expect((await readElastiCacheSettings(names, 'eu-west-1')).authToken).toBe('a'.repeat(64));
    expect(standIn.calls).toHaveLength(2);
    // The token was rotated: a forced read gets the new one.
    answers.push(byTarget('b'.repeat(64)), byTarget('b'.repeat(64)));
    expect((await readElastiCacheSettings(names, 'eu-west-1', { forceFetch: true })).authToken).toBe('b'.repeat(64));
    expect(standIn.calls).toHaveLength(4);
  });
});
